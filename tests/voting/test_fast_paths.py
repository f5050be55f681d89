"""The fast paths give what the plain paths give: column-wise reading of VOTES against the row-by-row
csv reader, hashed merging of identical ballots against a plain dictionary, and the cached counting
form against a fresh one."""

from __future__ import annotations

import gzip
from collections import Counter

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pabulib_cases import FIXTURES, STEMS

import voting.compiled as compiled
import voting.pabulib as pabulib
from voting import Ballot, Election, Instance, PabulibError, Profile, Project, parse_pb, tally
from voting.compiled import compile_election

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _parse(text: str, fast: bool, monkeypatch) -> Election | str:
    monkeypatch.setattr(pabulib, "FAST_VOTES", fast)
    try:
        return parse_pb(text)
    except PabulibError as exc:
        return f"error {exc.line}: {exc}"


def _same(a, b) -> None:
    if isinstance(a, str) or isinstance(b, str):
        assert a == b
        return
    assert a.instance == b.instance
    pa, pb = a.profile, b.profile
    assert (pa.vote_type, pa.project_ids, pa.voter_ids) == (pb.vote_type, pb.project_ids, pb.voter_ids)
    assert np.array_equal(pa._offsets, pb._offsets) and np.array_equal(pa._items, pb._items)
    assert (pa._points is None) == (pb._points is None)
    if pa._points is not None:
        assert np.array_equal(pa._points, pb._points)
    assert list(pa.extra_columns.items()) == list(pb.extra_columns.items())


@pytest.mark.parametrize("stem", STEMS)
def test_votes_read_column_wise_equal_row_by_row(stem, monkeypatch):
    text = gzip.decompress((FIXTURES / f"{stem}.pb.gz").read_bytes()).decode("utf-8-sig")
    used = []
    original = pabulib._fast_votes
    monkeypatch.setattr(pabulib, "_fast_votes", lambda *a: used.append(original(*a)) or used[-1])
    fast = _parse(text, True, monkeypatch)
    assert used == [True]  # every real file takes the fast path
    _same(fast, _parse(text, False, monkeypatch))


HEAD = """META
key;value
budget;100
vote_type;{vote_type}
PROJECTS
project_id;cost
1;10
2;20
10;30
VOTES
voter_id;vote{points_header};age;district
"""

FIELD = st.sampled_from(["1", "2", "10", " 1", "2 ", "7", "None", "none", "", "1,2", "2,10", "1, 2", "1,1", '"1,2"'])
POINTS = st.sampled_from(["3", "1,2", "0", "-1", "2.0", " 4", "None", "", "5,5", "x"])
EXTRA = st.sampled_from(["34", "None", "", " 20 ", "Stare Miasto", "NONE", "a\u00a0", '"q;r"', '"Wola"'])


@st.composite
def pb_texts(draw):
    vote_type = draw(st.sampled_from(["approval", "cumulative", "ordinal"]))
    cardinal = vote_type == "cumulative"
    text = HEAD.format(vote_type=vote_type, points_header=";points" if cardinal else "")
    rows = []
    for v in range(draw(st.integers(0, 6))):
        voter = draw(st.sampled_from([f"v{v}", f"v{v}", " v9", "v0", ""]))
        fields = [voter, draw(FIELD)] + ([draw(POINTS)] if cardinal else []) + [draw(EXTRA), draw(EXTRA)]
        if draw(st.integers(0, 9)) == 0:
            fields = fields[:-1]  # a short row
        rows.append(";".join(fields))
    if rows and draw(st.booleans()):
        rows.insert(draw(st.integers(0, len(rows))), "")  # a blank line
    text += "\n".join(rows) + draw(st.sampled_from(["", "\n"]))
    return text.replace("\n", "\r\n") if draw(st.booleans()) else text


@SETTINGS
@given(pb_texts())
def test_generated_files_read_the_same_both_ways(text):
    with pytest.MonkeyPatch.context() as monkeypatch:
        fast = _parse(text, True, monkeypatch)
        slow = _parse(text, False, monkeypatch)
    if isinstance(fast, Election) and isinstance(slow, Election):
        _same(fast, slow)
    else:
        assert fast == slow


def test_extra_columns_in_order_of_their_first_value(monkeypatch):
    text = HEAD.format(vote_type="approval", points_header="") + "v1;1;None;North\nv2;2;34;None\nv3;10;None;None\n"
    fast, slow = _parse(text, True, monkeypatch), _parse(text, False, monkeypatch)
    _same(fast, slow)
    assert list(fast.profile.extra_columns) == ["district", "age"]
    assert fast.profile.extra_columns["age"] == [None, "34", None]


