"""Metrics on a hand-counted election, and explanations checked against re-counts."""

from __future__ import annotations

import dataclasses

import pytest
from pabulib_cases import election

from voting import Ballot, Election, Instance, Profile, Project, compare, metrics, tally


def _small():
    inst = Instance(
        100,
        [
            Project("a", 60, categories="park", district="N"),
            Project("b", 40, district="S"),
            Project("c", 30, categories=["park", "road"]),
        ],
    )
    prof = Profile(
        "approval", [Ballot("1", {"a"}), Ballot("2", {"a", "b"}), Ballot("3", {"c"}), Ballot("4", {"b"})]
    )
    return Election(inst, prof)


def test_metrics_by_hand():
    e = _small()
    outcome = tally(e, rule="greedy", explain=False)
    assert outcome.selected == ["a", "b"]  # 2 supporters each, a first by id; then c does not fit
    m = metrics(e, outcome)
    assert m["budget_used"] == 100 and m["budget_used_share"] == 1.0
    assert m["voters_with_funded_project_share"] == 0.75
    assert m["satisfaction_mean"] == (60 + 100 + 0 + 40) / 4
    # money per voter sorted: 0, 40, 60, 100 -> Gini = sum|xi-xj| / (2 n^2 mean)
    values = [0, 40, 60, 100]
    expected = sum(abs(x - y) for x in values for y in values) / (2 * 16 * 50)
    assert m["satisfaction_gini"] == pytest.approx(expected)
    assert m["money_by_district"] == {"N": 60, "S": 40}
    assert m["money_by_category"] == {"park": 60, "(none)": 40}


def test_compare_runs_every_rule():
    rows = compare(_small())
    names = {(o.rule, o.completion) for o, _ in rows}
    assert ("mes", "add1") in names and ("phragmen", None) in names and ("max-welfare", None) in names
    assert all(m["budget_used"] <= 100 for _, m in rows)


def test_explanations_round_and_json():
    outcome = tally(election("Netherlands_Assen_2024"))
    data = outcome.to_dict()
    assert data["selected"] == outcome.selected
    for r, pid in enumerate(outcome.selected, start=1):
        exp = outcome.explanations[pid]
        assert exp.funded and exp.round == r
        assert exp.paid == pytest.approx(exp.cost, rel=1e-9)
    losers = [e for e in outcome.explanations.values() if not e.funded]
    assert losers and all(e.round is None for e in losers)


@pytest.mark.parametrize("stem", ["Netherlands_Assen_2024", "Poland_Swiecie_2023", "Switzerland_Zurich_D10"])
def test_cheaper_by_is_enough_to_win(stem):
    """A project left out by MES is funded once it costs a little less than its `needed_cost`."""
    e = election(stem)
    outcome = tally(e, rule="mes", completion="none")
    checked = 0
    for exp in outcome.explanations.values():
        if exp.funded or not exp.needed_cost or exp.needed_cost < 2:
            continue
        cheaper = int(exp.needed_cost) - 1
        projects = [dataclasses.replace(p, cost=cheaper) if p.id == exp.project else p for p in e.instance]
        again = tally(
            Election(Instance(e.instance.budget, projects, e.instance.meta), e.profile),
            rule="mes",
            completion="none",
            explain=False,
        )
        assert exp.project in again.selected
        checked += 1
    assert checked > 0
