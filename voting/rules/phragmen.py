"""Sequential Phragmén for approval ballots, as pabutools computes it.

Funding a project puts a load on its supporters; each round funds the project that keeps the largest
load of its supporters lowest, new max load = (their loads + cost) / number of supporters. The rule
stops at the first best project that no longer fits (it does not skip). Floats search, and any two
loads within a relative 1e-9 are compared exactly from the exact loads kept per round (Fractions).
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np

from voting.compiled import Compiled

TOL = 1e-9
INF = float("inf")


def sequential_phragmen(data: Compiled, initial=()) -> list[int]:
    """Projects (indices) funded by sequential Phragmén after `initial`, in selection order."""
    P = len(data.ids)
    K = len(data.mult)
    chosen = set(initial)
    spent = int(sum(int(data.costs[p]) for p in chosen))
    counts = data.supporters()
    nnz_proj = np.concatenate(
        [np.full(len(i), p, dtype=np.int64) for p, i in enumerate(data.sup_idx)]
        or [np.zeros(0, dtype=np.int64)]
    )
    nnz_ballot = np.concatenate(data.sup_idx or [np.zeros(0, dtype=np.int64)])
    nnz_mult = data.mult[nnz_ballot].astype(np.float64)
    remaining = np.array([p not in chosen and data.costs[p] <= data.budget for p in range(P)])
    load = np.zeros(K)
    last = np.full(K, -1, dtype=np.int64)  # round whose load a ballot carries (-1: none)
    exact_loads: list[Fraction] = []
    selected: list[int] = []
    costs_f = data.costs.astype(np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        while remaining.any():
            sums = np.bincount(nnz_proj, weights=nnz_mult * load[nnz_ballot], minlength=P)
            new = np.where(counts > 0, (sums + costs_f) / counts, INF)
            new[~remaining] = np.nan
            best = np.nanmin(new)
            if best == INF:
                tied = np.flatnonzero(remaining & (counts == 0))
                exact_best = None
            else:
                tied = np.flatnonzero(remaining & (new <= best * (1 + TOL)))
                if len(tied) > 1:
                    values = {int(p): _exact_new_load(data, int(p), last, exact_loads) for p in tied}
                    exact_best = min(values.values())
                    tied = np.array([p for p, v in values.items() if v == exact_best], dtype=np.int64)
                else:
                    exact_best = _exact_new_load(data, int(tied[0]), last, exact_loads)
            if any(spent + int(data.costs[p]) > data.budget for p in tied):
                break
            p = int(min(tied, key=lambda q: data.rank[q]))
            selected.append(p)
            spent += int(data.costs[p])
            remaining[p] = False
            idx = data.sup_idx[p]
            if exact_best is not None:
                t = len(exact_loads)
                exact_loads.append(exact_best)
                load[idx] = float(exact_best)
                last[idx] = t
    return selected


def _exact_new_load(data: Compiled, p: int, last: np.ndarray, exact_loads: list[Fraction]) -> Fraction:
    """(exact sum of the supporters' loads + cost) / number of supporters."""
    idx = data.sup_idx[p]
    m = data.mult[idx]
    rounds = last[idx]
    carrying = rounds >= 0
    total = Fraction(int(data.costs[p]))
    if carrying.any():
        weights = np.zeros(len(exact_loads), dtype=np.int64)
        np.add.at(weights, rounds[carrying], m[carrying])
        for t in np.flatnonzero(weights).tolist():
            total += exact_loads[t] * int(weights[t])
    return total / int(m.sum())
