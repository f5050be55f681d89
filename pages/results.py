"""The published results of a cycle: funded projects, each rule's word on each project, money per district
and category, turnout, the anonymised ballot file with its SHA-256, and a receipt check."""

import dash_bootstrap_components as dbc
from dash import Input, Output, State, dcc, html
from dash.exceptions import PreventUpdate

from portal.db import get_session
from portal.embeds.component import ShareEmbed, named_graph
from portal.embeds.kinds import build
from portal.feedback import delivery
from portal.i18n import _, _l, current_language, date_time, money, number, percent
from portal.participation import phases
from portal.participation.components import (
    cycle_header,
    error_alert,
    not_found,
    ok_alert,
    progress,
    proposal_link,
    simple_table,
)
from portal.participation.cycles import get_cycle, is_officer
from portal.participation.engine import completions_menu, rules_menu
from portal.participation.errors import NotFound, ParticipationError
from portal.participation.results import check_receipt, results_view
from portal.participation.translations import localised_titles, titles_in
from portal.plotly_locale import graph_config
from portal.security import callback, register_page
from portal.web import user


def _yes(value: bool) -> str:
    return "✓" if value else "–"


def layout(cycle_id=None, **_query):
    session = get_session()
    try:
        cycle = get_cycle(session, cycle_id, user())
    except NotFound as exc:
        return not_found(exc.message)
    view = results_view(session, cycle)
    if view is None:
        officer_link = (html.A(_("Count and publish"), href=f"/officer/count/{cycle.id}")
                        if is_officer(user()) and phases.allows(cycle, "count") else None)
        return html.Div([cycle_header(cycle, _("Results")),
                         dbc.Alert([_("The results are not published yet."), " ", officer_link], color="info",
                                   id="results-unpublished")])
    result, currency = view.result, cycle.currency
    rule = rules_menu().get(result.rule, result.rule)
    if result.completion:
        rule += " · " + completions_menu().get(result.completion, result.completion)
    funded = view.projects[view.projects["funded"]]
    total_cost = int(funded["cost"].sum()) if not funded.empty else 0
    turnout = view.turnout
    by_channel = turnout.groupby("channel")["ballots"].sum().to_dict() if not turnout.empty else {}
    summary = [
        (_("Ballots counted"), number(result.ballot_count)),
        (_("By channel"), ", ".join(f"{k}: {number(v)}" for k, v in by_channel.items()) or "–"),
        (_("Projects funded"), number(len(funded))),
        (_("Money allocated"), f"{money(total_cost, currency)} ({percent(total_cost / cycle.total_budget)} "
                               + _("of {budget}").format(budget=money(cycle.total_budget, currency)) + ")"),
        (_("Counting rule"), rule),
        (_("Published"), date_time(result.published_at)),
    ]
    names = _names(session, view.projects)
    funded_rows = [[names(r.id, r.title), r.district, r.category, money(r.cost, currency), number(r.votes or 0)]
                   for r in funded.itertuples()]
    all_rows = [[html.Div([html.Strong(names(r["id"], r["title"])),
                           html.Div(r["explanation"], className="small text-muted"),
                           html.Details([html.Summary(_("What each rule says"), className="small"),
                                         html.Ul([html.Li([html.Strong(name + ": "), sentence])
                                                  for name, sentence in (r["by_rule"] or {}).items() if sentence],
                                                 className="small mb-0")]) if r["by_rule"] else None],
                          style={"minWidth": "18rem"}),
                 money(r["cost"], currency), number(r["votes"] or 0), _yes(r["funded"]),
                 *[_yes(bool(r[name])) for name in view.rules]]
                for _i, r in view.projects.iterrows()]
    charts = []
    wanted = [("results-district", "results-by-district", not view.by_district.empty),
              ("results-category", "results-by-category",
               not view.by_category.empty and view.by_category["category"].astype(bool).any()),
              ("results-turnout", "results-turnout", not turnout.empty)]
    for kind, graph_id, shown in wanted:
        if shown:
            charts.append(_chart(kind, graph_id, cycle.id))
    return html.Div([
        cycle_header(cycle, _("Results")),
        dcc.Store(id="results-cycle", data=cycle.id),
        dbc.Card(dbc.CardBody(html.Dl([x for t, v in summary for x in (html.Dt(t, className="col-sm-3"),
                                                                       html.Dd(v, className="col-sm-9"))],
                                      className="row mb-0", id="results-summary")), className="mb-3"),
        html.H2(_("Funded projects"), className="h4"),
        simple_table([_("Project"), _("District"), _("Category"), _("Cost"), _("Votes")], funded_rows,
                     "results-funded"),
        dbc.Row([dbc.Col(c, lg=6) for c in charts], className="mb-3"),
        _delivery_section(session, cycle),
        html.H2(_("Priorities against spending"), className="h4 mt-3"),
        html.P([_("The share of the votes and of the funded money per category, set against the share of the "
                  "city's spending in the area each category is mapped to. "),
                dcc.Link(_("All years"), href=f"/priorities?year={cycle.year}")], className="small"),
        _chart("priorities", "results-priorities", cycle.id, {"year": cycle.year}),
        html.H2(_("Every project, and what each rule would have funded"), className="h4"),
        html.P(_("The explanation is the counting engine's, for the rule the city chose. The columns on the right "
                 "show which projects other rules would have funded with the same ballots."), className="small"),
        simple_table([_("Project, and why"), _("Cost"), _("Votes"), _("Funded"), *view.rules], all_rows,
                     "results-projects"),
        html.H2(_("Check and recount"), className="h4 mt-4"),
        html.P([_("The anonymised ballots, in the Pabulib format: "),
                html.A(_("download the ballot file"), href=f"/cycles/{cycle.id}/ballots.pb", id="results-file",
                       **{"download": ""})]),
        html.P([_("SHA-256 of the file:"), " ", html.Code(result.ballot_file_sha256, className="hash",
                                                         id="results-sha256")]),
        html.P(_("Recount it with the portal's counting engine (or pabutools):"), className="mb-1"),
        html.Pre(html.Code(view.recount_command, id="results-recount"), className="bg-light p-2"),
        dbc.Card(dbc.CardBody([
            html.H3(_("Is my ballot in the file?"), className="h5"),
            dbc.Label(_("Receipt code"), html_for="receipt-input"),
            dbc.Input(id="receipt-input", maxLength=40, autoComplete="off", className="mb-2"),
            dbc.Button(_("Check"), id="receipt-submit", color="secondary"),
            html.Div(id="receipt-msg", role="status", className="mt-2"),
        ]), className="mb-3"),
    ])


