"""One proposal: what it is, its status and the officers' answer, supports and comments."""

import dash_bootstrap_components as dbc
from dash import Input, Output, State, ctx, dcc, html, no_update
from dash.exceptions import PreventUpdate

from portal.db import get_session
from portal.feedback import delivery as deliveries
from portal.forms import csrf_input
from portal.i18n import LANGUAGES, _, _l, current_language, date, money, ngettext, number
from portal.models import Cycle, Proposal, ProposalStatus
from portal.participation import phases
from portal.participation.comments import add_comment, list_comments
from portal.participation.components import error_alert, not_found, ok_alert, progress, status_badge
from portal.participation.cycles import is_officer
from portal.participation.errors import NotFound, ParticipationError
from portal.participation.proposals import can_edit, get_proposal, has_supported, support, support_count
from portal.participation.translations import (
    delete_translation,
    language_name,
    save_translation,
    set_language,
    shown,
    translations_of,
)
from portal.security import callback, register_page
from portal.web import user

NOTICES = {
    "reported": lambda: _("Thank you: the officers will look at the comment."),
    "hidden": lambda: _("The comment is hidden."),
    "kept": lambda: _("The comment stays visible; its reports are closed."),
}
ERRORS = {
    "already_reported": lambda: _("You reported this comment already."),
    "invalid_input": lambda: _("Please give a reason."),
    "not_found": lambda: _("There is no such comment."),
}


def _comments(session, proposal_id, me):
    officer = is_officer(me)
    items = []
    for c in list_comments(session, proposal_id, me):
        when = date(c.at)
        if c.body is None:
            body = [html.Em(_("Hidden by the officers: {reason}").format(reason=c.hidden_reason))]
            if c.hidden_body:
                body.append(html.Div(c.hidden_body, className="small text-muted mt-1 pre-wrap"))
        else:
            body = [html.Div(c.body, className="pre-wrap")]
        actions = []
        if me is not None and c.body is not None:
            actions.append(html.Form([
                csrf_input(), dbc.Input(type="hidden", name="next", value=f"/proposal/{proposal_id}"),
                dbc.Label(_("Reason for the report"), html_for=f"report-reason-{c.id}", className="visually-hidden"),
                dbc.Input(id=f"report-reason-{c.id}", name="reason", placeholder=_("Why? (optional)"), maxLength=500,
                          size="sm", className="d-inline w-auto me-1"),
                html.Button(_("Report"), type="submit", className="btn btn-link btn-sm p-0"),
            ], action=f"/comments/{c.id}/report", method="POST", className="d-inline me-3"))
        if officer and c.body is not None:
            actions.append(html.Form([
                csrf_input(), dbc.Input(type="hidden", name="next", value=f"/proposal/{proposal_id}"),
                dbc.Label(_("Reason for hiding the comment"), html_for=f"hide-reason-{c.id}",
                          className="visually-hidden"),
                dbc.Input(id=f"hide-reason-{c.id}", name="reason", required=True, placeholder=_("Reason shown instead"),
                          maxLength=500, size="sm", className="d-inline w-auto me-1"),
                html.Button(_("Hide"), type="submit", className="btn btn-outline-danger btn-sm"),
            ], action=f"/comments/{c.id}/hide", method="POST", className="d-inline me-3"))
            if c.reports:
                actions.append(html.Span(_("{n} open reports").format(n=c.reports), className="badge bg-warning "
                                                                                              "text-dark"))
        items.append(html.Li([html.Div([html.Strong(c.author), " · ", html.Small(when, className="text-muted")]),
                              *body, html.Div(actions, className="mt-1") if actions else None],
                             className="list-group-item", id=f"comment-{c.id}"))
    if not items:
        return html.P(_("No comments yet."), id="comments-empty")
    return html.Ul(items, className="list-group mb-3", id="comments")


