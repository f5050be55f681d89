"""The ballot page: fits the ballot type (approval, k-approval, knapsack, cumulative, ranking).

The browser shows running totals and limits (assets/ballot.js); the server checks whatever it is sent
with the counting engine's rules (`cast_ballot`), and answers with a receipt or a clear refusal.
"""

import json

import dash_bootstrap_components as dbc
from dash import ALL, ClientsideFunction, Input, Output, State, clientside_callback, dcc, html, no_update
from dash.exceptions import PreventUpdate

from portal.db import get_session
from portal.i18n import _, _l, current_language, date_time, money
from portal.models import BallotType
from portal.participation import eligibility, phases
from portal.participation.ballots import ballot_definition, cast_ballot, live_ballot, project_titles
from portal.participation.components import cycle_header, error_alert, not_found, proposal_link
from portal.participation.cycles import get_cycle
from portal.participation.engine import choice_key
from portal.participation.errors import NotAllowed, NotFound, ParticipationError
from portal.participation.results import pool_label
from portal.participation.shortlist import ballot_proposals
from portal.participation.translations import localised_titles, titles_in
from portal.participation.web import current_voter, forget_code, throttle
from portal.security import callback, register_page
from portal.web import user


def dom_id(component_id: dict) -> str:
    """The DOM id Dash gives a component with a dictionary id (for a label's `for`)."""
    return json.dumps(component_id, sort_keys=True, separators=(",", ":"))


def _texts() -> dict:
    return {
        "total": _("Chosen: {total} of {budget}. Left: {left}."),
        "pool": _("{name}: {total} of {budget}"),
        "count": _("Projects chosen: {count}."),
        "limit": _("You may choose up to {max} projects ({count} chosen)."),
        "minCost": _("Choose projects worth at least {min} in all."),
        "pointsLeft": _("Points given: {given} of {total}. Points left: {left}."),
        "pointsOver": _("Points given: {given} of {total}: {over} too many."),
        "rankAdded": _("{title} added at position {position}."),
        "rankMoved": _("{title} moved to position {position}."),
        "rankRemoved": _("{title} removed from your ranking."),
        "rankFull": _("You may rank up to {max} projects."),
        "up": _("Move {title} up"), "down": _("Move {title} down"), "remove": _("Remove {title} from the ranking"),
        "removeShort": _("Remove"), "add": _("Add {title} to the ranking"), "addShort": _("Add"),
        "empty": _("Nothing ranked yet: add projects from the list below."),
    }


