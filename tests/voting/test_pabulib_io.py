"""Reading and writing Pabulib files: round trips, gzip, and errors that name the line."""

from __future__ import annotations

import gzip
import io

import pytest
from pabulib_cases import FIXTURES, STEMS, election

from voting import (
    Ballot,
    Election,
    Instance,
    PabulibError,
    Profile,
    Project,
    dumps_pb,
    parse_pb,
    read_pb,
    write_pb,
)

GOOD = """META
key;value
description;"a ""quoted"" description; with a semicolon"
num_projects;3
num_votes;2
budget;1000
vote_type;cumulative
rule;greedy
PROJECTS
project_id;cost;name;category;district;latitude;longitude;selected;votes
1;500;Park;green,sport;North;52.1;21.0;1;2
2;600.0;"Bench; wooden";None;South;None;None;0;1
10;100;;culture;North;None;None;1;0
VOTES
voter_id;vote;points;age
a;1,2;3,2;34
b;1;5;None
"""


def test_reads_every_field():
    e = parse_pb(GOOD)
    inst, prof = e.instance, e.profile
    assert inst.budget == 1000 and len(inst) == 3
    assert inst.meta["description"] == 'a "quoted" description; with a semicolon'
    p1, p2 = inst["1"], inst["2"]
    assert (p1.cost, p1.name, p1.categories, p1.district, p1.latitude, p1.selected) == (
        500,
        "Park",
        ("green", "sport"),
        "North",
        52.1,
        1,
    )
    assert p2.cost == 600 and p2.name == "Bench; wooden" and p2.categories == () and p2.latitude is None
    assert p1.extra == {"votes": "2"}
    ballots = prof.ballots
    assert ballots[0] == Ballot("a", {"1": 3, "2": 2}, {"age": "34"})
    assert ballots[1] == Ballot("b", {"1": 5}, {})


def test_round_trip_small():
    e = parse_pb(GOOD)
    again = parse_pb(dumps_pb(e))
    assert again.instance == e.instance
    assert again.profile == e.profile


@pytest.mark.parametrize("stem", STEMS)
def test_round_trip_every_fixture(stem):
    e = election(stem)
    text = dumps_pb(e)
    again = parse_pb(text)
    assert again.instance == e.instance
    assert dumps_pb(again) == text
    if len(e.profile) < 5000:
        assert again.profile == e.profile


def test_gzip_path_file_objects(tmp_path):
    e = parse_pb(GOOD)
    write_pb(e, tmp_path / "x.pb.gz")
    assert (tmp_path / "x.pb.gz").read_bytes()[:2] == b"\x1f\x8b"
    assert read_pb(tmp_path / "x.pb.gz").profile == e.profile
    write_pb(e, tmp_path / "x.pb")
    assert read_pb(str(tmp_path / "x.pb")).instance == e.instance
    buffer = io.BytesIO()
    write_pb(e, buffer)
    assert read_pb(io.BytesIO(gzip.compress(buffer.getvalue()))).instance == e.instance
    assert read_pb(io.StringIO(GOOD)).instance == e.instance


def test_fixture_matches_shared_count():
    e = read_pb(FIXTURES / "Netherlands_Assen_2024.pb.gz")
    assert len(e.profile) == 84 and len(e.instance) == 14


def test_built_from_python_objects_round_trips():
    inst = Instance(
        100, [Project("1", 60, "A"), Project("2", 50.0, categories=["x", "y"])], {"rule": "greedy"}
    )
    prof = Profile("ordinal", [Ballot("v1", ["2", "1"], {"sex": "F"}), Ballot("v2", ["1"])])
    e = Election(inst, prof)
    again = parse_pb(dumps_pb(e))
    assert again.instance == e.instance and again.profile == e.profile


def _broken(old: str, new: str) -> str:
    assert old in GOOD
    return GOOD.replace(old, new, 1)


BROKEN = [
    (_broken("1;500;Park", "1;5x0;Park"), 11, "cost"),
    (_broken("1;500;Park", "1;500.5;Park"), 11, "whole number"),
    (_broken("10;100;;culture;North;None;None;1;0", "10;100;;culture"), 13, "fields"),
    (_broken("b;1;5;None", "b;7;5;None"), 17, "unknown project '7'"),
    (_broken("b;1;5;None", "a;1;5;None"), 17, "voter id 'a' appears twice"),
    (_broken("a;1,2;3,2;34", "a;1,2;3;34"), 16, "point value"),
    (_broken("a;1,2;3,2;34", "a;1,1;3,2;34"), 16, "twice"),
    (_broken("b;1;5;None", "b;1;-5;None"), 17, "negative"),
    (_broken("10;100;;", "1;100;;"), 13, "repeated"),
    (_broken("num_votes;2", "num_votes;3"), 5, "num_votes says 3"),
    (_broken("vote_type;cumulative", "vote_type;plurality"), 7, "unknown vote type"),
    (_broken("voter_id;vote;points;age", "voter;vote;points;age"), 15, "voter_id"),
    (_broken("budget;1000", "budget;lots"), 6, "budget"),
    (_broken("VOTES\n", ""), 14, "fields"),
    (GOOD[: GOOD.index("VOTES")], None, "no VOTES"),
    ("PROJECTS\nproject_id;cost\n", 1, "before META"),
    ("hello;world\n", 1, "META"),
]


@pytest.mark.parametrize(("text", "line", "fragment"), BROKEN)
def test_malformed_file_names_line_and_problem(text, line, fragment):
    with pytest.raises(PabulibError) as info:
        parse_pb(text)
    assert info.value.line == line
    assert fragment in str(info.value)
    if line is not None:
        assert str(info.value).startswith(f"line {line}:")


def test_bad_utf8_names_line():
    data = GOOD.encode().replace(b"Park", b"P\xffrk")
    with pytest.raises(PabulibError) as info:
        read_pb(io.BytesIO(data))
    assert info.value.line == 11
