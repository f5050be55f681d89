"""Officers try every rule in a practice run, count the stored ballots, review the result and publish it."""


import dash_bootstrap_components as dbc
import pandas as pd
from dash import Input, Output, State, dcc, html, no_update
from dash.exceptions import PreventUpdate

from portal.charts.results import rules_compared
from portal.db import get_session
from portal.i18n import _, _l, date_time, money, number, percent
from portal.participation import counting, phases
from portal.participation.components import error_alert, not_found, officer_nav, ok_alert, simple_table
from portal.participation.cycles import get_cycle, proposal_titles
from portal.participation.errors import InvalidInput, NotFound, ParticipationError
from portal.participation.results import explanation_sentence, pool_label
from portal.participation.web import upload_bytes
from portal.plotly_locale import graph_config
from portal.security import callback, register_page
from portal.web import user


def _share(value):
    return percent(value) if value is not None else "–"


def _practice_view(practice, currency):
    rows, frame = [], []
    for run in practice.runs:
        m = run.metrics
        rows.append([run.name, number(m["projects_funded"]), money(m["budget_used"], currency),
                     _share(m["budget_used_share"]), _share(m.get("voters_with_funded_project_share")),
                     money(m["satisfaction_mean"], currency) if m.get("satisfaction_mean") is not None else "–",
                     f"{m['satisfaction_gini']:.3f}" if m.get("satisfaction_gini") is not None else "–"])
        frame.append({"rule": run.name, "budget_used_share": m["budget_used_share"],
                      "voters_share": m.get("voters_with_funded_project_share")})
    funded_by = {run.name: set(run.selected) for run in practice.runs}
    projects = sorted(practice.projects.values(), key=lambda p: (-sum(p.id in s for s in funded_by.values()), p.id))
    matrix = [[p.name or p.id, money(p.cost, currency), *["✓" if p.id in funded_by[r.name] else "" for r in
                                                          practice.runs]] for p in projects]
    return html.Div([
        html.P(_("Source: {source}; {voters} ballots, {projects} projects, budget {budget}.").format(
            source=practice.source, voters=number(practice.voters), projects=number(len(practice.projects)),
            budget=money(practice.budget, currency)), id="practice-source"),
        simple_table([_("Rule"), _("Funded"), _("Spent"), _("Budget used"), _("Voters with a funded project"),
                      _("Mean satisfaction"), _("Gini")], rows, "practice-table"),
        html.Div(dcc.Graph(figure=rules_compared(pd.DataFrame(frame), title=_("Rules side by side"),
                                                 share_label=_("Budget used"),
                                                 voters_label=_("Voters with a funded project")),
                           config=graph_config(responsive=True), id="practice-chart"),
                 role="figure", **{"aria-label": _("Rules side by side"), "aria-describedby": "practice-table"}),
        html.Details([html.Summary(_("Which projects each rule funds")),
                      simple_table([_("Project"), _("Cost"), *[r.name for r in practice.runs]], matrix,
                                   "practice-matrix")]),
        html.P([_("Not applicable: ") + "; ".join(f"{k} ({v})" for k, v in practice.errors.items())],
               className="small text-muted") if practice.errors else None,
    ])


def _result_view(session, cycle, result):
    if result is None:
        return html.P(_("No count yet."), id="count-none")
    titles = proposal_titles(session, cycle.id)
    funded = [[titles.get(pid, pid), money(info["cost"], cycle.currency), number(info.get("votes") or 0),
               pool_label(cycle, info.get("pool")) if info.get("pool") else ""]
              for pid, info in ((pid, result.funded.get(pid, {})) for pid in result.selected)]
    others = [[titles.get(pid, pid), explanation_sentence(exp, cycle.currency)]
              for pid, exp in result.explanation.items() if not exp.get("funded")]
    status = (_("Published on {date}.").format(date=date_time(result.published_at))
              if result.published_at else _("Not published yet: review it, then publish."))
    return html.Div([
        html.P([_("Counted {date} with {rule}: {n} ballots.").format(
            date=date_time(result.computed_at), rule=result.rule
            + (f" + {result.completion}" if result.completion else ""), n=number(result.ballot_count)), " ", status],
            id="count-status"),
        simple_table([_("Funded project"), _("Cost"), _("Votes"), _("Pool")], funded, "count-funded"),
        html.P(_("Spent: {spent} of {budget}.").format(
            spent=money(result.metrics.get("total_cost", 0), cycle.currency),
            budget=money(cycle.total_budget, cycle.currency))),
        html.Details([html.Summary(_("Projects not funded, and why")),
                      simple_table([_("Project"), _("Why")], others, "count-others")]),
        html.P([_("SHA-256 of the anonymised ballot file:"), " ",
                html.Code(result.ballot_file_sha256, className="hash")]),
    ])


