"""First start: last year's completed demonstration cycle has a published result that anyone can recount."""

import time

import pytest
from sqlalchemy import select

from portal.city import load_city
from portal.models import Cycle, CyclePhase, Proposal, ProposalStatus
from portal.participation import results
from portal.seed import seed_if_empty


def test_completed_demo_cycle_is_published_and_recounts_with_pabutools(db, backend, tmp_path):
    started = time.perf_counter()
    seed_if_empty(db, load_city("koeln"))
    print(f"\nseed (budget import and both demo cycles): {time.perf_counter() - started:.2f} s")
    pabutools = pytest.importorskip("pabutools")
    from pabutools.election import Cost_Sat, parse_pabulib
    from pabutools.rules import exhaustion_by_budget_increase, method_of_equal_shares

    with db.session() as session:
        done = session.scalar(select(Cycle).where(Cycle.phase == CyclePhase.RESULTS))
        view = results.results_view(session, done)
        assert view is not None and view.result.ballot_count == 400
        assert set(view.turnout["channel"]) == {"Online", "Paper"}
        text, _digest = results.published_file(session, done)
        funded = set(session.scalars(select(Proposal.id).where(Proposal.cycle_id == done.id,
                                                               Proposal.status == ProposalStatus.FUNDED)))
    assert funded == {int(p) for p in view.result.selected} and len(funded) >= 3
    if backend != "sqlite":
        return  # the file's recount does not depend on the database; pabutools is slow: once is enough
    path = tmp_path / "demo.pb"
    path.write_text(text, encoding="utf-8")
    instance, profile = parse_pabulib(str(path))
    # the "add1" completion as cities use it (see FIELD-NOTES): budget increase by one unit per voter
    outcome = exhaustion_by_budget_increase(instance, profile, method_of_equal_shares, {"sat_class": Cost_Sat},
                                            budget_step=profile.num_ballots(), exhaustive_stop=False)
    assert {int(p.name) for p in outcome} == funded == {int(p) for p in view.result.selected}
    assert pabutools is not None
