"""Builders for the results-flow-back tests: a small city budget in the portal's own format, and a cycle counted
and published through the officers' services.

The budget (Köln's districts, year 2032, the year after the test cycle of 2031) is small enough to sum by hand:
    capital expenditure:   13/1301 parks 1,000,000 · 12/1201 roads 3,000,000         = 4,000,000
    operating expenditure: 05/0501 social 2,000,000
The cycle (budget 120,000, equal shares with add1) has three projects and six approval ballots; worked out by
hand in tests/integration/test_cycle_counting.py: P1 and P3 are funded (P2 is not).
    P1 "Park one"  60,000  category parks   (mapped to area 13)  district 1
    P2 "Park two"  60,000  category parks                         district 2
    P3 "Bridge"    40,000  category streets (no area: falls back to "PB")   whole city
"""

from __future__ import annotations

import csv
import io

from portal.budget import importer
from portal.city import load_city
from portal.models import Category, CyclePhase, Role
from portal.participation import counting, phases
from portal.participation.ballots import Voter, cast_ballot
from tests.participation import cycle_with_ballot, quick_user

KOELN = load_city("koeln")
HEADER = ["fiscal_year", "phase", "statement", "direction", "fn1_code", "fn1_name", "fn2_code", "fn2_name",
          "econ_code", "econ_name", "district_code", "amount", "pb_project"]
BUDGET = [
    (2032, "approved", "capital", "expenditure", "13", "Natur- und Landschaftspflege", "1301", "Parks", "78",
     "Baumaßnahmen", "", "1000000.00", ""),
    (2032, "approved", "capital", "expenditure", "12", "Verkehrsflächen", "1201", "Straßen", "78", "Baumaßnahmen",
     "", "3000000.00", ""),
    (2032, "approved", "operating", "expenditure", "05", "Soziale Hilfen", "0501", "Grundsicherung", "15",
     "Transfers", "", "2000000.00", ""),
]
PROJECTS = [("Park one", 60_000, "1"), ("Park two", 60_000, "2"), ("Bridge", 40_000)]
BALLOTS = [[0, 1], [0, 1], [0, 1], [0], [2], [2]]
FUNDED = (0, 2)


def budget_csv(rows) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADER)
    writer.writerows(rows)
    return out.getvalue().encode()


def import_budget(session, rows=BUDGET, *, name="haushalt-2032.csv", user=None):
    plan = importer.prepare([(name, budget_csv(rows))], KOELN, session=session)
    assert plan.ok, plan.report.text()
    return importer.apply(session, plan, user=user)


def published_cycle(session, *, areas: str = "parks; 13", statement: str = "capital"):
    """A cycle of 2031 counted with equal shares + add1 and published; returns (cycle, proposals, officer)."""
    officer = quick_user(session, Role.OFFICER, display_name="Officer Olsen")
    cycle, made = cycle_with_ballot(session, officer, PROJECTS, total_budget="120000", rule="mes",
                                    completion="add1", ballot_type="approval", category_areas=areas,
                                    budget_statement=statement, phase=CyclePhase.REVIEW,
                                    districts="1; Innenstadt; 0\n2; Rodenkirchen; 0")
    streets = next(c for c in cycle.categories if c.code == "streets")
    made[2].category_id = streets.id
    phases.change_phase(session, cycle, CyclePhase.VOTING, officer)
    ids = [str(p.id) for p in made]
    for choice in BALLOTS:
        cast_ballot(session, cycle.id, Voter.for_user(quick_user(session)), [ids[i] for i in choice])
    phases.change_phase(session, cycle, CyclePhase.COUNTING, officer)
    result = counting.count_cycle(session, cycle, officer)
    assert sorted(result.selected) == sorted(ids[i] for i in FUNDED), "the hand-computed outcome"
    counting.publish_result(session, cycle, result.id, officer)
    session.flush()
    return cycle, made, officer


def category(cycle, code: str) -> Category:
    return next(c for c in cycle.categories if c.code == code)