def _delivery(session, proposal, cycle):
    """How a funded project is getting on: status, progress, money, the officers' dated updates."""
    record = deliveries.delivery_of(session, proposal.id)
    if record is None or not deliveries.is_public(cycle):
        return None
    currency = cycle.currency
    actual = deliveries.actual_spending(session, cycle.city, [proposal.id]).get(proposal.id)
    facts = [
        (_("Status"), deliveries.status_label(record.status)),
        (_("Budget year"), str(record.budget_year)),
        (_("Funded"), money(record.funded_amount, currency)),
        (_("Spent (reported by the officers)"), money(record.spent or 0, currency)),
        (_("Spent (the city's accounts)"), money(actual, currency) if actual is not None else
         _("not in the imported accounts yet")),
    ]
    updates = deliveries.updates_of(session, record.id)
    colour = {"completed": "success", "delayed": "warning", "cancelled": "danger"}.get(str(record.status), "primary")
    return html.Div([
        html.H2(_("Delivery"), className="h4 mt-4"),
        html.Div(progress(int(record.progress), _("Delivery progress"), colour, bar_id="delivery-progress"),
                 className="mb-2"),
        html.Dl([x for term, value in facts for x in (html.Dt(term, className="col-sm-4"),
                                                       html.Dd(value, className="col-sm-8"))],
                className="row small", id="delivery-facts"),
        html.Ul([html.Li([html.Strong(date(u.at)), " · ",
                          deliveries.status_label(u.status), f" · {u.progress} % · ", author,
                          html.Div(u.note, className="pre-wrap") if u.note else None],
                         className="list-group-item small") for u, author in updates],
                className="list-group mb-3", id="delivery-updates") if updates else
        html.P(_("No updates yet."), className="small text-muted", id="delivery-no-updates"),
    ], id="proposal-delivery")


def layout(proposal_id=None, notice=None, error=None, **_query):
    session = get_session()
    me = user()
    try:
        proposal = get_proposal(session, proposal_id, me)
    except NotFound as exc:
        return not_found(exc.message)
    cycle = session.get(Cycle, proposal.cycle_id)
    category = next((c.name for c in cycle.categories if c.id == proposal.category_id), "")
    district = next((d.name for d in cycle.districts if d.code == proposal.district_code), _("Whole city"))
    answer = None
    if proposal.status == ProposalStatus.REJECTED:
        answer = dbc.Alert([html.Strong(_("Why it was rejected") + ": "), proposal.rejection_reason or ""],
                           color="danger", id="proposal-answer")
    elif proposal.status == ProposalStatus.MERGED and proposal.merged_into_id:
        target = session.get(Proposal, proposal.merged_into_id)
        answer = dbc.Alert([_("This proposal was merged into "),
                            html.A(target.title if target else "#", href=f"/proposal/{proposal.merged_into_id}"),
                            "."], color="secondary", id="proposal-answer")
    elif proposal.feasibility_notes:
        answer = dbc.Alert([html.Strong(_("The officers' notes") + ": "), proposal.feasibility_notes],
                           color="info", id="proposal-answer")
    supported = has_supported(session, proposal.id, me)
    supports = support_count(session, proposal.id)
    can_support = (me is not None and phases.allows(cycle, "support")
                   and proposal.status in (ProposalStatus.SUBMITTED, ProposalStatus.ACCEPTED))
    facts = [
        (_("Category"), category or "–"), (_("District"), district),
        (_("Estimated cost"), money(proposal.estimated_cost, cycle.currency)),
    ]
    if proposal.reviewed_cost is not None:
        facts.append((_("Cost after review"), money(proposal.reviewed_cost, cycle.currency)))
    if proposal.latitude is not None:
        facts.append((_("Location"), f"{float(proposal.latitude):.5f}, {float(proposal.longitude):.5f}"))
    notice_text = NOTICES.get(notice)
    error_text = ERRORS.get(error, lambda: _("That did not work. Please try again.")) if error else None
    return html.Div([
        dcc.Store(id="proposal-id", data=proposal.id),
        ok_alert(notice_text(), "proposal-notice") if notice_text else None,
        dbc.Alert(error_text(), color="danger", id="proposal-error") if error_text else None,
        html.P(html.A("← " + cycle.title, href=f"/proposals/{cycle.id}"), className="mb-1"),
        *_text(session, proposal),
        dbc.Row([
            dbc.Col([
                answer,
                _translations_card(session, proposal) if is_officer(me) else None,
            ], md=8),
            dbc.Col(dbc.Card(dbc.CardBody([
                html.Dl([x for term, value in facts for x in (html.Dt(term), html.Dd(value))], className="mb-2"),
                html.P([html.Span(number(supports), id="proposal-supports"), " ",
                        ngettext("support", "supports", supports)], className="h5"),
                dbc.Button(_("Support this proposal") if not supported else _("You support this proposal"),
                           id="proposal-support", color="primary", disabled=supported or not can_support,
                           className="mb-2") if me is not None else
                html.P(html.A(_("Log in to support it"), href=f"/login?next=/proposal/{proposal.id}")),
                html.Div(id="proposal-support-msg", role="status"),
                dbc.Button(_("Edit"), href=f"/propose/{cycle.id}?edit={proposal.id}", color="secondary", outline=True,
                           id="proposal-edit") if can_edit(session, proposal, me) else None,
            ])), md=4),
        ]),
        _delivery(session, proposal, cycle),
        html.H2(_("Comments"), className="h4 mt-4"),
        html.Div(_comments(session, proposal.id, me), id="comments-wrap"),
        html.Div([
            dbc.Label(_("Your comment"), html_for="comment-body"),
            dbc.Textarea(id="comment-body", maxLength=2000, rows=3, className="mb-2"),
            dbc.Button(_("Comment"), id="comment-submit", color="secondary"),
            html.Div(id="comment-msg", role="status", className="mt-2"),
        ]) if me is not None and phases.allows(cycle, "comment") else None,
    ])


