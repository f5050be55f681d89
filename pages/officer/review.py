"""Officers review the proposals of a cycle: accept, reject with a reason, merge duplicates, reviewed cost and
feasibility notes; see the ranking for the ballot; handle reported comments."""

import dash_bootstrap_components as dbc
from dash import Input, Output, State, ctx, dcc, html, no_update
from dash.exceptions import PreventUpdate

from portal.db import get_session
from portal.forms import csrf_input
from portal.i18n import _, _l, money
from portal.models import Proposal, ProposalStatus
from portal.participation import phases, review
from portal.participation.comments import reported_comments
from portal.participation.components import (
    error_alert,
    not_found,
    officer_nav,
    ok_alert,
    simple_table,
    status_badge,
)
from portal.participation.cycles import get_cycle, shortlist_settings
from portal.participation.errors import InvalidInput, NotFound, ParticipationError
from portal.participation.proposals import status_label
from portal.participation.shortlist import ranking, support_counts
from portal.security import callback, register_page
from portal.web import user

NOTICES = {"hidden": lambda: _("The comment is hidden."), "kept": lambda: _("The comment stays visible.")}


def _table(session, cycle):
    supports = support_counts(session, cycle.id)
    categories = {c.id: c.name for c in cycle.categories}
    districts = {d.code: d.name for d in cycle.districts}
    rows = [[p.id, html.A(p.title, href=f"/proposal/{p.id}"), districts.get(p.district_code, "–"),
             categories.get(p.category_id, "–"), money(p.estimated_cost, cycle.currency),
             money(p.reviewed_cost, cycle.currency) if p.reviewed_cost is not None else "–",
             supports.get(p.id, 0), status_badge(p.status)]
            for p in review.review_queue(session, cycle.id)]
    if not rows:
        return html.P(_("No proposal has been submitted yet."), id="rv-table")
    return simple_table(["#", _("Proposal"), _("District"), _("Category"), _("Estimated"), _("Reviewed"),
                         _("Supports"), _("Status")], rows, "rv-table")


def _options(session, cycle):
    return [{"label": f"#{p.id} {p.title} ({status_label(p.status)})", "value": str(p.id)}
            for p in review.review_queue(session, cycle.id)]


def _ranking(session, cycle):
    if not shortlist_settings(cycle)["enabled"]:
        return html.P(_("The ballot is not shortlisted: every accepted proposal goes on it."), className="small")
    rows = [[r.group or _("all"), r.rank, r.proposal.title, r.supports, _("yes") if r.shortlisted else _("no")]
            for r in ranking(session, cycle)]
    return simple_table([_("Group"), _("Rank"), _("Proposal"), _("Supports"), _("On the ballot")], rows,
                        "rv-ranking")


def _reports(session, cycle):
    items = []
    for r in reported_comments(session, cycle.id):
        back = f"/officer/review/{cycle.id}"
        items.append(html.Li([
            html.Div([html.Strong(r.proposal_title), " · ", _("{n} reports").format(n=r.reports)]),
            html.Div(r.comment.body, className="pre-wrap my-1"),
            html.Div("; ".join(r.reasons), className="small text-muted") if r.reasons else None,
            html.Form([csrf_input(), dbc.Input(type="hidden", name="next", value=back),
                       dbc.Label(_("Reason for hiding the comment"), html_for=f"rv-hide-reason-{r.comment.id}",
                                 className="visually-hidden"),
                       dbc.Input(id=f"rv-hide-reason-{r.comment.id}", name="reason", required=True, size="sm",
                                 placeholder=_("Reason shown instead"), maxLength=500,
                                 className="d-inline w-auto me-1"),
                       html.Button(_("Hide"), type="submit", className="btn btn-outline-danger btn-sm")],
                      action=f"/comments/{r.comment.id}/hide", method="POST", className="d-inline me-2"),
            html.Form([csrf_input(), dbc.Input(type="hidden", name="next", value=back),
                       html.Button(_("Keep it"), type="submit", className="btn btn-outline-secondary btn-sm")],
                      action=f"/comments/{r.comment.id}/keep", method="POST", className="d-inline"),
        ], className="list-group-item"))
    return html.Ul(items, className="list-group", id="rv-reports") if items else html.P(
        _("No reported comment."), id="rv-reports")


