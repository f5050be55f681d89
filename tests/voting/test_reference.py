"""Every rule both engines implement gives pabutools' outcome on every stored Pabulib instance."""

from __future__ import annotations

import pytest
from pabulib_cases import STEMS, election, reference

from voting import tally
from voting.compiled import compile_election

# reference key -> (tally arguments, whether pabutools' order is a selection order to compare)
RULES = {
    "greedy_cost": ({"rule": "greedy", "sat": "cost"}, True),
    "greedy_card": ({"rule": "greedy", "sat": "cardinality"}, True),
    "greedy_score": ({"rule": "greedy", "sat": "score"}, True),
    "mes_cost": ({"rule": "mes", "completion": "none"}, True),
    "mes_card": ({"rule": "mes", "completion": "none", "sat": "cardinality"}, True),
    "mes_score": ({"rule": "mes", "completion": "none", "sat": "score"}, True),
    "mes_cost_add1_noexh": ({"rule": "mes", "completion": "add1"}, True),
    "mes_cost_add1noexh_greedy": ({"rule": "mes", "completion": "add1-greedy"}, True),
    "mes_cost_budget_increase": ({"rule": "mes", "completion": "budget-increase"}, True),
    "mes_cost_phragmen": (
        {"rule": "mes", "completion": "phragmen"},
        False,
    ),  # pabutools sorts Phragmén's output
    "phragmen": ({"rule": "phragmen"}, False),
}
SLOW = {
    ("France_Toulouse_2022", "mes_cost_add1_noexh"),
    ("France_Toulouse_2022", "mes_cost_add1noexh_greedy"),
    ("Poland_Warszawa_2023_Mokotow", "mes_cost_add1_noexh"),
    ("Poland_Warszawa_2023_Mokotow", "mes_cost_add1noexh_greedy"),
}

CASES = []
for _stem in STEMS:
    for _key in RULES:
        _entry = reference(_stem).get(_key)
        if _entry and "selected" in _entry:
            marks = [pytest.mark.slow] if (_stem, _key) in SLOW else []
            CASES.append(pytest.param(_stem, _key, id=f"{_stem}-{_key}", marks=marks))


@pytest.mark.parametrize(("stem", "key"), CASES)
def test_same_outcome_as_pabutools(stem, key):
    kwargs, ordered = RULES[key]
    expected = reference(stem)[key]["selected"]
    outcome = tally(election(stem), explain=False, **kwargs)
    assert sorted(outcome.selected) == sorted(expected)
    if ordered:
        assert outcome.selected == expected
    assert outcome.total_cost == int(reference(stem)[key]["total_cost"])


@pytest.mark.parametrize("stem", [s for s in STEMS if "selected" in reference(s).get("maxwelfare_cost", {})])
def test_max_welfare_reaches_pabutools_optimum(stem):
    """The knapsack optimum is the same value; the set too where pabutools' solver found the same one."""
    outcome = tally(election(stem), rule="max-welfare", explain=False)
    data = compile_election(election(stem), "cost")
    totals = dict(zip(data.ids, data.mes_totals(), strict=True))
    expected = reference(stem)["maxwelfare_cost"]["selected"]
    assert sum(totals[p] for p in outcome.selected) == sum(totals[p] for p in expected)
    assert outcome.total_cost <= election(stem).instance.budget
    assert sorted(outcome.selected) == sorted(expected)


def test_every_instance_has_references():
    assert len(STEMS) == 22
    assert len(CASES) > 150
