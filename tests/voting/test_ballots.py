"""Ballot validation the portal's ballot page reuses: clear messages, codes and params, nothing changed."""

from __future__ import annotations

import pytest

from voting import BallotError, BallotRules, Instance, Project, validate_ballot

INST = Instance(100_000, [Project("1", 60_000), Project("2", 50_000), Project("3", 10_000)])


def test_knapsack_over_budget_message():
    with pytest.raises(BallotError) as info:
        validate_ballot(BallotRules("knapsack"), INST, ["1", "2", "3"])
    assert str(info.value) == "Your ballot costs 120,000 but the budget is 100,000."
    assert info.value.code == "over_budget"
    assert info.value.params == {"cost": 120_000, "budget": 100_000}
    assert validate_ballot(BallotRules("knapsack"), INST, ["1", "3"]) == frozenset({"1", "3"})


@pytest.mark.parametrize(
    ("rules", "choices", "code"),
    [
        (BallotRules("approval"), ["9"], "unknown_project"),
        (BallotRules("approval"), ["1", "1"], "duplicate_project"),
        (BallotRules("k-approval", k=2), ["1", "2", "3"], "too_many_projects"),
        (BallotRules("approval", min_projects=2), ["1"], "too_few_projects"),
        (BallotRules("approval", max_projects=1), ["1", "3"], "too_many_projects"),
        (BallotRules("cumulative", total_points=5), {"1": 3, "2": 3}, "too_many_points"),
        (BallotRules("cumulative", total_points=5), {"1": -1}, "negative_points"),
        (BallotRules("cumulative", total_points=5), {"1": 1.5}, "bad_points"),
        (
            BallotRules("cumulative", total_points=9, max_points_per_project=3),
            {"1": 4},
            "too_many_points_project",
        ),
        (BallotRules("approval", min_spend_share=0.5), ["3"], "under_min_spend"),
        (BallotRules("ordinal"), "1,2", "bad_format"),
        (BallotRules("cumulative", total_points=5), ["1"], "bad_format"),
    ],
)
def test_invalid_ballots(rules, choices, code):
    with pytest.raises(BallotError) as info:
        validate_ballot(rules, INST, choices)
    assert info.value.code == code
    assert isinstance(info.value, ValueError)
    assert str(info.value).endswith(".")


def test_valid_ballots_are_normalised():
    assert validate_ballot(BallotRules("ordinal"), INST, ["3", "1"]) == ("3", "1")
    assert validate_ballot(BallotRules("cumulative", total_points=5), INST, {"1": 3, "2": 0, "3": 2.0}) == {
        "1": 3,
        "3": 2,
    }
    choices = {"1", "3"}
    validate_ballot(BallotRules("k-approval", k=2), INST, choices)
    assert choices == {"1", "3"}


def test_rules_themselves_are_checked():
    with pytest.raises(ValueError):
        BallotRules("plurality")
    with pytest.raises(ValueError):
        BallotRules("k-approval")
    with pytest.raises(ValueError):
        BallotRules("approval", min_spend_share=2)
