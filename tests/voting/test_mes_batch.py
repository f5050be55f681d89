"""The batched MES runs (add1 search, budget-increase) against plain one-run-at-a-time MES, an independent
oracle: ``run_mes`` for one starting budget, ``mes_add1_plain`` stepping +1 per voter, and pabutools.

Small integers make exact ties common (equal costs, identical projects, voters left with exactly 0),
which is where floats alone would go wrong.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pabulib_cases import election, reference

from voting import Ballot, Election, Instance, Profile, Project, tally
from voting.compiled import compile_election
from voting.rules.mes import mes_add1, mes_add1_plain, run_mes
from voting.rules.mes_batch import DONE, EXACT, EXCEEDED, run_many

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def elections(draw, max_budget=300):
    """Elections with few distinct costs and ballots, and sometimes a project listed twice (twins)."""
    vote_type = draw(st.sampled_from(["approval", "approval", "cumulative", "ordinal"]))
    k = draw(st.integers(1, 7))
    ids = [str(i) for i in draw(st.permutations(range(1, 13)))[:k]]
    cost_pool = draw(st.lists(st.integers(1, 40), min_size=1, max_size=3))
    costs = [draw(st.sampled_from(cost_pool)) for _ in ids]
    twin_of = {}
    if k >= 2 and draw(st.booleans()):
        twin_of[ids[-1]] = ids[0]  # same cost, same supporters
        costs[-1] = costs[0]
    budget = draw(st.integers(1, max_budget))
    ballots = []
    pick = st.lists(st.sampled_from(ids[: k - len(twin_of)]), min_size=1, unique=True)
    kinds = draw(st.lists(pick, min_size=1, max_size=4))
    n = draw(st.integers(1, 9))
    for v in range(n):
        chosen = list(kinds[v % len(kinds)])
        for twin, original in twin_of.items():
            if original in chosen:
                chosen.insert(chosen.index(original) + 1, twin)
        if vote_type == "approval":
            choices = set(chosen)
        elif vote_type == "ordinal":
            choices = chosen
        else:
            choices = {p: 1 + (len(p) + i) % 3 for i, p in enumerate(chosen)}
        ballots.append(Ballot(f"v{v}", choices))
    projects = [Project(p, c) for p, c in zip(ids, costs, strict=True)]
    return Election(Instance(budget, projects), Profile(vote_type, ballots))


@SETTINGS
@given(elections(), st.sampled_from(["cost", "cardinality", "score"]))
def test_add1_search_equals_plain_steps(e, sat):
    data = compile_election(e, sat)
    run, k, _ = mes_add1(data)
    plain, k_plain, _ = mes_add1_plain(compile_election(e, sat))
    assert k == k_plain
    assert run.selected == plain.selected


@SETTINGS
@given(elections(), st.lists(st.fractions(min_value=0, max_value=80), max_size=12), st.integers(0, 3))
def test_many_runs_equal_single_runs(e, budgets, shift):
    data = compile_election(e, "cost")
    # also budgets where a project is exactly affordable: cost / supporters, plus whole steps
    exact = {Fraction(int(c), max(1, int(data.mult[i].sum()))) for c, i in zip(data.costs, data.sup_idx, strict=True)}
    budgets = sorted(set(budgets) | {b + shift for b in exact})
    limit = data.budget
    batch = run_many(data, [float(b) for b in budgets], limit=limit, certify=True)
    first_exceeded = None
    for i, b in enumerate(budgets):
        single = run_mes(data, Fraction(b)).selected
        cost = int(data.costs[single].sum())
        if first_exceeded is not None:
            continue  # runs after the first that exceeds are left unfinished
        if batch.status[i] == DONE:
            assert batch.selected[i] == single
            assert cost <= limit
        elif batch.status[i] == EXCEEDED:
            assert cost > limit
            first_exceeded = i
        else:
            assert batch.status[i] == EXACT


@SETTINGS
@given(elections(max_budget=60), st.integers(2, 40), st.integers(1, 6))
def test_certified_neighbours_give_the_same_outcome_in_between(e, spacing, count):
    data = compile_election(e, "cost")
    n, B = data.num_voters, data.budget
    ks = [i * spacing for i in range(count + 1)]
    batch = run_many(data, [float(Fraction(B + k * n, n)) for k in ks], certify=True)
    for j in np.flatnonzero(batch.pair_ok[: len(ks) - 1]).tolist():
        if batch.status[j] != DONE or batch.status[j + 1] != DONE:
            continue
        assert batch.selected[j] == batch.selected[j + 1]
        for k in range(ks[j] + 1, ks[j + 1]):
            assert run_mes(data, Fraction(B + k * n, n)).selected == batch.selected[j]


@SETTINGS
@given(elections(max_budget=100))
def test_budget_increase_equals_one_run_per_step(e):
    data = compile_election(e, "cost")
    n, B = data.num_voters, data.budget
    expected: list = []
    limit = Fraction(B)
    while limit <= B * (n + 1):
        selected = run_mes(data, limit / n).selected
        if int(data.costs[selected].sum()) > B:
            break
        expected = selected
        spent = int(data.costs[selected].sum())
        if all(p in selected or spent + int(data.costs[p]) > B for p in range(len(data.ids))):
            break
        limit += Fraction(B, 100)
    outcome = tally(e, rule="mes", completion="budget-increase", explain=False)
    assert outcome.selected == [data.ids[p] for p in expected]


def test_exact_tie_with_a_voter_left_with_nothing(monkeypatch):
    """At step 7 two projects tie exactly, one of them with a supporter who has exactly 0 left: its rho is
    cost / (satisfaction of the supporters with money), compared as a fraction."""
    from voting.rules import mes_batch

    decided = []
    original = mes_batch._exact_tie

    def spy(g, rows, near, cols, pp):
        win, undecided = original(g, rows, near, cols, pp)
        for j in range(len(cols)):
            broke = any((g.B[pp.idx[p], cols[j]] == 0).any() for i, p in enumerate(rows) if near[i, j])
            decided.append(broke and not undecided[j])
        return win, undecided

    monkeypatch.setattr(mes_batch, "_exact_tie", spy)
    costs = {"a": 24, "b": 24, "c": 18, "d": 6, "e": 18, "f": 12}
    choices = ["b", "abcdf", "abce", "f", "bc", "ade"]
    ballots = [Ballot(f"v{i}", set(c)) for i, c in enumerate(choices)]
    e = Election(Instance(70, [Project(p, c) for p, c in costs.items()]), Profile("approval", ballots))
    data = compile_election(e, "cost")
    b = Fraction(70, 6) + 7
    batch = run_many(data, [float(b)])
    assert batch.status[0] == DONE
    assert batch.selected[0] == run_mes(data, b).selected == [1, 0, 2, 3, 5]  # b a c d f
    assert any(decided)
    fast, plain = mes_add1(data), mes_add1_plain(compile_election(e, "cost"))
    assert (fast[0].selected, fast[1]) == (plain[0].selected, plain[1])


def test_exactly_affordable_project_in_a_poorer_run():
    """Found by a random search: in the poorest of several runs a project costs exactly what its
    supporters have (affordable, only just), while richer runs afford it clearly."""
    ids, costs = ["2", "11", "5", "9", "1"], [24, 6, 6, 24, 36]
    ballots = [Ballot(f"v{v}", set(ids)) for v in range(5)]
    e = Election(Instance(24, [Project(p, c) for p, c in zip(ids, costs, strict=True)]), Profile("approval", ballots))
    data = compile_election(e, "cost")
    budgets = [Fraction(24 + 5 * k, 5) for k in range(4)]
    batch = run_many(data, [float(b) for b in budgets], limit=24, certify=True)
    for i, b in enumerate(budgets):
        assert batch.status[i] in (DONE, EXACT, EXCEEDED)
        if batch.status[i] == DONE:
            assert batch.selected[i] == run_mes(data, b).selected
    assert run_mes(data, budgets[0]).selected == [1, 2]
    # evaluated in every run, project "2" is a close call where its 5 supporters have 24/5 each
    from voting.rules.mes_batch import _eval_cols, _Group, prep

    pp = prep(data)
    B = np.array([[float(b) for b in budgets]])
    group = _Group(np.arange(4), B, np.full(len(ids), pp.rho0[0]), [], 0)
    rho, close, rich = _eval_cols(group, 0, pp, pp.rho0[0])
    assert close.tolist() == [True, False, False, False]
    assert np.isfinite(rho).all() and (rho[1:] == pytest.approx(1 / 5))
    assert rich.tolist() == [False, True, True, True]


@pytest.mark.parametrize(
    "stem",
    ["Worldwide_Mechanical_Turk_Ranking_value_money_3", "Netherlands_Assen_2024", "Switzerland_Zurich_D10"],
)
def test_real_instances_add1_equals_plain_steps(stem):
    """Where ties are structural (identical projects) or outcomes stay the same for many steps."""
    fast, k, _ = mes_add1(compile_election(election(stem), "cost"))
    plain, k_plain, _ = mes_add1_plain(compile_election(election(stem), "cost"))
    assert (fast.selected, k) == (plain.selected, k_plain)


def test_add1_on_budapest_equals_the_stored_plain_steps():
    """pabutools' add1 cannot finish on Budapest VIII 2022 (153,144 steps of 1 HUF per voter). The stored
    outcome is this engine's plain add1, one exact MES run per step (about 90 s): NOT pabutools'."""
    stem = "Hungary_Budapest_2022_VIII_Jozsefvaros"
    entry = reference(stem)["mes_cost_add1_noexh_ours_plain"]
    assert entry["pabutools_version"] is None
    outcome = tally(election(stem), rule="mes", completion="add1", explain=False)
    assert outcome.selected == entry["selected"]
    assert outcome.total_cost == int(entry["total_cost"])
    assert outcome.details["add1_step"] == 153144
