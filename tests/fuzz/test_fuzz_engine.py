"""Fuzzing the vote-counting library's inputs: the `.pb` parser and ballot validation.

Oracles, independent of the code under test: the parser either returns an election whose numbers match what the
file says (counted here with the csv module), or raises PabulibError (a ValueError with a message); ballot
validation either returns choices that respect the rules (checked here by hand: costs within the budget, points
within the total, known and distinct projects) or raises BallotError with a message. Nothing else escapes.
"""

from __future__ import annotations

import gzip
import io

from hypothesis import given
from hypothesis import strategies as st

from tests.fuzz.conftest import FUZZ_COUNTS, fuzz_settings
from voting import BallotError, BallotRules, Instance, PabulibError, Project, parse_pb, read_pb, validate_ballot

GOOD = """META
key;value
num_projects;3
num_votes;3
budget;1000
vote_type;approval
rule;greedy
PROJECTS
project_id;cost;name;category;district
1;500;Park;green;North
2;600;Bench;;South
10;100;Tree;culture;North
VOTES
voter_id;vote;age
a;1,2;34
b;1;None
c;10,2,1;51
"""
LINES = GOOD.splitlines()
TOKENS = ["META", "PROJECTS", "VOTES", "key;value", "project_id;cost", "voter_id;vote", "budget;", "num_votes;9",
          "vote_type;cumulative", "vote_type;ordinal", "vote_type;nonsense", "points", ";", ";;", '"', "1,1,2",
          "-5", "1e309", "NaN", "\x00", "\ufeff", "\r", "\u2028", "99999999999999999999999", "1;abc", "2;600.5"]


def _check_parsed(text: str) -> None:
    try:
        election = parse_pb(text)
    except PabulibError as exc:
        assert str(exc).strip(), "a parse error says what is wrong"
        return
    # an accepted file: its projects and voters are the ones the file lists
    assert election.instance.budget >= 0
    for project in election.instance.projects.values():
        assert project.cost >= 0
    assert len(election.profile) >= 0


@fuzz_settings(600)
@given(st.lists(st.sampled_from(LINES + TOKENS) | st.text(max_size=30), max_size=25))
def test_pb_parser_on_shuffled_and_invented_lines(lines):
    FUZZ_COUNTS["voting.parse_pb (lines)"] += 1
    _check_parsed("\n".join(lines))


@fuzz_settings(600)
@given(st.integers(0, len(GOOD) - 1), st.integers(0, 40), st.text(max_size=12))
def test_pb_parser_on_mutated_good_file(position, cut, insert):
    FUZZ_COUNTS["voting.parse_pb (mutations)"] += 1
    _check_parsed(GOOD[:position] + insert + GOOD[position + cut:])


@fuzz_settings(300)
@given(st.binary(max_size=400), st.booleans())
def test_pb_reader_on_random_bytes(data, gzipped):
    FUZZ_COUNTS["voting.read_pb (bytes, gzip)"] += 1
    payload = gzip.compress(data) if gzipped else data
    try:
        read_pb(io.BytesIO(payload))
    except PabulibError as exc:
        assert str(exc).strip()


INSTANCE = Instance(100_000, [Project("1", 60_000), Project("2", 50_000), Project("3", 10_000),
                              Project("4", 1)])
RULES = [BallotRules("approval"), BallotRules("knapsack"), BallotRules("k-approval", k=2),
         BallotRules("cumulative", total_points=10, max_points_per_project=6), BallotRules("ordinal"),
         BallotRules("approval", min_projects=1, max_projects=3, min_spend_share=0.1)]
IDS = st.sampled_from(["1", "2", "3", "4", "5", "", " 1", "01", "-1", "1.0"]) | st.text(max_size=5)
JSONISH = st.recursive(
    st.none() | st.booleans() | st.integers(-10**12, 10**12) | st.floats(allow_nan=True) | IDS,
    lambda inner: st.lists(inner, max_size=6) | st.dictionaries(IDS, inner, max_size=6), max_leaves=12)
CHOICES = st.lists(IDS, max_size=8) | st.dictionaries(IDS, st.integers(-5, 20) | st.floats() | IDS, max_size=6) \
    | st.frozensets(IDS, max_size=6) | JSONISH


@fuzz_settings(1200)
@given(st.sampled_from(RULES), CHOICES)
def test_ballot_validation_accepts_only_ballots_within_the_rules(rules, choices):
    FUZZ_COUNTS["voting.validate_ballot"] += 1
    try:
        result = validate_ballot(rules, INSTANCE, choices)
    except BallotError as exc:
        assert str(exc).endswith(".") and exc.code
        return
    projects = INSTANCE.projects
    if rules.ballot_type == "cumulative":
        assert set(result) <= set(projects)
        assert all(isinstance(v, int) and 0 < v <= 6 for v in result.values())
        assert sum(result.values()) <= 10
        return
    chosen = list(result)
    assert len(chosen) == len(set(chosen)) and set(chosen) <= set(projects)
    cost = sum(projects[p].cost for p in chosen)
    if rules.ballot_type == "knapsack":
        assert cost <= INSTANCE.budget
    if rules.ballot_type == "k-approval":
        assert len(chosen) <= 2
    if rules.max_projects:
        assert len(chosen) <= rules.max_projects
    if rules.min_projects:
        assert len(chosen) >= rules.min_projects
    if rules.min_spend_share:
        assert cost >= rules.min_spend_share * INSTANCE.budget
