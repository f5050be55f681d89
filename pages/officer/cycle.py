"""Officers configure a cycle (new or existing) and change its phase explicitly (logged)."""

import dash_bootstrap_components as dbc
from dash import Input, Output, State, dcc, html, no_update
from dash.exceptions import PreventUpdate

from portal.db import get_session
from portal.i18n import _, _l, date_time
from portal.models import BallotType
from portal.participation import phases
from portal.participation.components import error_alert, not_found, officer_nav, ok_alert, phase_badge, simple_table
from portal.participation.cycles import (
    DATED_PHASES,
    create_cycle,
    form_values,
    get_cycle,
    update_cycle,
)
from portal.participation.engine import completions_menu, rules_menu
from portal.participation.errors import NotFound, ParticipationError
from portal.security import callback, register_page
from portal.web import city, user

FIELDS = ["year", "title", "description", "total_budget", "currency", "ballot_type", "min_projects",
          "max_projects", "total_points", "max_points_per_project", "min_spend_share", "rule", "completion",
          "eligibility", "min_age", "categories", "districts", "shortlist_enabled", "shortlist_mode", "shortlist_n",
          "shortlist_threshold", "shortlist_group_by", "category_areas", "budget_statement"]
DATE_FIELDS = [f"{p.value}_{end}" for p in DATED_PHASES for end in ("start", "end")]


def _input(name, label, values, *, kind="text", help_text=None, md=6, **extra):
    component_id = f"cf-{name}"
    value = values.get(name)
    if kind == "textarea":
        control = dbc.Textarea(id=component_id, value=value or "", **extra)
    elif kind == "select":
        control = dbc.Select(id=component_id, value=value, **extra)
    elif kind == "check":
        return dbc.Col(dbc.Checkbox(id=component_id, value=bool(value), label=label, className="mt-4"), md=md)
    else:
        control = dbc.Input(id=component_id, type=kind, value=value, **extra)
    return dbc.Col(html.Div([dbc.Label(label, html_for=component_id), control,
                             dbc.FormText(help_text) if help_text else None], className="mb-3"), md=md)


def _areas_help(areas):
    """The functional areas of the city's newest budget, to map categories to (collapsed)."""
    if not areas:
        return html.P(_("No budget is imported yet: categories without an area go to a box of their own."),
                      className="small text-muted")
    return html.Details([
        html.Summary(_("Functional areas of the city's budget ({n})").format(n=len(areas)), className="small"),
        html.Ul([html.Li([html.Code(path), " ", name]) for path, name in areas], className="small mb-0",
                style={"maxHeight": "14rem", "overflowY": "auto"}),
    ], id="cf-areas-list")


