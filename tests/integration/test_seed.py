"""First start: the shipped Köln budget reconciles with the city's own totals; the demo cycle is marked."""

from sqlalchemy import func, select

from portal.budget.queries import totals
from portal.city import load_city
from portal.models import BudgetLine, Cycle, Proposal, Result
from portal.seed import seed_if_empty


def _sum(session, year, phase, codes, direction):
    return session.scalar(
        select(func.sum(BudgetLine.amount)).where(
            BudgetLine.city == "koeln", BudgetLine.fiscal_year == year, BudgetLine.phase == phase,
            BudgetLine.statement == "operating", BudgetLine.direction == direction,
            BudgetLine.econ_code.in_(codes),
        )
    )


def test_seed_imports_koeln_and_reconciles(db):
    city = load_city("koeln")
    seed_if_empty(db, city)
    with db.session() as session:
        revenue = _sum(session, 2015, "approved", [f"{n:02d}" for n in range(1, 10)], "revenue")
        expenditure = _sum(session, 2015, "approved", [f"{n:02d}" for n in range(11, 17)], "expenditure")
        # the city's Gesamtergebnisplan 2015: lines 10 and 17 (the sums of 01-09 and 11-16)
        assert abs(float(revenue) - 3_469_196_999) <= 2
        assert abs(float(expenditure) - 3_739_352_824) <= 2
        years = session.scalars(select(BudgetLine.fiscal_year).where(BudgetLine.source != "participatory")
                                .distinct()).all()
        assert sorted(years) == [2010, 2011, 2012, 2013, 2014, 2015]
        assert totals(session, "koeln", 2010, "executed")["operating"]["expenditure"] > 0
        # the demo's published result flows back: its funded projects are lines of the year after its cycle
        demo = session.scalar(select(Cycle).where(Cycle.phase == "results"))
        result = session.scalar(select(Result).where(Result.cycle_id == demo.id))
        pb = session.execute(select(BudgetLine.fiscal_year, func.sum(BudgetLine.amount), func.count(BudgetLine.id))
                             .where(BudgetLine.source == "participatory").group_by(BudgetLine.fiscal_year)).all()
        funded = sum(info["cost"] for info in result.funded.values())
        assert [(y, float(a), n) for y, a, n in pb] == [(demo.year + 1, float(funded), len(result.selected))]


def test_seed_is_idempotent_and_marks_the_demo(db):
    city = load_city("koeln")
    seed_if_empty(db, city)
    with db.session() as session:
        lines = session.scalar(select(func.count(BudgetLine.id)))
    seed_if_empty(db, city)
    with db.session() as session:
        assert session.scalar(select(func.count(BudgetLine.id))) == lines
        cycles = session.scalars(select(Cycle).order_by(Cycle.year)).all()
        assert len(cycles) == 2 and all(c.is_demo and "DEMO" in c.title for c in cycles)
        assert [c.phase for c in cycles] == ["results", "proposals"]
        assert session.scalar(select(func.count(Proposal.id)).where(Proposal.cycle_id == cycles[1].id)) >= 10


def test_home_page_says_demo(app, client, portal_db):
    seed_if_empty(portal_db, load_city("koeln"))
    layout = client.get("/_dash-layout").get_data(as_text=True)
    assert "demonstration data" in layout