def layout(cycle_id=None, notice=None, **_query):
    session = get_session()
    try:
        cycle = get_cycle(session, cycle_id, user())
    except NotFound as exc:
        return not_found(exc.message)
    open_for_review = phases.allows(cycle, "review")
    notice_text = NOTICES.get(notice)
    return html.Div([
        html.H1(cycle.title, className="h2"),
        officer_nav(cycle.id, "review"),
        ok_alert(notice_text(), "rv-notice") if notice_text else None,
        dcc.Store(id="rv-cycle", data=cycle.id),
        dbc.Alert(_("Review is possible in the proposal and review phases."), color="warning")
        if not open_for_review else None,
        html.Div(_table(session, cycle), id="rv-table-wrap"),
        dbc.Card(dbc.CardBody([
            html.H2(_("Review a proposal"), className="h5"),
            dbc.Label(_("Proposal"), html_for="rv-proposal"),
            dbc.Select(id="rv-proposal", options=_options(session, cycle), className="mb-2"),
            html.Div(id="rv-details", className="small mb-2"),
            dbc.Row([
                dbc.Col([dbc.Label(_("Reviewed cost"), html_for="rv-cost"),
                         dbc.Input(id="rv-cost", type="number", min=1, step=1)], md=4),
                dbc.Col([dbc.Label(_("Feasibility notes (shown to everyone)"), html_for="rv-notes"),
                         dbc.Textarea(id="rv-notes", rows=2, maxLength=5000)], md=8),
            ], className="g-2 mb-2"),
            dbc.Button(_("Accept"), id="rv-accept", color="success", className="me-2"),
            dbc.Button(_("Save cost and notes"), id="rv-save-cost", color="secondary", outline=True,
                       className="me-2"),
            html.Hr(),
            dbc.Label(_("Reason for rejecting (shown to the author and to everyone)"), html_for="rv-reason"),
            dbc.Textarea(id="rv-reason", rows=2, maxLength=5000, className="mb-2"),
            dbc.Button(_("Reject"), id="rv-reject", color="danger", className="me-2"),
            html.Hr(),
            dbc.Label(_("Merge this duplicate into"), html_for="rv-merge-into"),
            dbc.Select(id="rv-merge-into", options=_options(session, cycle), className="mb-2"),
            dbc.Button(_("Merge"), id="rv-merge", color="secondary"),
            html.Div(id="rv-msg", role="status", className="mt-3"),
        ]), className="my-3"),
        html.H2(_("Ranking for the ballot"), className="h5"),
        html.Div(_ranking(session, cycle), id="rv-ranking-wrap"),
        html.H2(_("Reported comments"), className="h5 mt-3"),
        _reports(session, cycle),
    ])


@callback(
    Output("rv-details", "children"),
    Output("rv-cost", "value"),
    Output("rv-notes", "value"),
    Output("rv-reason", "value"),
    Input("rv-proposal", "value"),
    State("rv-cycle", "data"),
    prevent_initial_call=True,
    access="officer",
)
def show_proposal(proposal_id, cycle_id):
    if not proposal_id:
        raise PreventUpdate
    session = get_session()
    try:
        proposal = session.get(Proposal, int(proposal_id))
        cycle_id = int(cycle_id)
    except (TypeError, ValueError):
        raise PreventUpdate from None
    if proposal is None or proposal.cycle_id != cycle_id or proposal.status == ProposalStatus.DRAFT:
        raise PreventUpdate
    details = [html.P(proposal.description or "", className="pre-wrap mb-1"),
               html.P([_("Estimated cost"), ": ", f"{proposal.estimated_cost:,}"], className="mb-0")]
    return details, proposal.reviewed_cost, proposal.feasibility_notes or "", proposal.rejection_reason or ""


@callback(
    Output("rv-msg", "children"),
    Output("rv-table-wrap", "children"),
    Output("rv-ranking-wrap", "children"),
    Input("rv-accept", "n_clicks"),
    Input("rv-save-cost", "n_clicks"),
    Input("rv-reject", "n_clicks"),
    Input("rv-merge", "n_clicks"),
    State("rv-cycle", "data"),
    State("rv-proposal", "value"),
    State("rv-cost", "value"),
    State("rv-notes", "value"),
    State("rv-reason", "value"),
    State("rv-merge-into", "value"),
    prevent_initial_call=True,
    access="officer",
)
def decide(accept, save_cost, reject, merge, cycle_id, proposal_id, cost, notes, reason, merge_into):
    action = ctx.triggered_id
    if not (accept or save_cost or reject or merge) or action not in ("rv-accept", "rv-save-cost", "rv-reject",
                                                                       "rv-merge"):
        raise PreventUpdate
    session = get_session()
    me = user()
    try:
        cycle = get_cycle(session, cycle_id, me)
        proposal = session.get(Proposal, int(proposal_id)) if proposal_id else None
        if proposal is None or proposal.cycle_id != cycle.id:
            raise InvalidInput(_("Choose a proposal of this cycle first."))
        if action == "rv-accept":
            review.accept(session, proposal.id, me, cost, notes)
            message = _("Accepted.")
        elif action == "rv-save-cost":
            review.set_cost(session, proposal.id, me, cost, notes)
            message = _("Cost and notes saved.")
        elif action == "rv-reject":
            review.reject(session, proposal.id, me, reason)
            message = _("Rejected; the reason is shown to the author.")
        else:
            review.merge(session, proposal.id, merge_into, me)
            message = _("Merged.")
    except (ParticipationError, ValueError) as exc:
        return error_alert(exc, "rv-error"), no_update, no_update
    session.commit()
    return ok_alert(message, "rv-ok"), _table(session, cycle), _ranking(session, cycle)


register_page(__name__, path="/officer/review/<cycle_id>", path_template="/officer/review/<cycle_id>",
              access="officer", layout=layout, title=_l("Review proposals"), name="Review proposals")