def _meta(cycle, definition, proposals, translated) -> dict:
    kind = BallotType(cycle.ballot_type)
    pools = definition.pools
    max_projects = cycle.max_projects
    return {
        "type": kind.value, "lang": current_language(), "currency": cycle.currency,
        "budget": int(cycle.total_budget), "knapsack": kind == BallotType.KNAPSACK,
        "maxProjects": max_projects, "minProjects": cycle.min_projects,
        "minCost": (int(-(-float(cycle.min_spend_share) * cycle.total_budget // 1))
                    if cycle.min_spend_share else None),
        "totalPoints": cycle.total_points, "maxPerProject": definition.rules.max_points_per_project,
        "costs": {str(p.id): int(p.cost) for p in proposals},
        "titles": {str(p.id): translated.get(p.id, p.title) for p in proposals},
        "order": [str(p.id) for p in proposals],
        "pools": {pid: (proj.district or "") for pid, proj in definition.instance.projects.items()},
        "poolBudgets": dict(pools), "poolNames": {k: pool_label(cycle, k) for k in pools},
        "texts": _texts(),
    }


def _label(cycle, proposal, categories, districts, translated):
    facts = " · ".join(x for x in (categories.get(proposal.category_id, ""),
                                   districts.get(proposal.district_code, "") if proposal.district_code else "") if x)
    return html.Span([
        proposal_link(proposal, translated, target="_blank", className="fw-semibold"),
        " ", html.Span(money(proposal.cost, cycle.currency), className="badge bg-light text-dark border ms-1"),
        html.Span(" " + facts, className="small text-muted") if facts else None,
    ])


def _ballot(cycle, proposals, previous, translated):
    kind = BallotType(cycle.ballot_type)
    categories = {c.id: c.name for c in cycle.categories}
    districts = {d.code: d.name for d in cycle.districts}
    key = choice_key(kind)
    prior = (previous or {}).get(key)
    approve_options, approve_value, points_rows, ranking = [], [], [], []
    if key == "approved":
        approve_options = [{"label": _label(cycle, p, categories, districts, translated), "value": str(p.id)}
                           for p in proposals]
        approve_value = [str(v) for v in (prior or [])]
        instructions = {
            BallotType.APPROVAL: _("Tick every project you support."),
            BallotType.K_APPROVAL: _("Tick up to {k} projects.").format(k=cycle.max_projects),
            BallotType.KNAPSACK: _("Tick the projects you want, within the budget. Projects that no longer fit "
                                   "are greyed out."),
        }[kind]
    elif key == "points":
        prior = prior or {}
        points_rows = [dbc.Row([
            dbc.Col(_label(cycle, p, categories, districts, translated), md=9),
            dbc.Col([
                dbc.Label(_("Points for {title}").format(title=translated.get(p.id, p.title)),
                          className="visually-hidden",
                          html_for=dom_id({"type": "ballot-points", "index": str(p.id)})),
                dbc.Input(id={"type": "ballot-points", "index": str(p.id)}, type="number", min=0, step=1,
                          max=cycle.settings.get("max_points_per_project") or cycle.total_points,
                          value=int(prior.get(str(p.id), 0))),
            ], md=3),
        ], className="mb-2 align-items-center") for p in proposals]
        instructions = _("Give your {n} points to the projects you want; more points mean more support.").format(
            n=cycle.total_points)
    else:
        ranking = [str(v) for v in (prior or [])]
        instructions = _("Add projects to your ranking and order them, best first, with the arrow buttons (they "
                         "work with the keyboard too).")
    ordinal = key == "ranking"
    return html.Div([
        html.P(instructions, id="ballot-instructions"),
        html.Div(id="ballot-status", className="ballot-status alert alert-light border py-2",
                 role="status", **{"aria-live": "polite", "aria-atomic": "true"}),
        dbc.Checklist(id="ballot-approve", options=approve_options, value=approve_value,
                      className="ballot-option mb-3", inputClassName="me-2",
                      style={} if key == "approved" else {"display": "none"}),
        html.Div(points_rows, id="ballot-points-list"),
        dcc.Store(id="ballot-points-store", data=dict(prior or {}) if key == "points" else {}),
        dcc.Store(id="ballot-ranking", data=ranking),
        html.Div([
            html.H2(_("Your ranking"), className="h6"),
            html.Ol(id="ballot-ranked", className="list-group list-group-numbered ballot-ranked mb-3"),
            html.H2(_("Projects not ranked"), className="h6"),
            html.Ul(id="ballot-unranked", className="list-group ballot-unranked mb-3"),
        ], style={} if ordinal else {"display": "none"}),
    ])


def _recorded(cycle, choices, titles) -> html.Ul:
    key = choice_key(cycle.ballot_type)
    value = choices.get(key) or ([] if key != "points" else {})
    if key == "points":
        items = [f"{titles.get(pid, pid)}: {n}" for pid, n in value.items()]
    elif key == "ranking":
        items = [f"{i}. {titles.get(pid, pid)}" for i, pid in enumerate(value, start=1)]
    else:
        items = [titles.get(pid, pid) for pid in value]
    return html.Ul([html.Li(x) for x in items] or [html.Li(_("(an empty ballot)"))], id="ballot-recorded")


def layout(cycle_id=None, **_query):
    session = get_session()
    try:
        cycle = get_cycle(session, cycle_id, user())
    except NotFound as exc:
        return not_found(exc.message)
    header = cycle_header(cycle, _("Your ballot"))
    if not phases.allows(cycle, "vote"):
        return html.Div([header, dbc.Alert(_("Voting is not open in this phase."), color="warning",
                                           id="ballot-closed")])
    voter = current_voter(session, cycle.id)
    if voter is None:
        return html.Div([header, dbc.Alert([
            html.P(_("To vote, log in with your account, or use the voting code from your letter.")),
            dbc.Button(_("Log in"), href=f"/login?next=/vote/{cycle.id}", color="primary", className="me-2",
                       external_link=True),
            dbc.Button(_("I have a voting code"), href="/vote-code", color="secondary", outline=True),
        ], color="info", id="ballot-login")])
    if voter.code_id is None:
        try:
            eligibility.check(cycle, user())
        except NotAllowed as exc:
            return html.Div([header, dbc.Alert(exc.message, color="warning", id="ballot-not-eligible")])
    proposals = ballot_proposals(session, cycle.id)
    definition = ballot_definition(session, cycle)
    previous = live_ballot(session, cycle.id, voter.key)
    translated = titles_in(session, proposals, current_language())
    notice = None
    if previous is not None:
        notice = dbc.Alert([
            html.P(_("You voted on {date}. Your receipt code: {code}.").format(
                date=date_time(previous.created_at), code=previous.receipt_code), className="mb-1"),
            html.P(_("You may change your ballot until voting closes; the new one replaces the old."),
                   className="mb-0"),
        ], color="info", id="ballot-previous")
    elif voter.code_id is not None:
        notice = dbc.Alert(_("You are voting with a voting code. It can be used for one ballot only."),
                           color="info", id="ballot-code-notice")
    return html.Div([
        header,
        dcc.Store(id="ballot-cycle", data=cycle.id),
        dcc.Store(id="ballot-meta", data=_meta(cycle, definition, proposals, translated)),
        notice,
        html.Div(id="ballot-result", role="status", **{"aria-live": "polite"}),
        html.Div([
            _ballot(cycle, proposals, previous.choices if previous is not None else None, translated),
            dbc.Button(_("Change my ballot") if previous is not None else _("Cast my ballot"), id="ballot-submit",
                       color="success", size="lg", className="mt-2"),
        ], id="ballot-form"),
    ])


clientside_callback(
    ClientsideFunction("ballot", "approval"),
    Output("ballot-approve", "options"),
    Output("ballot-status", "children"),
    Input("ballot-approve", "value"),
    State("ballot-approve", "options"),
    State("ballot-meta", "data"),
)
clientside_callback(
    ClientsideFunction("ballot", "points"),
    Output("ballot-status", "children", allow_duplicate=True),
    Output("ballot-points-store", "data"),
    Input({"type": "ballot-points", "index": ALL}, "value"),
    State({"type": "ballot-points", "index": ALL}, "id"),
    State("ballot-meta", "data"),
    prevent_initial_call="initial_duplicate",
)
clientside_callback(
    ClientsideFunction("ballot", "rankAction"),
    Output("ballot-ranking", "data"),
    Output("ballot-status", "children", allow_duplicate=True),
    Input({"type": "rank-add", "index": ALL}, "n_clicks"),
    Input({"type": "rank-up", "index": ALL}, "n_clicks"),
    Input({"type": "rank-down", "index": ALL}, "n_clicks"),
    Input({"type": "rank-remove", "index": ALL}, "n_clicks"),
    State("ballot-ranking", "data"),
    State("ballot-meta", "data"),
    prevent_initial_call=True,
)
clientside_callback(
    ClientsideFunction("ballot", "rankRender"),
    Output("ballot-ranked", "children"),
    Output("ballot-unranked", "children"),
    Input("ballot-ranking", "data"),
    State("ballot-meta", "data"),
)


@callback(
    Output("ballot-result", "children"),
    Output("ballot-form", "style"),
    Output("ballot-submit", "children"),
    Input("ballot-submit", "n_clicks"),
    State("ballot-cycle", "data"),
    State("ballot-approve", "value"),
    State("ballot-points-store", "data"),
    State("ballot-ranking", "data"),
    prevent_initial_call=True,
    access="public",  # the holder of a voting code has no account; cast_ballot decides who may vote
)
def submit_ballot(clicks, cycle_id, approved, points, ranking):
    if not clicks:
        raise PreventUpdate
    session = get_session()
    try:
        try:
            cycle_id = int(cycle_id)
        except (TypeError, ValueError):
            raise NotFound(_("There is no such cycle.")) from None
        voter = current_voter(session, cycle_id)
        if voter is None:
            raise NotAllowed(_("Please log in, or use a voting code."))
        throttle("ballot", f"{cycle_id}:{voter.key}")  # per voter, so a crowd behind one address is not slowed
        raw = {"approved": approved, "points": points, "ranking": ranking}
        receipt = cast_ballot(session, cycle_id, voter, raw)  # checks the cycle, its phase and the ballot
    except ParticipationError as exc:
        return error_alert(exc, "ballot-error"), {}, no_update
    if voter.code_id is not None:
        forget_code()
    cycle = receipt.cycle or get_cycle(session, cycle_id, user())  # as cast_ballot read it: no query
    titles = localised_titles(session, project_titles(session, cycle), current_language())
    return dbc.Alert([
        html.H2(_("Your ballot is recorded"), className="h4"),
        html.P([_("Your receipt code:"), " ", html.Strong(receipt.receipt_code, className="receipt-code",
                                                         id="ballot-receipt-code")]),
        html.P(_("This is what was recorded:"), className="mb-1"),
        _recorded(cycle, receipt.choices, titles),
        html.P(_("Keep the receipt code. Once the results are published you can check on the results page that "
                 "your ballot is in the published ballot file. The code does not say who you are."),
               className="small mb-0"),
        html.P(_("You may still change your ballot until voting closes.") if voter.code_id is None else "",
               className="small mb-0"),
    ], color="success", id="ballot-receipt"), ({} if voter.code_id is None else {"display": "none"}), \
        _("Change my ballot")


register_page(__name__, path="/vote/<cycle_id>", path_template="/vote/<cycle_id>", layout=layout,
              title=_l("Vote"), name="Vote")