def test_quoted_fields_are_read_as_csv_reads_them(monkeypatch):
    for rows, district in (('v1;1;34;"Wola"\nv2;2;5;None\n', ["Wola", None]), ('v1;"1,2";34;"a;b"\n', ["a;b"])):
        text = HEAD.format(vote_type="approval", points_header="") + rows
        fast = _parse(text, True, monkeypatch)
        _same(fast, _parse(text, False, monkeypatch))
        assert fast.profile.extra_columns["district"] == district


def _naive_groups(election: Election) -> Counter:
    prof = election.profile
    groups = Counter()
    for ballot in prof:
        choices = ballot.choices
        if isinstance(choices, frozenset):
            key = tuple(sorted(choices))
        elif isinstance(choices, dict):
            key = tuple(sorted(choices.items()))
        else:
            key = tuple(choices)
        groups[key] += 1
    return groups


def _compiled_groups(election: Election) -> Counter:
    data = compile_election(election, "score")
    groups = Counter()
    for b in range(len(data.mult)):
        lo, hi = data.ballot_ptr[b], data.ballot_ptr[b + 1]
        ids = [data.ids[p] for p in data.ballot_proj[lo:hi]]
        if election.profile.kind == "approval":
            key = tuple(sorted(ids))
        elif election.profile.kind == "cardinal":
            key = tuple(sorted(zip(ids, (int(x) for x in data.ballot_sat[lo:hi]), strict=True)))
        else:
            key = tuple(ids)
        groups[key] += int(data.mult[b])
    return groups


@st.composite
def elections(draw):
    vote_type = draw(st.sampled_from(["approval", "cumulative", "ordinal"]))
    ids = ["1", "2", "10", "x"]
    ballots = []
    for v in range(draw(st.integers(0, 12))):
        chosen = draw(st.lists(st.sampled_from(ids), max_size=4, unique=True))
        if vote_type == "approval":
            choices = set(chosen)
        elif vote_type == "ordinal":
            choices = chosen
        else:
            choices = {p: draw(st.integers(1, 3)) for p in chosen}
        ballots.append(Ballot(f"v{v}", choices))
    projects = [Project(p, 10) for p in ids]
    return Election(Instance(50, projects), Profile(vote_type, ballots))


@SETTINGS
@given(elections())
def test_identical_ballots_are_merged_exactly(e):
    assert _compiled_groups(e) == _naive_groups(e)


@SETTINGS
@given(elections())
def test_hash_collisions_fall_back_to_sorting(e):
    with pytest.MonkeyPatch.context() as monkeypatch:
        monkeypatch.setattr(compiled, "_random_words", lambda count, stream: np.ones(count, dtype=np.uint64))
        assert _compiled_groups(Election(e.instance, e.profile)) == _naive_groups(e)


def test_cached_counting_form_follows_changes():
    ballots = [Ballot("a", {"1"}), Ballot("b", {"1", "2"}), Ballot("c", {"2"})]
    e = Election(Instance(60, [Project("1", 40), Project("2", 40)]), Profile("approval", ballots))
    first = tally(e, rule="greedy", explain=False).selected
    assert compile_election(e, "cost") is compile_election(e, "cost")
    e.instance.projects["2"].cost = 10
    assert compile_election(e, "cost").costs.tolist() == [40, 10]
    assert tally(e, rule="greedy", explain=False).selected == ["1", "2"] != first
    e.instance.budget = 30
    assert tally(e, rule="greedy", explain=False).selected == ["2"]


def test_custom_tie_breaking_does_not_leak_into_the_cache():
    ballots = [Ballot("a", {"1"}), Ballot("b", {"2"})]
    e = Election(Instance(10, [Project("1", 10), Project("2", 10)]), Profile("approval", ballots))
    assert tally(e, rule="greedy", tie_breaking=["2", "1"], explain=False).selected == ["2"]
    assert tally(e, rule="greedy", explain=False).selected == ["1"]
    both = Election(e.instance, Profile("approval", [Ballot("a", {"1", "2"}), Ballot("b", {"1", "2"})]))
    assert tally(both, rule="mes", completion="add1", tie_breaking=["2"], explain=False).selected == ["2"]
    assert tally(both, rule="mes", completion="add1", explain=False).selected == ["1"]
