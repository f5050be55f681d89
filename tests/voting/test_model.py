"""Building elections from plain Python objects, as the portal does from its database rows."""

from __future__ import annotations

from fractions import Fraction

import pytest

from voting import Ballot, Election, ElectionError, Instance, Profile, Project, tally


def test_costs_and_budget_must_be_whole():
    assert Project("1", 1500.0).cost == 1500
    assert Project("1", "1500").cost == 1500
    assert Project("1", Fraction(3000, 2)).cost == 1500
    for bad in (1500.5, "15x", True, -3):
        with pytest.raises(ElectionError):
            Project("1", bad)
    with pytest.raises(ElectionError):
        Instance(100.25, [])


def test_duplicate_and_unknown_ids():
    with pytest.raises(ElectionError, match="twice"):
        Instance(10, [Project("1", 1), Project("1", 2)])
    inst = Instance(10, {"1": Project("1", 1)})
    with pytest.raises(ElectionError, match="unknown"):
        Election(inst, Profile("approval", [{"1", "2"}]))
    with pytest.raises(ElectionError, match="twice"):
        Profile("ordinal", [["1", "1"]])
    with pytest.raises(ElectionError, match="twice"):
        Profile("approval", [Ballot("v", {"1"}), Ballot("v", {"1"})])
    with pytest.raises(ElectionError, match="negative"):
        Profile("cumulative", [{"1": -1}])


def test_profile_from_plain_choices():
    prof = Profile("cumulative", [{"a": 3, "b": 2}, {"b": 5}])
    assert [b.voter_id for b in prof] == ["1", "2"]
    assert prof.ballots[1].choices == {"b": 5}
    assert len(prof) == 2


def test_by_district_counts_each_district_with_its_budget():
    projects = [
        Project("n1", 60, district="North"),
        Project("n2", 50, district="North"),
        Project("s1", 30, district="South"),
    ]
    inst = Instance(1000, projects, district_budgets={"North": 100, "South": 40})
    prof = Profile("approval", [Ballot("a", {"n1", "s1"}), Ballot("b", {"n2"}), Ballot("c", {"n2", "n1"})])
    parts = Election(inst, prof).by_district()
    assert set(parts) == {"North", "South"}
    assert parts["North"].instance.budget == 100 and len(parts["North"].profile) == 3
    assert parts["South"].instance.budget == 40 and len(parts["South"].profile) == 1
    north = tally(parts["North"], rule="greedy", explain=False)
    assert north.selected == ["n1"]  # both have 2 supporters; n1 first by id; n2 no longer fits
