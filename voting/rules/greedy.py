"""Greedy rules: utilitarian greedy (as pabutools) and the greedy variants cities name in Pabulib's META.

Utilitarian greedy funds projects by decreasing satisfaction per unit of cost, skipping those that no
longer fit. The official variants rank by score (approvals, points, or points by rank for ordinal
ballots): ``greedy`` skips, ``greedy-no-skip`` stops at the first project that does not fit and
``greedy-threshold`` leaves out projects below META ``min_project_score_threshold``.
All comparisons are exact (integers and Fractions); ties go to the project id first as a string.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np

from voting.compiled import Compiled
from voting.model import Election

INF = float("inf")


def greedy_utilitarian(data: Compiled, initial=(), zero_cost_first: bool = False) -> list[int]:
    """Projects (indices) funded by utilitarian greedy, after the `initial` ones, in selection order.

    `zero_cost_first` puts a free project ahead even when nobody supports it (pabutools' general scheme,
    used for Borda satisfaction); otherwise an unsupported project has density 0 (its additive scheme).
    """
    totals = data.mes_totals()
    chosen = set(initial)

    def density(p):
        cost = int(data.costs[p])
        if totals[p] > 0 or (zero_cost_first and cost == 0):
            return INF if cost == 0 else Fraction(totals[p], cost)
        return Fraction(0)

    order = sorted(
        (p for p in range(len(data.ids)) if p not in chosen), key=lambda p: (-density(p), data.rank[p])
    )
    remaining = data.budget - int(sum(int(data.costs[p]) for p in chosen))
    selected = []
    for p in order:
        cost = int(data.costs[p])
        if cost <= remaining:
            selected.append(p)
            remaining -= cost
    return selected


def official_scores(election: Election, data: Compiled) -> np.ndarray:
    """Score of each project as cities count it: approvals; total points; or, for ordinal ballots,
    points by rank (a ballot of max_length L gives L points to its first choice, L-1 to the second...)."""
    prof = election.profile
    k = len(data.ids)
    pos = {pid: i for i, pid in enumerate(data.ids)}
    local = np.array([pos[p] for p in prof.project_ids] or [0], dtype=np.int64)
    items = local[prof._items] if len(prof._items) else np.zeros(0, dtype=np.int64)
    if prof.kind == "approval":
        weights = np.ones(len(items), dtype=np.int64)
    elif prof.kind == "cardinal":
        weights = prof._points
    else:
        lengths = np.diff(prof._offsets)
        position = np.arange(len(items)) - np.repeat(prof._offsets[:-1], lengths)
        top = int(election.instance.meta.get("max_length", lengths.max() if len(lengths) else 0))
        weights = np.maximum(top - position, 0)
    return np.bincount(items, weights=weights, minlength=k).astype(np.int64)


def greedy_by_score(
    data: Compiled, scores: np.ndarray, skip: bool = True, threshold: int | None = None
) -> list[int]:
    """Fund by decreasing score; `skip` passes over a project that does not fit (else stop there);
    projects scoring below `threshold` are not eligible."""
    order = sorted(range(len(data.ids)), key=lambda p: (-int(scores[p]), data.rank[p]))
    remaining = data.budget
    selected = []
    for p in order:
        if threshold is not None and scores[p] < threshold:
            continue
        cost = int(data.costs[p])
        if cost <= remaining:
            selected.append(p)
            remaining -= cost
        elif not skip:
            break
    return selected
