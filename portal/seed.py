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
            create_completed_demo_cycle(session, city)
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
# where the demo categories' funded projects enter each shipped city's budget (functional areas, top level)
DEMO_AREAS = {
    "koeln": {"green": "13", "mobility": "12", "culture": "04", "youth": "06", "social": "05"},
    "manchester": {"green": "03", "mobility": "03", "culture": "03", "youth": "02", "social": "01"},
}


def demo_categories(session: Session, city: CityProfile) -> list[Category]:
    """The demo categories, mapped to the functional areas of the city's budget where it has them."""
    from portal.feedback.budget_lines import area_names

    areas = DEMO_AREAS.get(city.slug, {})
    out = []
    for code, name in DEMO_CATEGORIES:
        area = areas.get(code)
        known = area is not None and area_names(session, city.slug, (area,)) is not None
        out.append(Category(code=code, name=name, functional_code=area if known else None))
    return out


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
    cycle.categories = demo_categories(session, city)
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
            estimated_cost=cost, description="Demonstration proposal.", language="en",
        ))
    return cycle


COMPLETED_PROPOSALS = [
    # title, category, district, cost (EUR), popularity; invented for the demonstration, with invented ballots
    ("Solar panels on the sports hall", "green", "3", 180_000, 0.42),
    ("Night bus stop shelters", "mobility", "7", 90_000, 0.30),
    ("Playground for toddlers in the park", "youth", "5", 120_000, 0.48),
    ("Neighbourhood tool library", "social", "4", 25_000, 0.22),
    ("Wildflower meadows along the tram line", "green", "9", 40_000, 0.35),
    ("Open-air cinema summer", "culture", "1", 60_000, 0.26),
    ("Repair of the footbridge lights", "mobility", "2", 75_000, 0.18),
    ("Homework help rooms in two libraries", "youth", "8", 55_000, 0.33),
    ("Public toilets at the Rhine meadows", "social", "1", 210_000, 0.38),
    ("Street art walls for young artists", "culture", "6", 30_000, 0.15),
]


def _demo_places(city: CityProfile) -> dict[str, tuple[float, float]]:
    """(lat, lon) of each district's label point, from the shipped boundaries (empty when there are none)."""
    from portal.geo import boundaries

    try:
        districts = boundaries(city).districts
        return {d.code: (round(d.lonlat_centre[1], 6), round(d.lonlat_centre[0], 6)) for d in districts}
    except (OSError, ValueError, KeyError):
        return {}


def create_completed_demo_cycle(session: Session, city: CityProfile, today: date | None = None,
                                voters: int = 400) -> Cycle:
    """Last year's demonstration cycle, voted and counted: invented proposals, synthetic ballots (a fixed
    random seed, so every first start shows the same result) and a published result."""
    import random

    from portal.models import Ballot, ProposalStatus
    from portal.participation.ballots import new_receipt
    from portal.participation.counting import compute_result, mark_published

    today = today or date.today()
    year = today.year - 1
    budget = 600_000
    cycle = Cycle(
        city=city.slug, year=year, is_demo=True, currency=city.currency,
        title=f"DEMO · Participatory budget {city.name} {year}",
        description="A completed demonstration cycle: invented proposals and synthetic ballots, to show how "
                    "results look. Not a real vote.",
        total_budget=budget, phase=CyclePhase.RESULTS, ballot_type=BallotType.KNAPSACK,
        rule="mes", completion="add1", eligibility="registered", settings={},
    )
    cycle.categories = demo_categories(session, city)
    cycle.districts = [CycleDistrict(code=code, name=name, budget=0) for code, name in sorted(city.districts.items())]
    starts = date(year, 2, 1)
    for phase, days in [(CyclePhase.PROPOSALS, 35), (CyclePhase.REVIEW, 21), (CyclePhase.VOTING, 21),
                        (CyclePhase.COUNTING, 7), (CyclePhase.RESULTS, 200)]:
        cycle.phase_dates.append(CyclePhaseDate(phase=phase, starts_on=starts, ends_on=starts + timedelta(days)))
        starts += timedelta(days=days + 1)
    session.add(cycle)
    session.flush()
    categories = {c.code: c.id for c in cycle.categories}
    proposals = []
    places = _demo_places(city)
    for n, (title, category, district, cost, _popularity) in enumerate(COMPLETED_PROPOSALS):
        lat, lon = places.get(district, (None, None))
        if lat is not None:  # an invented spot near the district's centre, so the map shows the projects
            lat, lon = lat + 0.004 * ((n % 3) - 1), lon + 0.006 * ((n % 2) - 0.5)
        proposal = Proposal(cycle_id=cycle.id, title=title, category_id=categories[category], district_code=district,
                            estimated_cost=cost, description="Demonstration proposal.", language="en",
                            status=ProposalStatus.ACCEPTED, on_ballot=True, latitude=lat, longitude=lon)
        session.add(proposal)
        proposals.append(proposal)
    session.flush()
    rng = random.Random(f"{city.slug}-{year}")
    district_codes = sorted(city.districts)
    receipts: set[str] = set()
    rows = []
    for n in range(voters):
        home = rng.choice(district_codes)
        chosen, spent = [], 0
        for proposal, spec in sorted(zip(proposals, COMPLETED_PROPOSALS, strict=True), key=lambda _x: rng.random()):
            liking = spec[4] * (1.8 if spec[2] == home else 1.0)
            if rng.random() < liking and spent + proposal.estimated_cost <= budget:
                chosen.append(str(proposal.id))
                spent += proposal.estimated_cost
        receipt = new_receipt()
        while receipt in receipts:
            receipt = new_receipt()
        receipts.add(receipt)
        channel = "paper" if rng.random() < 0.15 else "online"
        rows.append(Ballot(cycle_id=cycle.id, voter_key=f"demo:{n}", channel=channel, receipt_code=receipt,
                           choices={"approved": sorted(chosen, key=int)}, district_code=home))
    session.add_all(rows)
    session.flush()
    result = compute_result(session, cycle)
    mark_published(session, cycle, result)
    _demo_delivery(session, cycle, date(year, 10, 1))
    return cycle


def _demo_delivery(session: Session, cycle: Cycle, day: date) -> None:
    """Invented progress on three of the demo's funded projects, so the delivery pages have something to show."""
    from datetime import UTC, datetime
    from decimal import Decimal

    from portal.models import DeliveryStatus, DeliveryUpdate, ProjectDelivery

    deliveries = session.scalars(select(ProjectDelivery).where(ProjectDelivery.cycle_id == cycle.id)
                                 .order_by(ProjectDelivery.id)).all()
    states = [(DeliveryStatus.COMPLETED, 100, Decimal("0.97")), (DeliveryStatus.IN_PROGRESS, 40, Decimal("0.35")),
              (DeliveryStatus.DELAYED, 10, Decimal("0.05"))]
    at = datetime(day.year, day.month, day.day, 9, 0, tzinfo=UTC)
    for delivery, (status, progress, share) in zip(deliveries, states, strict=False):
        spent = (Decimal(delivery.funded_amount) * share).quantize(Decimal("1"))
        delivery.status, delivery.progress, delivery.spent, delivery.updated_at = status, progress, spent, at
        session.add(DeliveryUpdate(delivery_id=delivery.id, at=at, status=status, progress=progress, spent=spent,
                                   note="Demonstration update (invented)."))