def _names(session, projects):
    """Project id, original title -> the title in the reader's language where the city translated it (a link to
    the proposal, whose page shows the original), else the original as it was counted."""
    language = current_language()
    originals = {str(pid): title for pid, title in zip(projects["id"], projects["title"], strict=True)}
    translated = localised_titles(session, originals, language)

    def name(pid, title):
        pid = str(pid)
        if translated.get(pid, title) == title:
            return title
        return html.A(translated[pid], href=f"/proposal/{pid}", lang=language, className="translated",
                      title=_("Translated by the city. Original: {title}").format(title=title))

    return name


def _chart(kind: str, graph_id: str, cycle_id: int, args: dict | None = None) -> html.Div:
    """A chart of the results from the chart registry (the same figure its embed and exports show)."""
    chart = build(kind, args or {"cycle": cycle_id})
    return html.Div([
        named_graph(dcc.Graph(id=graph_id, figure=chart.figure, config=graph_config(responsive=True)),
                    kind, graph_id),
        ShareEmbed(kind, chart.query, aio_id=graph_id, summary=chart.summary),
    ])


def progress_bar(value: int, status: str, title: str):
    colour = {"completed": "success", "delayed": "warning", "cancelled": "danger"}.get(status, "primary")
    return progress(value, _("Progress of {title}").format(title=title), colour, minWidth="6rem")


def _delivery_section(session, cycle) -> html.Div:
    rows = delivery.deliveries(session, cycle)
    if not rows:
        return html.Div(id="delivery")
    currency = cycle.currency
    translated = titles_in(session, [r.proposal for r in rows], current_language())
    table = [[proposal_link(r.proposal, translated), delivery.status_label(r.delivery.status),
              progress_bar(int(r.delivery.progress), str(r.delivery.status),
                           translated.get(r.proposal.id, r.proposal.title)),
              money(r.delivery.funded_amount, currency), money(r.delivery.spent or 0, currency),
              money(r.actual, currency) if r.actual is not None else "–"] for r in rows]
    officer = (html.A(_("Update the delivery"), href=f"/officer/delivery/{cycle.id}", className="btn btn-outline-"
                      "secondary btn-sm", id="delivery-officer-link") if is_officer(user()) else None)
    return html.Div([
        html.H2([_("Delivery of the funded projects"), " ", officer], className="h4 mt-3"),
        html.P(_("Officers report how each project is getting on; \"city accounts\" is what the city's executed "
                 "budget says was spent on it, once imported."), className="small"),
        simple_table([_("Project"), _("Status"), _("Progress"), _("Funded"), _("Spent (reported)"),
                      _("Spent (city accounts)")], table, "delivery-table"),
        _chart("delivery", "results-delivery", cycle.id),
    ], id="delivery")


@callback(
    Output("receipt-msg", "children"),
    Input("receipt-submit", "n_clicks"),
    State("receipt-input", "value"),
    State("results-cycle", "data"),
    prevent_initial_call=True,
    access="public",
)
def verify_receipt(clicks, receipt, cycle_id):
    if not clicks:
        raise PreventUpdate
    session = get_session()
    try:
        cycle = get_cycle(session, cycle_id, user())
        found = check_receipt(session, cycle, receipt or "")
    except ParticipationError as exc:
        return error_alert(exc, "receipt-error")
    if not found.found:
        return dbc.Alert(_("No ballot with this receipt code is in the published file."), color="warning",
                         id="receipt-missing")
    return ok_alert([_("Your ballot is in the file, as voter {id}, with the vote: {vote}.").format(
        id=found.voter_id, vote=found.vote or _("(empty)"))], "receipt-found")


register_page(__name__, path="/results/<cycle_id>", path_template="/results/<cycle_id>", layout=layout,
              title=_l("Results"), name="Results")