def layout(cycle_id=None, **_query):
    session = get_session()
    me = user()
    try:
        cycle = get_cycle(session, cycle_id, me)
    except NotFound as exc:
        return not_found(exc.message)
    counts_visible = phases.allows(cycle, "see_counts_officer")
    result = counting.latest_result(session, cycle, me) if counts_visible else None
    sources = [{"label": _("Last year's published ballots"), "value": "previous"},
               {"label": _("An uploaded .pb file"), "value": "upload"}]
    if counts_visible:
        sources.append({"label": _("This cycle's ballots"), "value": "this"})
    return html.Div([
        html.H1(cycle.title, className="h2"),
        officer_nav(cycle.id, "count"),
        dcc.Store(id="count-cycle", data=cycle.id),
        dcc.Store(id="count-result", data=result.id if result is not None and not result.published_at else None),
        dbc.Card(dbc.CardBody([
            html.H2(_("Practice run"), className="h5"),
            html.P(_("Count ballots with every rule and compare the outcomes before choosing or confirming this "
                     "cycle's rule. Nothing is stored."), className="small"),
            dbc.Row([
                dbc.Col([dbc.Label(_("Ballots"), html_for="practice-source-select"),
                         dbc.Select(id="practice-source-select", options=sources, value="previous")], md=4),
                dbc.Col(dcc.Upload(id="practice-upload", children=html.Div(_("Drop a .pb file here (for an uploaded "
                                                                               "file)")),
                                   className="border rounded p-2 text-center small", max_size=64 * 1024 * 1024,
                                   accept=".pb,.gz"),
                        md=5),
                dbc.Col(dbc.Button(_("Run"), id="practice-run", color="secondary", className="mt-4"), md=3),
            ], className="g-2"),
            dcc.Loading(html.Div(id="practice-out", className="mt-3")),
        ]), className="mb-4"),
        dbc.Card(dbc.CardBody([
            html.H2(_("Count and publish"), className="h5"),
            html.P(_("Voting is open: nobody sees any count until it closes.") if cycle.phase == "voting" else
                   _("Counting is possible once voting has closed (counting phase).")
                   if not phases.allows(cycle, "count") else
                   _("The count uses the stored ballots (online, paper and booth) and the cycle's rule."),
                   className="small", id="count-note"),
            dbc.Button(_("Count now"), id="count-run", color="primary", className="me-2",
                       disabled=not phases.allows(cycle, "count")),
            dbc.Button(_("Publish this result"), id="count-publish", color="success",
                       disabled=not (phases.allows(cycle, "publish") and result is not None
                                     and not result.published_at)),
            dbc.Progress(id="count-progress", value=0, label="", striped=True, animated=True, className="mt-2",
                         style={"display": "none"}),
            html.Div(id="count-msg", role="status", className="mt-2"),
            dcc.Loading(html.Div(_result_view(session, cycle, result) if counts_visible else None,
                                 id="count-out", className="mt-3")),
        ])),
    ])


@callback(
    Output("practice-out", "children"),
    Input("practice-run", "n_clicks"),
    State("count-cycle", "data"),
    State("practice-source-select", "value"),
    State("practice-upload", "contents"),
    State("practice-upload", "filename"),
    prevent_initial_call=True,
    access="officer",
)
def run_practice(clicks, cycle_id, source, contents, filename):
    if not clicks:
        raise PreventUpdate
    session = get_session()
    me = user()
    try:
        cycle = get_cycle(session, cycle_id, me)
        chosen = (cycle.rule, cycle.completion if cycle.rule == "mes" else None)
        if source == "this":
            practice = counting.practice_this_cycle(session, cycle, me)
        elif source == "upload":
            if not contents:
                raise InvalidInput(_("Choose a .pb file first."))
            data = upload_bytes(contents)
            practice = counting.practice_upload(me, data, filename or "", chosen)
        else:
            practice = counting.practice_previous(session, cycle, me)
    except ParticipationError as exc:
        return error_alert(exc, "practice-error")
    return _practice_view(practice, cycle.currency)


@callback(
    Output("count-msg", "children"),
    Output("count-out", "children"),
    Output("count-result", "data"),
    Output("count-publish", "disabled"),
    Input("count-run", "n_clicks"),
    State("count-cycle", "data"),
    prevent_initial_call=True,
    access="officer",
    background=True,  # a large cycle takes a while: counted in a background job, with a progress bar
    progress=[Output("count-progress", "value"), Output("count-progress", "label")],
    running=[(Output("count-run", "disabled"), True, False),
             (Output("count-progress", "style"), {"display": "flex"}, {"display": "none"})],
)
def run_count(set_progress, clicks, cycle_id):
    if not clicks:
        raise PreventUpdate
    session = get_session()
    try:
        cycle = get_cycle(session, cycle_id, user())
        result = counting.count_cycle(session, cycle, user(),
                                      progress=lambda percent, stage: set_progress((percent, stage)))
    except ParticipationError as exc:
        return error_alert(exc, "count-error"), no_update, no_update, no_update
    session.commit()
    return ok_alert(_("Counted. Review the result, then publish it."), "count-ok"), \
        _result_view(session, cycle, result), result.id, False


@callback(
    Output("count-msg", "children", allow_duplicate=True),
    Output("count-publish", "disabled", allow_duplicate=True),
    Input("count-publish", "n_clicks"),
    State("count-cycle", "data"),
    State("count-result", "data"),
    prevent_initial_call=True,
    access="officer",
)
def publish(clicks, cycle_id, result_id):
    if not clicks:
        raise PreventUpdate
    session = get_session()
    try:
        cycle = get_cycle(session, cycle_id, user(), for_update=True)
        counting.publish_result(session, cycle, result_id, user())
    except ParticipationError as exc:
        return error_alert(exc, "publish-error"), no_update
    session.commit()
    return ok_alert([_("Published."), " ", html.A(_("See the results page"), href=f"/results/{cycle.id}",
                                                   id="publish-link")], "publish-ok"), True


register_page(__name__, path="/officer/count/<cycle_id>", path_template="/officer/count/<cycle_id>",
              access="officer", layout=layout, title=_l("Count and publish"), name="Count and publish")
