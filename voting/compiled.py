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

    def mes_arrays(self) -> list[tuple]:
        """Per project: supporters, their multiplicity and satisfaction (floats), total, uniform?"""
        cached = self.__dict__.get("_mes_arrays")
        if cached is None:
            cached = []
            for idx, sat, total in zip(self.sup_idx, self.sup_sat, self.mes_totals(), strict=True):
                s = sat.astype(np.float64)
                uniform = bool(len(sat) == 0 or (sat == sat[0]).all())
                cached.append((idx, self.mult[idx].astype(np.float64), s, float(total), uniform))
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
    """Turn an election into its counting form for the given satisfaction ('cost', 'cardinality', 'score')."""
    sat = sat_name(sat)
    inst, prof = election.instance, election.profile
    ids = list(inst.projects)
    pos = {pid: i for i, pid in enumerate(ids)}
    costs = np.array([inst.projects[p].cost for p in ids], dtype=np.int64)
    order = sorted(range(len(ids)), key=lambda i: ids[i])
    rank = np.empty(len(ids), dtype=np.int64)
    rank[order] = np.arange(len(ids))
    local_to_inst = np.array([pos[p] for p in prof.project_ids] or [0], dtype=np.int64)

    n = len(prof)
    offsets = prof._offsets
    lengths = np.diff(offsets)
    width = int(lengths.max()) if n else 0
    items = local_to_inst[prof._items] if len(prof._items) else np.zeros(0, dtype=np.int64)
    rows = np.repeat(np.arange(n), lengths)
    cols = np.arange(len(items)) - np.repeat(offsets[:-1], lengths)
    key = np.full((n, max(width, 1)), -1, dtype=np.int64)
    key[rows, cols] = items
    if prof.kind == "cardinal":
        pts = np.full((n, max(width, 1)), -1, dtype=np.int64)
        pts[rows, cols] = prof._points
        if width:
            order_in_row = np.argsort(key, axis=1, kind="stable")
            key = np.take_along_axis(key, order_in_row, axis=1)
            pts = np.take_along_axis(pts, order_in_row, axis=1)
        key = np.hstack([key, pts])
    elif prof.kind == "approval":
        key.sort(axis=1)
    if n:
        uniq, inverse, counts = np.unique(key, axis=0, return_inverse=True, return_counts=True)
    else:
        uniq, counts = key[:0], np.zeros(0, dtype=np.int64)
    del inverse
    m = counts.astype(np.int64)
    k = uniq.shape[0]
    proj_part = uniq[:, : max(width, 1)]
    valid = proj_part >= 0
    b_len = valid.sum(axis=1)
    b_rows = np.repeat(np.arange(k), b_len)
    b_proj = proj_part[valid]
    if sat == "cost":
        b_sat = costs[b_proj]
    elif sat == "cardinality" or prof.kind == "approval":
        b_sat = np.ones(len(b_proj), dtype=np.int64)
    elif prof.kind == "cardinal":
        b_sat = uniq[:, max(width, 1) :][valid]
    else:  # ordinal Borda: ballot length minus position minus one, as pabutools' Additive_Borda_Sat
        cols_u = np.broadcast_to(np.arange(proj_part.shape[1]), proj_part.shape)[valid]
        b_sat = np.repeat(b_len, b_len) - cols_u - 1
    b_sat = b_sat.astype(np.int64)
    ptr = np.zeros(k + 1, dtype=np.int64)
    np.cumsum(b_len, out=ptr[1:])
    positive = b_sat > 0
    by_proj = np.argsort(b_proj[positive], kind="stable")
    pr = b_proj[positive][by_proj]
    rw = b_rows[positive][by_proj]
    st = b_sat[positive][by_proj]
    bounds = np.searchsorted(pr, np.arange(len(ids) + 1))
    sup_idx = [rw[bounds[p] : bounds[p + 1]] for p in range(len(ids))]
    sup_sat = [st[bounds[p] : bounds[p + 1]] for p in range(len(ids))]
    return Compiled(
        ids, costs, rank, m, n, inst.budget, sup_idx, sup_sat, ptr, b_proj.astype(np.int64), b_sat
    )


def require_kind(election: Election, kinds: tuple[str, ...], rule: str) -> None:
    """RuleError unless the profile's ballots are of one of the given kinds."""
    if election.profile.kind not in kinds:
        raise RuleError(f"rule {rule!r} needs {' or '.join(kinds)} ballots, not {election.profile.vote_type}")