def _form(values, areas=None):
    ballot_types = [
        (BallotType.APPROVAL, _("Approval (any number of projects)")),
        (BallotType.K_APPROVAL, _("k-approval (up to k projects)")),
        (BallotType.KNAPSACK, _("Knapsack (within the budget)")),
        (BallotType.CUMULATIVE, _("Cumulative points")),
        (BallotType.ORDINAL, _("Ranking")),
    ]
    rules = rules_menu()
    completions = completions_menu()
    dates = []
    for phase in DATED_PHASES:
        dates.append(dbc.Row([
            dbc.Col(html.Span(phases.label(phase), className="fw-semibold"), md=2, className="pt-2"),
            _input(f"{phase.value}_start", _("From"), values, kind="date", md=5),
            _input(f"{phase.value}_end", _("To"), values, kind="date", md=5),
        ], className="g-2"))
    return html.Div([
        html.H2(_("The cycle"), className="h5"),
        dbc.Row([
            _input("year", _("Year"), values, kind="number", md=2, min=2000, max=2100),
            _input("title", _("Title"), values, md=7, maxLength=200),
            _input("currency", _("Currency"), values, md=3, maxLength=3),
        ], className="g-2"),
        dbc.Row([_input("description", _("Description"), values, kind="textarea", md=12, rows=3)]),
        html.H2(_("Budget, priorities and districts"), className="h5 mt-2"),
        dbc.Row([
            _input("total_budget", _("Total budget"), values, kind="number", md=4, min=1, step=1),
        ], className="g-2"),
        dbc.Row([
            _input("categories", _("Categories (one a line: code; name; earmarked amount)"), values,
                   kind="textarea", md=6, rows=6, help_text=_("e.g. green; Green spaces; 200000")),
            _input("districts", _("Districts (one a line: code; name; own budget, 0 for none)"), values,
                   kind="textarea", md=6, rows=6,
                   help_text=_("With district budgets, each district's projects are counted within its own "
                               "budget; projects without a district share the rest.")),
        ], className="g-2"),
        html.H2(_("Where funded projects enter the budget"), className="h5 mt-2"),
        html.P(_("Each funded project becomes a line of the following year's budget. Say which functional area of "
                 "the city's budget each category belongs to; a category without one is shown in a box of its own "
                 "named after the participatory budget. This can change in every phase."), className="small"),
        dbc.Row([
            _input("category_areas", _("Functional areas (one a line: category code; area code path)"), values,
                   kind="textarea", md=6, rows=5, help_text=_("e.g. green; 13/1301")),
            dbc.Col([
                _input("budget_statement", _("Funded projects enter the budget as"), values, kind="select", md=12,
                       options=[{"label": _("Investment"), "value": "capital"},
                                {"label": _("Operating spending"), "value": "operating"}]),
                _areas_help(areas),
            ], md=6),
        ], className="g-2"),
        html.H2(_("Ballot"), className="h5 mt-2"),
        dbc.Row([
            _input("ballot_type", _("Ballot type"), values, kind="select", md=4,
                   options=[{"label": label, "value": t.value} for t, label in ballot_types]),
            _input("min_projects", _("Minimum number of projects"), values, kind="number", md=2, min=0),
            _input("max_projects", _("Maximum number (k)"), values, kind="number", md=2, min=1),
            _input("min_spend_share", _("Minimum share of the budget (%)"), values, kind="number", md=4, min=0,
                   max=100, help_text=_("Knapsack only.")),
        ], className="g-2"),
        dbc.Row([
            _input("total_points", _("Points per voter (cumulative)"), values, kind="number", md=4, min=1),
            _input("max_points_per_project", _("Most points for one project"), values, kind="number", md=4,
                   min=1),
        ], className="g-2"),
        dbc.Row([
            _input("shortlist_enabled", _("Shortlist the ballot by supports"), values, kind="check", md=3),
            _input("shortlist_mode", _("Shortlist by"), values, kind="select", md=3, options=[
                {"label": _("top N per group"), "value": "top"},
                {"label": _("supports threshold"), "value": "threshold"}]),
            _input("shortlist_n", _("N"), values, kind="number", md=2, min=1),
            _input("shortlist_threshold", _("Threshold"), values, kind="number", md=2, min=0),
            _input("shortlist_group_by", _("Groups"), values, kind="select", md=2, options=[
                {"label": _("none"), "value": "none"}, {"label": _("district"), "value": "district"},
                {"label": _("category"), "value": "category"},
                {"label": _("district and category"), "value": "district_category"}]),
        ], className="g-2"),
        html.H2(_("Counting and who may vote"), className="h5 mt-2"),
        dbc.Row([
            _input("rule", _("Counting rule"), values, kind="select", md=4,
                   options=[{"label": f"{k}: {v}", "value": k} for k, v in rules.items()]),
            _input("completion", _("Completion (equal shares)"), values, kind="select", md=4,
                   options=[{"label": f"{k}: {v}", "value": k} for k, v in completions.items()]),
            _input("eligibility", _("Who may vote"), values, kind="select", md=2, options=[
                {"label": _("registered accounts"), "value": "registered"},
                {"label": _("verified residents"), "value": "verified"}]),
            _input("min_age", _("Minimum age"), values, kind="number", md=2, min=0, max=120),
        ], className="g-2"),
        html.H2(_("Phases and dates"), className="h5 mt-2"),
        *dates,
        dbc.Button(_("Save"), id="cf-save", color="primary", className="mt-2"),
        html.Div(id="cf-msg", role="status", className="mt-2"),
    ])


