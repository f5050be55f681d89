"""Results flow back into the budget, on both databases: a published cycle's funded projects become lines of the
following year, the explorer shows them (drill-down, participatory-only view, districts), a later import of the
city's budget keeps them and never counts a project twice.

Oracles: the hand-computed outcome and budget of tests/feedback.py, and SQL sums over the stored lines.
"""

from dataclasses import replace
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from portal.budget import explorer, queries
from portal.budget.explorer import View
from portal.feedback import budget_lines
from portal.models import AuditEvent, BudgetLine, Cycle, ProjectDelivery, User
from portal.participation import cycles
from portal.participation.errors import InvalidInput
from tests.feedback import BUDGET, FUNDED, category, import_budget, published_cycle

CAPITAL_2032 = View(year=2032, phase="approved", statement="capital", direction="expenditure")


def sql_total(session, **where) -> Decimal:
    conditions = [getattr(BudgetLine, k) == v for k, v in where.items()]
    return Decimal(str(session.scalar(select(func.sum(BudgetLine.amount)).where(BudgetLine.city == "koeln",
                                                                               *conditions)) or 0))


def children(data, view) -> dict:
    return {n.code: (n.cents / 100, n.participatory / 100) for n in explorer.drilldown(data, view).nodes
            if n.depth == 1}


def test_a_published_cycle_finds_its_funded_projects_in_the_following_years_budget(db):
    with db.session() as session:
        import_budget(session)
        cycle, made, _officer = published_cycle(session)
        p1, p3 = made[0], made[2]
        data = explorer.budget_data(session, "koeln")
        # the explorer's own aggregates, for the year after the cycle (2031 -> 2032), capital spending
        tops = children(data, CAPITAL_2032)
        assert tops["13"] == (1_000_000 + 60_000, 60_000)  # the parks project inside the area it is mapped to
        assert tops["12"] == (3_000_000, 0)
        assert tops["PB"] == (40_000, 40_000)  # the bridge's category has no area: a box of its own
        parks = children(data, replace(CAPITAL_2032, path=("13",)))
        assert parks["PB"] == (60_000, 60_000) and parks["1301"] == (1_000_000, 0)
        projects = children(data, replace(CAPITAL_2032, path=("13", "PB")))
        assert projects == {f"PB-{p1.id}": (60_000, 60_000)}
        only = explorer.drilldown(data, replace(CAPITAL_2032, participatory=True))
        assert only.total / 100 == 100_000 == only.participatory / 100
        # per district: P1 is in district 1, the bridge is city-wide
        frame, city_wide = explorer.by_district(data, replace(CAPITAL_2032, participatory=True))
        assert dict(zip(frame["district_code"], frame["cents"] / 100, strict=True)) == {"1": 60_000}
        assert city_wide / 100 == 40_000
        # SQL agrees, and each funded project has exactly one line, of its funded amount
        assert sql_total(session, fiscal_year=2032, statement="capital") == Decimal("4100000")
        rows = session.execute(select(BudgetLine.pb_project, BudgetLine.amount, BudgetLine.source, BudgetLine.phase)
                               .where(BudgetLine.source == "participatory")).all()
        assert sorted((r[0], float(r[1]), r[2], str(r[3])) for r in rows) == sorted(
            [(str(p1.id), 60_000.0, "participatory", "approved"), (str(p3.id), 40_000.0, "participatory",
                                                                  "approved")])
        deliveries = session.scalars(select(ProjectDelivery).order_by(ProjectDelivery.proposal_id)).all()
        assert [(d.proposal_id, d.funded_amount, d.budget_year) for d in deliveries] == [
            (made[i].id, [60_000, 60_000, 40_000][i], 2032) for i in FUNDED]
        event = session.scalar(select(AuditEvent).where(AuditEvent.action == "budget.participatory"))
        assert event is not None and sorted(event.after["projects"]) == sorted([str(p1.id), str(p3.id)])
        assert event.actor_email == session.get(User, _officer.id).email
        # the headline year of the home page stays the city's own newest year
        assert queries.latest_year(session, "koeln") == 2032


def test_reconcile_is_idempotent_and_publishing_writes_once(db):
    with db.session() as session:
        import_budget(session)
        published_cycle(session)
        count = session.scalar(select(func.count(BudgetLine.id)).where(BudgetLine.source == "participatory"))
        assert budget_lines.reconcile(session, "koeln") is None
        assert session.scalar(select(func.count(BudgetLine.id)).where(BudgetLine.source == "participatory")) == count


def test_a_reimport_of_the_citys_budget_keeps_the_participatory_lines(db):
    with db.session() as session:
        import_budget(session)
        published_cycle(session)
        assert import_budget(session).status == "unchanged"  # the same files again change nothing
        changed = [(*row[:11], "1500000.00" if row[4] == "13" else row[11], "") for row in BUDGET]
        outcome = import_budget(session, changed, name="haushalt-2032-v2.csv")
        assert outcome.status == "imported"
        assert sql_total(session, fiscal_year=2032, statement="capital") == Decimal("4600000")  # 4.5 M + 100,000
        assert sql_total(session, source="participatory") == Decimal("100000")