def _text(session, proposal) -> list:
    """Title and description as the author wrote them, marked with their language; where the city translated the
    proposal into the reader's language, the translation first and the original one click away."""
    text = shown(session, proposal, current_language())
    original = html.Div([
        html.H1([html.Span(text.original_title, lang=text.original_language or None,
                           id="proposal-original-title" if text.translated else "proposal-title-text"),
                 " ", status_badge(proposal.status)], className="h2",
                id="proposal-original-heading" if text.translated else "proposal-title"),
        html.Div(text.original_description, lang=text.original_language or None, className="pre-wrap mb-3",
                 id="proposal-original-description" if text.translated else "proposal-description"),
    ], id="proposal-original", hidden=text.translated)
    if not text.translated:
        return [original]
    return [
        html.P([html.Span(_("Translated by the city"), className="badge bg-light text-dark border me-1"),
                html.Button(_("Show original"), id="proposal-translation-toggle", type="button", n_clicks=0,
                            className="btn btn-link btn-sm p-0 align-baseline")],
               className="mb-1 small", id="proposal-translation-note"),
        html.Div([
            html.H1([html.Span(text.title, lang=text.language, id="proposal-title-text"), " ",
                     status_badge(proposal.status)], className="h2", id="proposal-title"),
            html.Div(text.description, lang=text.language, className="pre-wrap mb-3", id="proposal-description"),
        ], id="proposal-translation"),
        original,
    ]


@callback(
    Output("proposal-translation", "hidden"),
    Output("proposal-original", "hidden"),
    Output("proposal-translation-toggle", "children"),
    Input("proposal-translation-toggle", "n_clicks"),
    prevent_initial_call=True,
    access="public",
)
def toggle_translation(clicks):
    """Between the city's translation and the original, one click each way (no data: the page has both)."""
    if not isinstance(clicks, int) or isinstance(clicks, bool):
        raise PreventUpdate
    original = clicks % 2 == 1
    label = _("Show the translation") if original else _("Show original")
    return original, not original, label


def _translation_list(session, proposal):
    rows = translations_of(session, proposal.id)
    if not rows:
        return html.P(_("No translations yet."), className="small text-muted", id="translations-empty")
    return html.Ul([html.Li([html.Strong(language_name(t.language) + ": "), html.Span(t.title, lang=t.language),
                             html.Small(" · " + (t.updated_at.strftime("%Y-%m-%d") if t.updated_at else ""),
                                        className="text-muted")],
                            className="list-group-item small", id=f"translation-{t.language}") for t in rows],
                   className="list-group mb-2", id="translations-list")


def _language_options(exclude=None):
    return [{"label": name, "value": code} for code, name in LANGUAGES.items() if code != exclude]


def _translations_card(session, proposal):
    """Officers: the language the proposal is written in, and its translations (add, change, delete)."""
    return dbc.Card(dbc.CardBody([
        html.H2(_("Translations"), className="h5"),
        html.P(_("The proposal stays as its author wrote it; readers see the translation into their language, "
                 "marked as the city's, with the original one click away."), className="small"),
        dbc.Row([
            dbc.Col([dbc.Label(_("Written in"), html_for="translation-original-language"),
                     dbc.Select(id="translation-original-language", options=_language_options(),
                                value=proposal.language or None, placeholder=_("Not known"))], md=6),
            dbc.Col(dbc.Button(_("Save the language"), id="translation-language-save", color="secondary",
                               outline=True), md=6, className="d-flex align-items-end"),
        ], className="mb-3"),
        html.Div(_translation_list(session, proposal), id="translations-wrap"),
        dbc.Label(_("Language of the translation"), html_for="translation-language"),
        dbc.Select(id="translation-language", options=_language_options(proposal.language), className="mb-2",
                   placeholder=_("Choose a language")),
        dbc.Label(_("Title"), html_for="translation-title"),
        dbc.Input(id="translation-title", maxLength=200, className="mb-2", disabled=True),
        dbc.Label(_("Description"), html_for="translation-description"),
        dbc.Textarea(id="translation-description", maxLength=10_000, rows=4, className="mb-2", disabled=True),
        dbc.Button(_("Save the translation"), id="translation-save", color="primary", className="me-2"),
        dbc.Button(_("Delete the translation"), id="translation-delete", color="danger", outline=True),
        html.Div(id="translation-msg", role="status", className="mt-2"),
    ]), className="mb-3", id="proposal-translations")


