"""One cycle: what it is about, what you can do in its current phase, its schedule, budget and rules."""

import dash_bootstrap_components as dbc
from dash import html

from portal.db import get_session
from portal.i18n import _, _l, date, date_time, money, percent
from portal.models import BallotType, CyclePhase
from portal.participation import phases
from portal.participation.components import cycle_header, definition_list, not_found, simple_table
from portal.participation.cycles import get_cycle, is_officer, shortlist_settings
from portal.participation.engine import completions_menu, rules_menu
from portal.participation.errors import NotFound
from portal.security import register_page
from portal.web import user


def ballot_type_text(cycle) -> str:
    kind = BallotType(cycle.ballot_type)
    return {
        BallotType.APPROVAL: _("Approval: choose every project you like."),
        BallotType.K_APPROVAL: _("Choose up to {k} projects.").format(k=cycle.max_projects),
        BallotType.KNAPSACK: _("Choose projects within the budget of {budget}.").format(
            budget=money(cycle.total_budget, cycle.currency)),
        BallotType.CUMULATIVE: _("Distribute {n} points among the projects.").format(n=cycle.total_points),
        BallotType.ORDINAL: _("Rank the projects, best first."),
    }[kind]


def _actions(cycle):
    phase = CyclePhase(cycle.phase)
    buttons = []
    if phase == CyclePhase.PROPOSALS:
        buttons.append(dbc.Button(_("Propose a project"), href=f"/propose/{cycle.id}", color="primary",
                                  className="me-2 mb-2", id="cycle-propose"))
    if phase != CyclePhase.DRAFT:
        buttons.append(dbc.Button(_("Browse the proposals"), href=f"/proposals/{cycle.id}", color="secondary",
                                  outline=True, className="me-2 mb-2", id="cycle-browse"))
    if phase == CyclePhase.VOTING:
        buttons += [dbc.Button(_("Vote"), href=f"/vote/{cycle.id}", color="success", className="me-2 mb-2",
                               id="cycle-vote"),
                    dbc.Button(_("I have a voting code"), href="/vote-code", color="success", outline=True,
                               className="me-2 mb-2")]
    if phases.allows(cycle, "see_results"):
        buttons.append(dbc.Button(_("See the results"), href=f"/results/{cycle.id}", color="dark",
                                  className="me-2 mb-2", id="cycle-results"))
    if is_officer(user()):
        buttons.append(dbc.Button(_("Officer console"), href=f"/officer/cycle/{cycle.id}", color="warning",
                                  outline=True, className="me-2 mb-2"))
    notes = {
        CyclePhase.PROPOSALS: _("Proposals are open: propose a project, support and discuss others."),
        CyclePhase.REVIEW: _("The city's officers review the proposals and their costs. You can still support "
                             "and discuss them."),
        CyclePhase.VOTING: _("Voting is open. You may change your ballot until voting closes."),
        CyclePhase.COUNTING: _("Voting has closed; the ballots are being counted."),
        CyclePhase.RESULTS: _("The results are published."),
        CyclePhase.CLOSED: _("This cycle is closed."),
        CyclePhase.DRAFT: _("This cycle is being prepared by the officers and is not public yet."),
    }
    return html.Div([html.P(notes[phase], className="mb-2", id="cycle-phase-note"), html.Div(buttons)],
                    className="mb-4")


def layout(cycle_id=None, **_query):
    session = get_session()
    try:
        cycle = get_cycle(session, cycle_id, user())
    except NotFound as exc:
        return not_found(exc.message)
    schedule = [[phases.label(d.phase), date(d.starts_on), date(d.ends_on),
                 _("now") if d.phase == cycle.phase else ""] for d in cycle.phase_dates]
    rules = rules_menu()
    rule = rules.get(cycle.rule, cycle.rule)
    if cycle.rule == "mes" and cycle.completion:
        rule += " · " + completions_menu().get(cycle.completion, cycle.completion)
    limits = []
    if cycle.min_projects:
        limits.append(_("at least {n} projects").format(n=cycle.min_projects))
    if cycle.max_projects and cycle.ballot_type != BallotType.K_APPROVAL:
        limits.append(_("at most {n} projects").format(n=cycle.max_projects))
    if cycle.min_spend_share:
        limits.append(_("projects worth at least {share} of the budget").format(
            share=percent(float(cycle.min_spend_share), 0)))
    who = _("verified residents") if cycle.eligibility == "verified" else _("everyone with an account")
    if cycle.min_age:
        who += " " + _("aged {n} or more").format(n=cycle.min_age)
    shortlist = shortlist_settings(cycle)
    history = [[date_time(e.at), phases.label((e.before or {}).get("phase", "draft")),
                phases.label((e.after or {}).get("phase", "draft"))] for e in phases.history(session, cycle.id)]
    return html.Div([
        cycle_header(cycle, str(cycle.year)),
        html.P(cycle.description, className="lead") if cycle.description else None,
        _actions(cycle),
        dbc.Row([
            dbc.Col(dbc.Card(dbc.CardBody([
                html.H2(_("How the vote works"), className="h5"),
                definition_list([
                    (_("Ballot"), ballot_type_text(cycle)),
                    (_("Limits"), ", ".join(limits) or _("none")),
                    (_("Counting rule"), rule),
                    (_("Who may vote"), who),
                    (_("Ballot shortlist"), _("the most supported proposals go on the ballot")
                     if shortlist["enabled"] else _("every accepted proposal goes on the ballot")),
                ], "cycle-rules"),
            ])), md=6, className="mb-3"),
            dbc.Col(dbc.Card(dbc.CardBody([
                html.H2(_("Schedule"), className="h5"),
                simple_table([_("Phase"), _("From"), _("To"), ""], schedule, "cycle-schedule")
                if schedule else html.P(_("No dates yet.")),
            ])), md=6, className="mb-3"),
        ]),
        dbc.Row([
            dbc.Col(dbc.Card(dbc.CardBody([
                html.H2(_("Priorities"), className="h5"),
                simple_table([_("Category"), _("Earmarked")],
                             [[c.name, money(c.earmarked, cycle.currency) if c.earmarked else "–"]
                              for c in cycle.categories], "cycle-categories"),
            ])), md=6, className="mb-3") if cycle.categories else None,
            dbc.Col(dbc.Card(dbc.CardBody([
                html.H2(_("Districts"), className="h5"),
                simple_table([_("District"), _("Own budget")],
                             [[d.name, money(d.budget, cycle.currency) if d.budget else "–"] for d in cycle.districts],
                             "cycle-districts"),
            ])), md=6, className="mb-3") if cycle.districts else None,
        ]),
        html.Details([html.Summary(_("Phase changes")),
                      simple_table([_("When"), _("From"), _("To")], history, "cycle-history")],
                     className="mb-3") if history else None,
    ])


register_page(__name__, path="/cycle/<cycle_id>", path_template="/cycle/<cycle_id>", layout=layout,
              title=_l("Participation cycle"), name="Participation cycle")
