"""Property-based tests: random small elections of every ballot type against live pabutools, and
invariants (budget respected, greedy exhaustive, equal shares EJR up to one project on approval)."""

from __future__ import annotations

import itertools

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pabutools.election import Additive_Borda_Sat, Additive_Cardinal_Sat, Cardinality_Sat, Cost_Sat
from pabutools.election.pabulib import parse_pabulib_from_string
from pabutools.rules import (
    exhaustion_by_budget_increase,
    greedy_utilitarian_welfare,
    method_of_equal_shares,
    sequential_phragmen,
)

from voting import Ballot, Election, Instance, Profile, Project, dumps_pb, tally

SETTINGS = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def elections(draw, vote_type):
    k = draw(st.integers(1, 6))
    ids = draw(st.lists(st.sampled_from([str(i) for i in range(1, 13)]), min_size=k, max_size=k, unique=True))
    costs = draw(st.lists(st.integers(1, 20), min_size=k, max_size=k))
    budget = draw(st.integers(1, 60))
    n = draw(st.integers(1, 7))
    ballots = []
    for v in range(n):
        chosen = draw(st.lists(st.sampled_from(ids), min_size=1, max_size=k, unique=True))
        if vote_type == "approval":
            choices = set(chosen)
        elif vote_type == "ordinal":
            choices = chosen
        else:
            choices = {p: draw(st.integers(1, 5)) for p in chosen}
        ballots.append(Ballot(f"v{v}", choices))
    projects = [Project(p, c) for p, c in zip(ids, costs, strict=True)]
    return Election(Instance(budget, projects), Profile(vote_type, ballots))


def pabutools_of(election):
    instance, profile = parse_pabulib_from_string(dumps_pb(election))
    return instance, profile.as_multiprofile()


def names(outcome):
    return [p.name for p in outcome]


SCORE = {"approval": Cardinality_Sat, "cumulative": Additive_Cardinal_Sat, "ordinal": Additive_Borda_Sat}


def _check_against_pabutools(e):
    inst, prof = pabutools_of(e)
    kind = e.profile.vote_type
    for sat, cls in (("cost", Cost_Sat), ("cardinality", Cardinality_Sat), ("score", SCORE[kind])):
        ours = tally(e, rule="greedy", sat=sat, explain=False).selected
        assert ours == names(greedy_utilitarian_welfare(inst, prof, sat_class=cls)), sat
        ours = tally(e, rule="mes", completion="none", sat=sat, explain=False).selected
        assert sorted(ours) == sorted(names(method_of_equal_shares(inst, prof, sat_class=cls))), sat
    add1 = exhaustion_by_budget_increase(
        inst,
        prof,
        method_of_equal_shares,
        {"sat_class": Cost_Sat},
        budget_step=prof.num_ballots(),
        exhaustive_stop=False,
    )
    assert tally(e, rule="mes", completion="add1", explain=False).selected == names(add1)
    if kind == "approval":
        assert sorted(tally(e, rule="phragmen", explain=False).selected) == sorted(
            names(sequential_phragmen(inst, prof))
        )


@SETTINGS
@given(elections("approval"))
def test_approval_matches_pabutools(e):
    _check_against_pabutools(e)


@SETTINGS
@given(elections("cumulative"))
def test_cumulative_matches_pabutools(e):
    _check_against_pabutools(e)


@SETTINGS
@given(elections("ordinal"))
def test_ordinal_matches_pabutools(e):
    _check_against_pabutools(e)


@SETTINGS
@given(st.sampled_from(["approval", "cumulative", "ordinal"]).flatmap(elections))
def test_budget_respected_and_greedy_exhaustive(e):
    budget = e.instance.budget
    for spec in (
        {"rule": "greedy"},
        {"rule": "mes", "completion": "none"},
        {"rule": "mes", "completion": "add1"},
        {"rule": "mes", "completion": "add1-greedy"},
        {"rule": "mes", "completion": "budget-increase"},
        {"rule": "max-welfare"},
        {"rule": "greedy-no-skip"},
    ):
        outcome = tally(e, explain=False, **spec)
        assert outcome.total_cost <= budget
        assert outcome.total_cost == e.instance.cost_of(outcome.selected)
        assert len(set(outcome.selected)) == len(outcome.selected)
    greedy = tally(e, rule="greedy", explain=False)
    left = budget - greedy.total_cost
    assert all(p.cost > left for p in e.instance if p.id not in greedy.selected)


@SETTINGS
@given(elections("approval"))
def test_equal_shares_is_ejr_up_to_one(e):
    """For every group S that could afford a set T they all approve (|S|/n * budget >= cost(T)), some
    member gets at least as much as from T, or would with one more project of T (cost utilities)."""
    outcome = set(tally(e, rule="mes", completion="none", explain=False).selected)
    inst = e.instance
    ballots = list(e.profile)
    n = len(ballots)

    def utility(ballot, projects):
        return sum(inst[p].cost for p in projects if p in ballot.choices)

    ids = list(inst.projects)
    for size in range(1, len(ids) + 1):
        for group_t in itertools.combinations(ids, size):
            supporters = [b for b in ballots if set(group_t) <= b.choices]
            cost_t = inst.cost_of(group_t)
            if not supporters or len(supporters) * inst.budget < cost_t * n:
                continue
            missing = [p for p in group_t if p not in outcome]
            ok = any(
                utility(b, outcome) >= cost_t
                or any(utility(b, outcome) + inst[p].cost > cost_t for p in missing)
                for b in supporters
            )
            assert ok, (group_t, outcome)