@callback(
    Output("translation-title", "value"),
    Output("translation-description", "value"),
    Output("translation-title", "disabled"),
    Output("translation-description", "disabled"),
    Input("translation-language", "value"),
    State("proposal-id", "data"),
    prevent_initial_call=True,
    access="officer",
)
def load_translation(language, proposal_id):
    """Fill the form with the translation there is into the chosen language (empty for a new one); the fields
    open once it is there, so nothing typed is overwritten."""
    if not isinstance(language, str) or language not in LANGUAGES:
        raise PreventUpdate
    session = get_session()
    try:
        proposal = get_proposal(session, proposal_id, user())
    except ParticipationError:
        raise PreventUpdate from None
    found = next((t for t in translations_of(session, proposal.id) if t.language == language), None)
    return (found.title, found.description, False, False) if found else ("", "", False, False)


@callback(
    Output("translation-msg", "children"),
    Output("translations-wrap", "children"),
    Input("translation-save", "n_clicks"),
    Input("translation-delete", "n_clicks"),
    Input("translation-language-save", "n_clicks"),
    State("proposal-id", "data"),
    State("translation-language", "value"),
    State("translation-title", "value"),
    State("translation-description", "value"),
    State("translation-original-language", "value"),
    prevent_initial_call=True,
    access="officer",
)
def change_translations(save_clicks, delete_clicks, language_clicks, proposal_id, language, title, description,
                        original_language):
    """Save or delete a translation, or say which language the proposal is written in; the service checks all."""
    action = ctx.triggered_id
    if action not in ("translation-save", "translation-delete", "translation-language-save"):
        raise PreventUpdate
    session = get_session()
    try:
        if action == "translation-save":
            save_translation(session, proposal_id, user(), language, title, description)
            message = _("The translation into {language} is saved.").format(language=language_name(language))
        elif action == "translation-delete":
            delete_translation(session, proposal_id, user(), language)
            message = _("The translation into {language} is deleted.").format(language=language_name(language))
        else:
            set_language(session, proposal_id, user(), original_language)
            message = _("The proposal is marked as written in {language}.").format(
                language=language_name(original_language))
        session.commit()
    except ParticipationError as exc:
        session.rollback()
        return error_alert(exc, "translation-error"), no_update
    proposal = session.get(Proposal, int(proposal_id))
    return ok_alert(message, "translation-ok"), _translation_list(session, proposal)


@callback(
    Output("proposal-support-msg", "children"),
    Output("proposal-supports", "children"),
    Output("proposal-support", "disabled"),
    Input("proposal-support", "n_clicks"),
    State("proposal-id", "data"),
    prevent_initial_call=True,
    access="citizen",
)
def support_proposal(clicks, proposal_id):
    if not clicks:
        raise PreventUpdate
    session = get_session()
    try:
        proposal = get_proposal(session, proposal_id, user())
        count = support(session, proposal, user())
    except ParticipationError as exc:
        return error_alert(exc, "proposal-support-error"), no_update, True
    session.commit()
    return ok_alert(_("Thank you for your support."), "proposal-support-ok"), number(count), True


@callback(
    Output("comment-msg", "children"),
    Output("comments-wrap", "children"),
    Output("comment-body", "value"),
    Input("comment-submit", "n_clicks"),
    State("comment-body", "value"),
    State("proposal-id", "data"),
    prevent_initial_call=True,
    access="citizen",
)
def post_comment(clicks, body, proposal_id):
    if not clicks:
        raise PreventUpdate
    session = get_session()
    try:
        proposal = get_proposal(session, proposal_id, user())
        add_comment(session, proposal, user(), body)
    except ParticipationError as exc:
        return error_alert(exc, "comment-error"), no_update, no_update
    session.commit()
    return ok_alert(_("Your comment is posted."), "comment-ok"), _comments(session, proposal.id, user()), ""


register_page(__name__, path="/proposal/<proposal_id>", path_template="/proposal/<proposal_id>", layout=layout,
              title=_l("Proposal"), name="Proposal")