def test_a_city_file_that_names_a_funded_project_replaces_its_line_instead_of_adding_to_it(db):
    with db.session() as session:
        import_budget(session)
        cycle, made, _officer = published_cycle(session)
        p1 = made[0]
        named = [*BUDGET, (2032, "approved", "capital", "expenditure", "13", "Natur- und Landschaftspflege", "1301",
                           "Parks", "79", "Park one (Bürgerhaushalt)", "1", "65000.00", str(p1.id))]
        import_budget(session, named, name="haushalt-2032-with-pb.csv")
        # the city's 65,000 for "Park one" counts once; the bridge (not in the city's file) keeps its line
        assert sql_total(session, fiscal_year=2032, statement="capital") == Decimal("4105000")
        assert session.scalars(select(BudgetLine.pb_project).where(BudgetLine.source == "participatory")).all() == [
            str(made[2].id)]
        data = explorer.budget_data(session, "koeln")
        only = explorer.drilldown(data, replace(CAPITAL_2032, participatory=True))
        assert only.total / 100 == 105_000  # the city's line that names the project counts as participatory
        # a later file without the project: the portal's line for it comes back
        import_budget(session, BUDGET, name="haushalt-2032-v3.csv")
        assert sql_total(session, fiscal_year=2032, statement="capital") == Decimal("4100000")
        assert sql_total(session, source="participatory") == Decimal("100000")


def test_officers_can_move_the_funded_projects_to_another_area_after_publication(db):
    with db.session() as session:
        import_budget(session)
        cycle, made, officer = published_cycle(session)
        values = cycles.form_values(cycle)
        cycles.update_cycle(session, cycle, officer, {**values, "category_areas": "parks; 12/1201\nstreets; 12",
                                                      "budget_statement": "operating"})
        data = explorer.budget_data(session, "koeln")
        assert children(data, CAPITAL_2032)["13"] == (1_000_000, 0)
        operating = children(data, View(year=2032, phase="approved", statement="operating", direction="expenditure"))
        assert operating["12"] == (100_000, 100_000)
        roads = children(data, View(year=2032, phase="approved", statement="operating", direction="expenditure",
                                    path=("12",)))
        assert roads == {"1201": (60_000, 60_000), "PB": (40_000, 40_000)}
        assert category(cycle, "parks").functional_code == "12/1201"
        reasons = [e.after.get("reason", "") for e in session.scalars(
            select(AuditEvent).where(AuditEvent.action == "budget.participatory").order_by(AuditEvent.id))]
        assert len(reasons) == 2 and "category areas" in reasons[-1]
        # a category left out of the form has no area any more: its projects go to the box of their own
        cycles.update_cycle(session, cycle, officer, {**cycles.form_values(cycle), "category_areas": ""})
        data = explorer.budget_data(session, "koeln")
        operating = children(data, View(year=2032, phase="approved", statement="operating", direction="expenditure"))
        assert operating["PB"] == (100_000, 100_000) and "12" not in operating
        assert category(cycle, "parks").functional_code is None


@pytest.mark.parametrize("areas", ["parks; 99", "nothing; 13", "parks; 13/a/b/c/d"])
def test_a_mapping_to_an_area_the_budget_does_not_have_is_refused_and_changes_nothing(db, areas):
    with db.session() as session:
        import_budget(session)
        cycle, _made, officer = published_cycle(session)
        before = cycles.config_snapshot(cycle)
        with pytest.raises(InvalidInput):
            cycles.update_cycle(session, cycle, officer, {**cycles.form_values(cycle), "category_areas": areas})
        session.expire_all()
        assert cycles.config_snapshot(session.get(Cycle, cycle.id)) == before


def test_the_explorer_opens_on_the_citys_own_newest_year_not_on_a_year_of_funded_projects_only(db):
    rows = [(2030, *row[1:]) for row in BUDGET]  # the city's budget ends in 2030; the projects enter 2032
    with db.session() as session:
        import_budget(session, rows, name="haushalt-2030.csv")
        published_cycle(session, areas="")
        data = explorer.budget_data(session, "koeln")
        assert (2032, "approved") in data.available and (2032, "approved") not in data.own_available
        view = explorer.parse_view({}, available=data.available, districts={}, preferred=data.own_available)
        assert view.year == 2030
        pb_view = explorer.parse_view({"pb": "1"}, available=data.available, districts={},
                                      preferred=data.own_available)
        assert pb_view.year == 2032 and pb_view.participatory
        years = explorer.over_years(data, View(year=2030, statement="capital"))
        assert list(years["fiscal_year"]) == [2030]  # 2032 holds only the projects: no total of that year
        assert queries.latest_year(session, "koeln") == 2030
