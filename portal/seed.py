"""First-start data: the city's shipped budget and a demonstration participatory-budgeting cycle."""

from __future__ import annotations

import logging
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.budget import store
from portal.city import DATA, CityProfile
from portal.db import Database
from portal.models import BallotType, Category, Cycle, CycleDistrict, CyclePhase, CyclePhaseDate, Proposal

log = logging.getLogger(__name__)


def seed_if_empty(db: Database, city: CityProfile) -> None:
    with db.session() as session:
        if not store.has_budget(session, city.slug):
            import_shipped_budget(session, city)
        if session.scalar(select(Cycle.id).where(Cycle.city == city.slug).limit(1)) is None:
            create_demo_cycle(session, city)


def import_shipped_budget(session: Session, city: CityProfile) -> None:
    """Import the budget files the city profile ships (`"budget": {"files": [...]}`), checked like any import."""
    from portal.budget import importer

    files = city.budget.get("files") or []
    if not files:
        log.info("no shipped budget for %s", city.slug)
        return
    mapping = city.budget.get("mapping")
    mapping_text = (DATA / mapping).read_text(encoding="utf-8") if mapping else None
    plan, outcome = importer.import_paths(session, city, [DATA / f for f in files], mapping_text=mapping_text)
    log.info("imported %d budget lines of %s (%s)", outcome.lines, city.slug, outcome.status)


DEMO_PROPOSALS = [
    # title, category, district, cost (EUR); invented for the demonstration, not real proposals
    ("Shade trees for the school yard on Hansaring", "green", "1", 85_000),
    ("Repair café in the neighbourhood centre", "social", "4", 30_000),
    ("Protected bike lane along the Rhine promenade", "mobility", "2", 240_000),
    ("Open-air library boxes in three parks", "culture", "3", 18_000),
    ("Youth music room with instruments", "youth", "9", 60_000),
    ("Benches and drinking fountain at the market square", "green", "7", 45_000),
    ("Safer crossing near the primary school", "mobility", "8", 120_000),
    ("Community garden on the unused lot", "green", "5", 70_000),
    ("Skate park renovation", "youth", "6", 150_000),
    ("Free weekend language café", "social", "1", 25_000),
    ("Street festival of the district's cultures", "culture", "8", 40_000),
    ("Bike repair stations at tram stops", "mobility", "5", 36_000),
]
DEMO_CATEGORIES = [
    ("green", "Green spaces and climate"), ("mobility", "Mobility"), ("culture", "Culture"),
    ("youth", "Children and youth"), ("social", "Living together"),
]


def create_demo_cycle(session: Session, city: CityProfile, today: date | None = None) -> Cycle:
    """A clearly marked demonstration cycle in its proposal phase, with a dozen invented proposals."""
    today = today or date.today()
    cycle = Cycle(
        city=city.slug, year=today.year, is_demo=True, currency=city.currency,
        title=f"DEMO · Participatory budget {city.name} {today.year}",
        description="A demonstration cycle with invented proposals, to try the portal. Not a real vote.",
        total_budget=1_000_000, phase=CyclePhase.PROPOSALS, ballot_type=BallotType.KNAPSACK,
        rule="mes", completion="add1", eligibility="registered",
    )
    cycle.categories = [Category(code=code, name=name) for code, name in DEMO_CATEGORIES]
    cycle.districts = [
        CycleDistrict(code=code, name=name, budget=0) for code, name in sorted(city.districts.items())
    ]
    starts = today - timedelta(days=7)
    spans = [(CyclePhase.PROPOSALS, 35), (CyclePhase.REVIEW, 21), (CyclePhase.VOTING, 21),
             (CyclePhase.COUNTING, 7), (CyclePhase.RESULTS, 30)]
    for phase, days in spans:
        cycle.phase_dates.append(CyclePhaseDate(phase=phase, starts_on=starts, ends_on=starts + timedelta(days)))
        starts += timedelta(days=days + 1)
    session.add(cycle)
    session.flush()
    categories = {c.code: c.id for c in cycle.categories}
    for title, category, district, cost in DEMO_PROPOSALS:
        session.add(Proposal(
            cycle_id=cycle.id, title=title, category_id=categories[category], district_code=district,
            estimated_cost=cost, description="Demonstration proposal.",
        ))
    return cycle