def _phase_panel(session, cycle):
    options = [{"label": phases.label(p), "value": p.value} for p in phases.next_phases(cycle)]
    history = [[date_time(e.at), e.actor_email or "",
                phases.label((e.before or {}).get("phase", "draft")), phases.label((e.after or {}).get("phase")),
                (e.after or {}).get("note", "")] for e in phases.history(session, cycle.id)]
    return dbc.Card(dbc.CardBody([
        html.H2([_("Phase"), phase_badge(cycle.phase, "cf-phase")], className="h5"),
        html.P(_("Phases change only when an officer changes them here; each change is logged. Publishing a "
                 "result opens the results phase."), className="small"),
        dbc.Row([
            dbc.Col([dbc.Label(_("Next phase"), html_for="phase-target"),
                     dbc.Select(id="phase-target", options=options,
                                value=options[0]["value"] if options else None)], md=4),
            dbc.Col([dbc.Label(_("Note (optional)"), html_for="phase-note"),
                     dbc.Input(id="phase-note", maxLength=200)], md=5),
            dbc.Col(dbc.Button(_("Change phase"), id="phase-submit", color="warning", className="mt-4",
                               disabled=not options), md=3),
        ], className="g-2"),
        html.Div(id="phase-msg", role="status", className="mt-2"),
        simple_table([_("When"), _("Who"), _("From"), _("To"), _("Note")], history, "phase-history")
        if history else None,
    ]), className="mb-4")


def layout(cycle_id=None, **_query):
    session = get_session()
    cycle = None
    if cycle_id != "new":
        try:
            cycle = get_cycle(session, cycle_id, user())
        except NotFound as exc:
            return not_found(exc.message)
    from portal.feedback.budget_lines import functional_areas

    values = form_values(cycle)
    areas = functional_areas(session, city().slug)
    if cycle is None:
        values["currency"] = city().currency
        values["districts"] = "\n".join(f"{code}; {name}; 0" for code, name in city().districts.items())
    return html.Div([
        html.H1(cycle.title if cycle else _("New cycle"), className="h2"),
        officer_nav(cycle.id, "settings") if cycle else None,
        dcc.Store(id="cf-cycle", data=cycle.id if cycle else "new"),
        dcc.Location(id="cf-go", refresh=True),
        _phase_panel(session, cycle) if cycle else None,
        _form(values, areas),
    ])


@callback(
    Output("cf-msg", "children"),
    Output("cf-go", "href"),
    Input("cf-save", "n_clicks"),
    State("cf-cycle", "data"),
    *[State(f"cf-{name}", "value") for name in FIELDS + DATE_FIELDS],
    prevent_initial_call=True,
    access="officer",
)
def save_cycle(clicks, cycle_id, *values):
    if not clicks:
        raise PreventUpdate
    data = dict(zip(FIELDS + DATE_FIELDS, values, strict=True))
    session = get_session()
    try:
        if cycle_id == "new":
            cycle = create_cycle(session, city().slug, user(), data)
        else:
            cycle = update_cycle(session, get_cycle(session, cycle_id, user()), user(), data)
    except ParticipationError as exc:
        return error_alert(exc, "cf-error"), no_update
    session.commit()
    if cycle_id == "new":
        return ok_alert(_("The cycle is created."), "cf-ok"), f"/officer/cycle/{cycle.id}"
    return ok_alert(_("Saved."), "cf-ok"), no_update


@callback(
    Output("phase-msg", "children"),
    Output("cf-go", "href", allow_duplicate=True),
    Input("phase-submit", "n_clicks"),
    State("cf-cycle", "data"),
    State("phase-target", "value"),
    State("phase-note", "value"),
    prevent_initial_call=True,
    access="officer",
)
def change_phase(clicks, cycle_id, target, note):
    if not clicks or cycle_id in (None, "new"):
        raise PreventUpdate
    session = get_session()
    try:
        cycle = get_cycle(session, cycle_id, user(), for_update=True)
        phases.change_phase(session, cycle, target, user(), (note or "")[:200])
    except ParticipationError as exc:
        return error_alert(exc, "phase-error"), no_update
    session.commit()
    return ok_alert(_("The cycle is now in its {phase} phase.").format(phase=phases.label(cycle.phase)),
                    "phase-ok"), f"/officer/cycle/{cycle.id}"


register_page(__name__, path="/officer/cycle/<cycle_id>", path_template="/officer/cycle/<cycle_id>",
              access="officer", layout=layout, title=_l("Cycle settings"), name="Cycle settings")
