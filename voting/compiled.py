"""The counting form of an election: identical ballots merged, satisfaction per (ballot, project) in arrays.

Rules work on this form, not on Ballot objects. Projects keep the instance order; `rank` gives each
project's place in the tie-breaking order (the id as a string, "10" before "9", as pabutools does).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from voting.errors import RuleError
from voting.model import Election

SATISFACTIONS = {
    "cost": "cost satisfaction: a voter gets the cost of every funded project they support",
    "cardinality": "cardinality satisfaction: a voter gets 1 for every funded project they support",
    "score": "additive score: points (cumulative/scoring), Borda (ordinal), 1 per approval (approval)",
}
_ALIASES = {
    "card": "cardinality",
    "cost": "cost",
    "cardinality": "cardinality",
    "score": "score",
    "borda": "score",
    "points": "score",
}


def sat_name(sat: str) -> str:
    """Normalise a satisfaction name ('card' -> 'cardinality'); RuleError for an unknown one."""
    try:
        return _ALIASES[sat]
    except KeyError:
        raise RuleError(f"unknown satisfaction {sat!r}; expected one of {', '.join(SATISFACTIONS)}") from None


@dataclass
class Compiled:
    """Distinct ballots with multiplicities and, per project, its supporters and their satisfaction."""

    ids: list[str]
    costs: np.ndarray  # int64, per project
    rank: np.ndarray  # int64, tie-breaking rank of each project (0 = wins ties)
    mult: np.ndarray  # int64, per distinct ballot
    num_voters: int
    budget: int
    sup_idx: list[np.ndarray]  # per project: distinct-ballot indices with satisfaction > 0
    sup_sat: list[np.ndarray]  # per project: their satisfaction (int64)
    ballot_ptr: np.ndarray  # CSR over distinct ballots -> (project, sat), sat may be 0
    ballot_proj: np.ndarray
    ballot_sat: np.ndarray

    def mes_totals(self) -> list[int]:
        """Total satisfaction per project (exact ints), cached."""
        cached = self.__dict__.get("_mes_totals")
        if cached is None:
            cached = self.__dict__["_mes_totals"] = [
                int(np.dot(self.mult[i], s)) if len(i) else 0
                for i, s in zip(self.sup_idx, self.sup_sat, strict=True)
            ]
        return cached

    def flat(self) -> tuple:
        """All supporters of all projects, project after project: (pointers per project, distinct
        ballots, their multiplicity and satisfaction as floats), cached."""
        cached = self.__dict__.get("_flat")
        if cached is None:
            ptr = np.zeros(len(self.ids) + 1, dtype=np.int64)
            np.cumsum([len(i) for i in self.sup_idx], out=ptr[1:])
            ballots = np.concatenate(self.sup_idx) if self.ids else np.zeros(0, dtype=np.int64)
            sat = np.concatenate(self.sup_sat) if self.ids else np.zeros(0, dtype=np.int64)
            cached = ptr, ballots, self.mult[ballots].astype(np.float64), sat.astype(np.float64)
            self.__dict__["_flat"] = cached
        return cached

    def mes_arrays(self) -> list[tuple]:
        """Per project: supporters, their multiplicity and satisfaction (floats), total, uniform?"""
        cached = self.__dict__.get("_mes_arrays")
        if cached is None:
            ptr, _, m, s = self.flat()
            bounds = ptr.tolist()
            cached = []
            for p, (idx, sat, total) in enumerate(zip(self.sup_idx, self.sup_sat, self.mes_totals(), strict=True)):
                uniform = bool(len(sat) == 0 or (sat == sat[0]).all())
                span = slice(bounds[p], bounds[p + 1])
                cached.append((idx, m[span], s[span], float(total), uniform))
            self.__dict__["_mes_arrays"] = cached
        return cached

    def total_sat(self) -> np.ndarray:
        """Total satisfaction of each project over all voters (int, Python objects to avoid overflow)."""
        return np.array(
            [
                int((self.mult[i] * s).sum()) if len(i) else 0
                for i, s in zip(self.sup_idx, self.sup_sat, strict=True)
            ],
            dtype=object,
        )

    def supporters(self) -> np.ndarray:
        """Number of voters whose ballot names each project (with satisfaction > 0)."""
        return np.array([int(self.mult[i].sum()) for i in self.sup_idx], dtype=np.int64)


def compile_election(election: Election, sat: str = "cost") -> Compiled:
    """The counting form of an election for a satisfaction ('cost', 'cardinality', 'score').

    Cached on the election (rules and explanations of one count ask for it several times); the cache
    is checked against the projects, their costs, the budget and the profile, so an election changed
    afterwards is compiled again. Callers must not modify the result (copy it with
    ``dataclasses.replace``, as custom tie-breaking does).
    """
    sat = sat_name(sat)
    inst, prof = election.instance, election.profile
    ids = list(inst.projects)
    key = (
        tuple(ids),
        tuple(p.cost for p in inst.projects.values()),
        inst.budget,
        id(prof),
        id(prof._items),
        len(prof),
    )
    cache = election.__dict__.setdefault("_compiled", {})
    if cache.get("key") != key:
        cache.clear()
        cache["key"] = key
        cache["distinct"] = _distinct_ballots(ids, prof)
    if sat not in cache:
        cache[sat] = _compile(inst, prof, ids, sat, cache["distinct"])
    return cache[sat]


def _distinct_ballots(ids: list[str], prof) -> tuple:
    """Identical ballots merged: (multiplicity, CSR pointers, project index, points or None, position).

    Approval and cardinal ballots are compared as sets (sorted by project), ordinal ones in order. Rows
    are grouped by a 64-bit hash and then compared entry by entry, so a hash collision cannot merge two
    different ballots (it would fall back to a plain sort of the rows).
    """
    pos = {pid: i for i, pid in enumerate(ids)}
    local_to_inst = np.array([pos[p] for p in prof.project_ids] or [0], dtype=np.int32)
    n = len(prof)
    offsets = np.asarray(prof._offsets, dtype=np.int64)
    lengths = np.diff(offsets)
    index = np.int32 if len(prof._items) < 2**31 else np.int64  # entries are counted in int32 when they fit
    items = local_to_inst[prof._items] if len(prof._items) else np.zeros(0, dtype=np.int32)
    points = np.asarray(prof._points, dtype=np.int64) if prof.kind == "cardinal" else None
    ballot_of = np.repeat(np.arange(n, dtype=index), lengths)
    if prof.kind != "ordinal" and len(items) > 1:  # sets: sort each ballot by project (if not yet)
        unsorted = (items[1:] <= items[:-1]) & (ballot_of[1:] == ballot_of[:-1])
        if unsorted.any():
            order = np.argsort(ballot_of.astype(np.int64) * (len(ids) + 1) + items, kind="stable")
            items = items[order]
            if points is not None:
                points = points[order]
            del order
        del unsorted
    position = np.arange(len(items), dtype=index) - np.repeat(offsets[:-1].astype(index), lengths)
    word = _random_words(len(ids) + 1, 1)
    mix = word[items]
    if points is not None:
        mix *= points.astype(np.uint64) * np.uint64(0x9E3779B97F4A7C15) + np.uint64(1)
    elif prof.kind == "ordinal":
        mix *= _random_words(int(lengths.max()) + 1 if n else 1, 2)[position]
    with np.errstate(over="ignore"):
        total = np.zeros(len(items) + 1, dtype=np.uint64)
        np.cumsum(mix, out=total[1:])
        del mix
        h = total[offsets[1:]] - total[offsets[:-1]] + lengths.astype(np.uint64) * word[-1]
        del total
    if n:
        _, first, inverse, counts = np.unique(h, return_index=True, return_inverse=True, return_counts=True)
    else:
        first = inverse = counts = np.zeros(0, dtype=np.int64)
    del h
    rep = first[inverse]  # each ballot's representative: the first ballot with its hash
    del inverse
    same = (lengths[rep] == lengths).all()
    if same and len(items):
        other = offsets[rep].astype(index)[ballot_of]
        other += position
        same = (items[other] == items).all() and (points is None or (points[other] == points).all())
        del other
    del rep, ballot_of
    if not same:  # a 64-bit hash collision: group by sorting the rows instead
        return _distinct_by_sort(items, points, offsets, lengths, position, prof.kind)
    order = np.argsort(first, kind="stable")  # distinct ballots in order of first appearance
    reps, mult = first[order], counts[order].astype(np.int64)
    d_len = lengths[reps]
    d_ptr = np.zeros(len(reps) + 1, dtype=np.int64)
    np.cumsum(d_len, out=d_ptr[1:])
    at = np.repeat(offsets[reps] - d_ptr[:-1], d_len) + np.arange(int(d_ptr[-1]))
    return mult, d_ptr, items[at].astype(np.int64), None if points is None else points[at], position[at]


_WORDS: dict[tuple[int, int], np.ndarray] = {}


def _random_words(count: int, stream: int) -> np.ndarray:
    """Odd random 64-bit words from a fixed seed (the same grouping on every run)."""
    size = 1 << max(8, (count - 1).bit_length())
    words = _WORDS.get((stream, size))
    if words is None:
        rng = np.random.default_rng([20240611, stream, size])
        words = _WORDS[stream, size] = rng.integers(1, 2**63, size=size, dtype=np.uint64) | np.uint64(1)
    return words[:count]


def _distinct_by_sort(items, points, offsets, lengths, position, kind):
    n = len(lengths)
    width = max(int(lengths.max()) if n else 0, 1)
    rows = np.repeat(np.arange(n), lengths)
    key = np.full((n, width * (2 if points is not None else 1)), -1, dtype=np.int64)
    key[rows, position] = items
    if points is not None:
        key[rows, width + position] = points
    uniq, counts = np.unique(key, axis=0, return_counts=True)
    valid = uniq[:, :width] >= 0
    d_len = valid.sum(axis=1)
    d_ptr = np.zeros(len(uniq) + 1, dtype=np.int64)
    np.cumsum(d_len, out=d_ptr[1:])
    d_pos = np.broadcast_to(np.arange(width), (len(uniq), width))[valid]
    d_pts = uniq[:, width:][valid] if points is not None else None
    return counts.astype(np.int64), d_ptr, uniq[:, :width][valid], d_pts, d_pos


def _compile(inst, prof, ids: list[str], sat: str, distinct: tuple) -> Compiled:
    mult, ptr, b_proj, b_pts, b_pos = distinct
    costs = np.array([inst.projects[p].cost for p in ids], dtype=np.int64)
    order = sorted(range(len(ids)), key=lambda i: ids[i])
    rank = np.empty(len(ids), dtype=np.int64)
    rank[order] = np.arange(len(ids))
    k = len(mult)
    b_len = np.diff(ptr)
    b_rows = np.repeat(np.arange(k), b_len)
    if sat == "cost":
        b_sat = costs[b_proj]
    elif sat == "cardinality" or prof.kind == "approval":
        b_sat = np.ones(len(b_proj), dtype=np.int64)
    elif prof.kind == "cardinal":
        b_sat = b_pts
    else:  # ordinal Borda: ballot length minus position minus one, as pabutools' Additive_Borda_Sat
        b_sat = np.repeat(b_len, b_len) - b_pos - 1
    b_sat = np.asarray(b_sat, dtype=np.int64)
    positive = b_sat > 0
    by_proj = np.argsort(b_proj[positive].astype(np.int16 if len(ids) < 32767 else np.int64), kind="stable")
    pr = b_proj[positive][by_proj]
    rw = b_rows[positive][by_proj]
    st = b_sat[positive][by_proj]
    bounds = np.searchsorted(pr, np.arange(len(ids) + 1))
    sup_idx = [rw[bounds[p] : bounds[p + 1]] for p in range(len(ids))]
    sup_sat = [st[bounds[p] : bounds[p + 1]] for p in range(len(ids))]
    return Compiled(
        ids, costs, rank, mult, len(prof), inst.budget, sup_idx, sup_sat, ptr, b_proj.astype(np.int64), b_sat
    )


def require_kind(election: Election, kinds: tuple[str, ...], rule: str) -> None:
    """RuleError unless the profile's ballots are of one of the given kinds."""
    if election.profile.kind not in kinds:
        raise RuleError(f"rule {rule!r} needs {' or '.join(kinds)} ballots, not {election.profile.vote_type}")
