"""Many runs of the Method of Equal Shares at once, one per starting budget, with exact decisions.

The add1 and budget-increase completions run MES for a whole range of starting budgets. Runs whose
budgets are close make the same choices for many rounds, so they are computed together: a *group* holds
the runs that agree so far, one column per run in a (distinct ballots x runs) matrix of budgets. Where
runs choose differently the group splits, one group per choice.

Within a group, every voter has at least as much money in a richer run as in a poorer one (same funded
projects so far, and paying min(budget, rho * sat) keeps that order), so every rho is lowest in the
richest run, the *lead*. Rounds are computed in the lead run with pabutools' lazy evaluation (a rho only
grows from round to round, so an old value is a lower bound; it even stays exact while no funded
project shares a supporter with it). Those values are lower bounds in every other run of the group:
only the lead's winner is then evaluated in all runs, and only the rivals whose bound does not exceed
the winner's rho in the poorest run are compared run by run. Not even those when they cannot win: a
twin of the winner (same supporters, satisfaction and cost: the same rho everywhere) with a later id,
or, when the winner's supporters are all clearly rich in every run (its rho is then exactly cost /
total satisfaction), a project whose own cost / total satisfaction, a lower bound of its rho, is
larger, or equal with a later id.

Decisions are those of :func:`voting.rules.mes.run_mes`: floats decide only with a relative margin of
``TOL``. A run that meets a closer call leaves its group and is recomputed alone by ``run_mes``, which
decides it in exact rational arithmetic. Near-ties are decided here exactly when each tied project's
supporters are either clearly rich or have exactly nothing left: its rho is then exactly
cost / (satisfaction of the supporters with money). "Exactly nothing" is a budget of 0.0, which only a
clearly poor payer gets (a run where a payer's budget is within ``TOL`` of its share goes to the exact
path), so 0.0 in floats is 0 exactly.

Certificates (``certify=True``) prove that neighbouring runs b < b' give the same outcome for every
budget in between: along the same funded order no voter has less money at a budget in between than at
b, nor more than at b', so if at every round every rival's rho (or its lower bound) at b' stays above
the winner's rho at b, by the margin ``TOL``, the winner is the same. An exact tie is allowed when the
winner's supporters are all clearly rich at b: its rho is then cost / total satisfaction at every budget
from b up, and no rho is ever below its own cost / total satisfaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from voting.compiled import Compiled

TOL = 1e-9
INF = float("inf")
DONE, EXCEEDED, EXACT = 0, 1, 2


class _Prep:
    """Per-project arrays in floats, the exact order of cost / total satisfaction, and overlaps."""

    def __init__(self, d: Compiled):
        P = len(d.ids)
        totals = d.mes_totals()
        self.rank = d.rank
        self.mult, self.sat = d.mult, d.sup_sat
        self.idx = d.sup_idx
        # all supporters of all projects, project after project; per project views into them
        self.ptr, self.sup_all, self.m_all, self.s_all = d.flat()
        self.ms_all = self.m_all * self.s_all
        bounds = self.ptr.tolist()
        self.m = [self.m_all[a:b] for a, b in zip(bounds, bounds[1:], strict=False)]
        self.s = [self.s_all[a:b] for a, b in zip(bounds, bounds[1:], strict=False)]
        self.ms = [self.ms_all[a:b] for a, b in zip(bounds, bounds[1:], strict=False)]
        self.uniform = [bool(len(s) == 0 or (s == s[0]).all()) for s in d.sup_sat]
        self.s0 = [float(s[0]) if len(s) else 1.0 for s in d.sup_sat]
        self.scol = [s[:, None] for s in self.s]
        self.tot = [float(t) for t in totals]
        self.cost = [int(c) for c in d.costs]
        self.costf = [float(c) for c in d.costs]
        self.rho0 = [c / t if t > 0 else INF for c, t in zip(self.costf, self.tot, strict=True)]
        order = sorted(
            (p for p in range(P) if totals[p] > 0),
            key=lambda p: (Fraction(self.cost[p], totals[p]), int(d.rank[p])),
        )
        self.key = np.full(P, P, dtype=np.int64)
        self.key[order] = np.arange(len(order))
        self.overlap = _overlap(d)
        self.rho0_arr = np.array(self.rho0, dtype=np.float64)
        self.cost_arr = np.array(self.costf, dtype=np.float64)
        self.apart = ~self.overlap
        # twins: same cost, supporters and satisfaction, hence the same rho in every run (ties by id)
        self.twin = np.arange(P, dtype=np.int64)
        first: dict = {}
        for p in range(P):
            idx, sat = d.sup_idx[p], d.sup_sat[p]
            q = first.setdefault((self.cost[p], len(idx), hash(idx.tobytes()), hash(sat.tobytes())), p)
            if q != p and np.array_equal(idx, d.sup_idx[q]) and np.array_equal(sat, d.sup_sat[q]):
                self.twin[p] = q


def _overlap(d: Compiled) -> np.ndarray:
    """P x P booleans: do two projects share a supporter (a distinct ballot with satisfaction > 0)?"""
    P, D = len(d.ids), len(d.mult)
    counts = np.zeros((P, P), dtype=np.float32)
    if P == 0 or D == 0:
        return counts > 0
    proj = np.repeat(np.arange(P), [len(i) for i in d.sup_idx])
    ballot = np.concatenate(d.sup_idx)
    order = np.argsort(ballot, kind="stable")
    proj, ballot = proj[order], ballot[order]
    chunk = 1024
    A = np.zeros((min(chunk, D), P), dtype=np.float32)
    bounds = np.searchsorted(ballot, np.arange(0, D + chunk, chunk))
    for lo in range(0, D, chunk):
        i, j = bounds[lo // chunk], bounds[lo // chunk + 1]
        A[:] = 0
        A[ballot[i:j] - lo, proj[i:j]] = 1
        counts += A.T @ A
    return counts > 0


def prep(d: Compiled) -> _Prep:
    """The cached per-election arrays (rebuilt if the tie-breaking rank was replaced)."""
    cached = d.__dict__.get("_mes_batch_prep")
    if cached is None or cached.rank is not d.rank:
        cached = d.__dict__["_mes_batch_prep"] = _Prep(d)
    return cached


@dataclass
class Batch:
    """Outcome of many runs: per column its status, funded projects (when DONE) and certificates."""

    status: np.ndarray  # DONE, EXCEEDED (spent more than `limit`, stopped early) or EXACT (recompute alone)
    selected: list  # per column: funded project indices in order (DONE), else None
    pair_ok: np.ndarray  # pair_ok[j]: columns j and j+1 proven equal (only with certify)
    cutoff: int  # the first column that exceeded `limit` (columns after it are left unfinished), or K


class _Group:
    """Runs that funded the same projects so far; the last column (richest budget) is the lead run."""

    __slots__ = ("cols", "B", "lb", "fresh", "selected", "spent")

    def __init__(self, cols, B, lb, selected, spent, fresh=None):
        self.cols = cols  # positions of its runs in the batch, increasing budgets
        self.B = B  # (distinct ballots, runs) budgets left
        # lb[p]: rho of p in the lead run when fresh[p], else a lower bound; either way a lower bound of
        # rho in every run of the group. inf: p is out of the race in every run.
        self.lb = lb
        self.fresh = np.zeros(len(lb), dtype=bool) if fresh is None else fresh
        self.selected = selected
        self.spent = spent


class _Ctx:
    __slots__ = ("pp", "status", "selected", "pair_ok", "limit", "certify", "cutoff", "stack")

    def __init__(self, pp, K, limit, certify):
        self.pp = pp
        self.status = np.full(K, DONE, dtype=np.int8)
        self.selected: list = [None] * K
        self.pair_ok = np.ones(max(K - 1, 0), dtype=bool)
        self.limit = limit
        self.certify = certify
        self.cutoff = K  # runs from this position on come after a run that exceeded: not needed
        self.stack: list[_Group] = []

    def exceed(self, g: _Group) -> None:
        self.status[g.cols] = EXCEEDED
        self.cutoff = min(self.cutoff, int(g.cols[0]))

    def fail_pairs(self, g: _Group, bad: np.ndarray) -> None:
        """bad[j]: runs j and j+1 of the group are not proven equal (only neighbours in the batch count)."""
        if self.certify and len(bad):
            adj = np.diff(g.cols) == 1
            self.pair_ok[g.cols[:-1][adj & bad]] = False

    def subset(self, g: _Group, keep: np.ndarray) -> _Group:
        """The runs `keep` (mask) as a group of their own; pairs between them and the others fail."""
        if keep.all():
            return g
        self.fail_pairs(g, keep[:-1] != keep[1:])
        return _Group(
            g.cols[keep],
            g.B[:, keep],
            g.lb.copy(),
            list(g.selected),
            g.spent,
            g.fresh.copy() if keep[-1] else None,  # fresh values belong to the lead run
        )

    def to_exact(self, g: _Group, mask: np.ndarray):
        """Runs `mask` go to the exact path; returns the group of the others (or None)."""
        if not mask.any():
            return g
        self.status[g.cols[mask]] = EXACT
        self.fail_pairs(g, mask[:-1] | mask[1:])
        return self.subset(g, ~mask) if not mask.all() else None


def run_many(data: Compiled, budgets, limit: int | None = None, certify: bool = False) -> Batch:
    """MES for each per-voter starting budget in `budgets` (increasing floats, one column each).

    With `limit`, a run stops as soon as it has spent more than `limit` (status EXCEEDED: funding only
    grows), and the runs after the first such one are left unfinished (status EXCEEDED too). Runs with
    status EXACT must be recomputed with ``run_mes`` (exact arithmetic).
    """
    pp = prep(data)
    K = len(budgets)
    P, D = len(data.ids), len(data.mult)
    ctx = _Ctx(pp, K, limit, certify)
    if K == 0:
        return Batch(ctx.status, ctx.selected, ctx.pair_ok, 0)
    lb = np.full(P, INF)
    zero_cost = []
    for p in range(P):
        if pp.tot[p] <= 0:
            continue
        if pp.cost[p] == 0:
            zero_cost.append(p)
            continue
        lb[p] = pp.rho0[p]
    zero_cost.sort(key=lambda p: int(pp.rank[p]))
    B = np.empty((D, K))
    B[:] = np.asarray(budgets, dtype=np.float64)[None, :]
    ctx.stack.append(_Group(np.arange(K), B, lb, zero_cost, 0))
    while ctx.stack:
        g = ctx.stack.pop()
        if g.cols[-1] >= ctx.cutoff:
            keep = g.cols < ctx.cutoff
            if not keep.any():
                continue
            g = ctx.subset(g, keep)
        _advance(g, ctx)
    ctx.status[ctx.cutoff :] = EXCEEDED
    for c in range(ctx.cutoff, K):
        ctx.selected[c] = None
    return Batch(ctx.status, ctx.selected, ctx.pair_ok, ctx.cutoff)


def _eval_lead(g: _Group, p: int, pp: _Prep) -> bool:
    """Refresh rho of p in the lead run (inf if its supporters cannot pay). True on a close call."""
    bb = g.B[pp.idx[p], -1]
    cost = pp.costf[p]
    rho0 = pp.rho0[p]
    g.fresh[p] = True
    if pp.uniform[p]:
        s = pp.s0[p]
        low = float(bb.min()) / s
    else:
        s = pp.s[p]
        low = float((bb / s).min())
    if low > rho0 * (1 + TOL):  # every supporter clearly rich: affordable, rho = cost / total sat
        g.lb[p] = rho0
        return False
    money = float(pp.m[p] @ bb)
    if money < cost * (1 - TOL):
        g.lb[p] = INF
        return False
    if low >= rho0:
        g.lb[p] = rho0
    else:  # Newton steps from cost / total satisfaction: the poor (budget < rho * sat) pay all they have
        m = pp.m[p]
        poor = bb < rho0 * s
        count = int(np.count_nonzero(poor))
        while True:
            poor_money = float(m @ (bb * poor))
            rich_sat = pp.tot[p] - float(pp.ms[p] @ poor)  # integers: exact in floats
            if rich_sat <= 0:  # everyone poor: only near-unaffordable, a close call anyway
                rho = float((bb / s).max())
                break
            rho = (cost - poor_money) / rich_sat
            poor |= bb < rho * s
            new = int(np.count_nonzero(poor))
            if new == count:
                break
            count = new
        g.lb[p] = rho
    return money <= cost * (1 + TOL)


def _eval_lead_many(g: _Group, ps: np.ndarray, pp: _Prep) -> None:
    """Settle at once, in the lead run, the projects of `ps` that are clearly unaffordable or whose
    supporters are all clearly rich (rho = cost / total sat); the others keep their bound."""
    starts, ends = pp.ptr[ps], pp.ptr[ps + 1]
    lengths = ends - starts
    offsets = np.zeros(len(ps), dtype=np.int64)
    np.cumsum(lengths[:-1], out=offsets[1:])
    at = np.repeat(starts - offsets, lengths) + np.arange(int(lengths.sum()))
    bb = g.B[pp.sup_all[at], -1]
    money = np.add.reduceat(pp.m_all[at] * bb, offsets)
    low = np.minimum.reduceat(bb / pp.s_all[at], offsets)
    rho0 = pp.rho0_arr[ps]
    out = money < pp.cost_arr[ps] * (1 - TOL)
    rich = low > rho0 * (1 + TOL)
    g.lb[ps[out]] = INF
    g.lb[ps[rich]] = rho0[rich]
    g.fresh[ps[out | rich]] = True


def _eval_cols(g: _Group, p: int, pp: _Prep, start: float):
    """rho of p in every run of the group, given its rho `start` in the lead run (a lower bound in every
    run): (rho, inf where unaffordable; close calls; supporters all clearly rich at cost / total sat)."""
    Bp = g.B[pp.idx[p]]
    cost = pp.costf[p]
    money = pp.m[p] @ Bp
    rho0 = pp.rho0[p]
    s = pp.s0[p] if pp.uniform[p] else pp.scol[p]
    low = (Bp.min(axis=0) / s) if pp.uniform[p] else (Bp / s).min(axis=0)
    close = np.abs(money - cost) <= cost * TOL
    # Newton steps from the lead's rho: the poor there are poor in every run (less money, higher rho)
    poor = Bp < start * s
    count = int(np.count_nonzero(poor))
    if count == 0:
        rho = np.full(len(money), rho0)
    else:
        with np.errstate(divide="ignore", invalid="ignore"):
            while True:
                poor_money = pp.m[p] @ (Bp * poor)
                rich_sat = pp.tot[p] - pp.ms[p] @ poor  # integers: exact in floats
                rho = (cost - poor_money) / rich_sat
                poor |= Bp < rho * s
                new = int(np.count_nonzero(poor))
                if new == count:
                    break
                count = new
        bad = ~(rho > 0)  # everyone poor: only when near-unaffordable, sent to the exact path
        if bad.any():
            close |= bad
            rho[bad] = (Bp[:, bad] / s).max(axis=0)
    rho[money < cost * (1 - TOL)] = INF
    return rho, close, low > rho0 * (1 + TOL)


def _exact_tie(g: _Group, rows: list[int], near: np.ndarray, cols: np.ndarray, pp: _Prep):
    """Decide near-ties exactly. rows: candidate projects; near[i, j]: row i is within TOL of the best in
    run cols[j]. A project's rho is known exactly when each supporter is clearly rich or has exactly 0:
    cost / (satisfaction of those with money). Returns (index into rows of the winner per run, runs that
    cannot be decided here)."""
    R, c = len(rows), len(cols)
    den = np.zeros((R, c), dtype=np.int64)
    ok = np.zeros((R, c), dtype=bool)
    for i, p in enumerate(rows):
        Bq = g.B[pp.idx[p]][:, cols]
        has = Bq > 0
        sat = pp.mult[pp.idx[p]] * pp.sat[p]  # int64
        den[i] = sat @ has.astype(np.int64)  # satisfaction of supporters with money (exact int)
        with np.errstate(divide="ignore", invalid="ignore"):
            rho = pp.costf[p] / den[i]
            low = np.where(has, Bq / (pp.scol[p] if not pp.uniform[p] else pp.s0[p]), INF).min(axis=0)
        ok[i] = (den[i] > 0) & (low > rho * (1 + TOL))
    undecided = (near & ~ok).any(axis=0)
    cost = np.array([pp.cost[p] for p in rows], dtype=np.int64)
    with np.errstate(divide="ignore", invalid="ignore"):
        value = np.where(near & ok, cost[:, None] / den, INF)  # correctly rounded: order-preserving
    low = value.min(axis=0)
    eq = value == low
    rank = np.array([int(pp.rank[p]) for p in rows])
    win = np.where(eq, rank[:, None], np.iinfo(np.int64).max).argmin(axis=0)
    # equal floats: the same fraction (compare reduced forms), else compare exactly
    gcd = np.gcd(cost[:, None], den)
    num, red = cost[:, None] // np.maximum(gcd, 1), den // np.maximum(gcd, 1)
    at = np.arange(c)
    same = (~eq | ((num == num[win, at]) & (red == red[win, at]))).all(axis=0)
    for j in np.flatnonzero(~same & ~undecided).tolist():
        cands = [(Fraction(int(cost[i]), int(den[i, j])), int(rank[i]), i) for i in np.flatnonzero(eq[:, j]).tolist()]
        win[j] = min(cands)[2]
    return win, undecided


def _advance(g: _Group, ctx: _Ctx) -> None:
    """Run the rounds of a group until it finishes or splits (children go on the stack)."""
    pp = ctx.pp
    while g is not None:
        nc = len(g.cols)
        lb = g.lb
        live = np.flatnonzero(lb < INF)
        if len(live) == 0:  # nothing affordable in the lead run, hence in none
            _finish(g, ctx)
            return
        # lazy evaluation in the lead run, by increasing bound, while a bound is within TOL of the best
        stale = live[~g.fresh[live]]
        if len(stale) >= 16 and len(stale) == len(live):  # nothing known yet: settle the easy ones together
            _eval_lead_many(g, stale, pp)
            live = np.flatnonzero(lb < INF)
            if len(live) == 0:
                _finish(g, ctx)
                return
        values = lb[live]
        order = np.argsort(values, kind="stable")
        queue, bounds, known = live[order].tolist(), values[order].tolist(), g.fresh[live][order].tolist()
        best, pos, close = INF, 0, False
        while pos < len(queue) and bounds[pos] <= best * (1 + TOL):
            q = queue[pos]
            if known[pos]:
                value = bounds[pos]
            else:
                close |= _eval_lead(g, q, pp)
                value = float(lb[q])
            if value < best:
                best = value
            pos += 1
        if close or best == INF:
            g = _lead_exact(g, ctx) if close else _finish(g, ctx)
            continue
        near = [q for q in queue[:pos] if lb[q] <= best * (1 + TOL)]
        if len(near) == 1:
            w = near[0]
        else:  # near-tie in the lead run
            w = _tie_winner(g, near, nc - 1, pp)
            if w is None:
                g = _lead_exact(g, ctx)
                continue
        if nc == 1:
            g = _pay_and_check(g, w, np.array([lb[w]]), ctx)
            continue
        rho_w, close_w, rich_w = _eval_cols(g, w, pp, float(lb[w]))
        poor = (rho_w == INF) & ~close_w
        if poor.any():  # w is unaffordable in the poorest runs: they go on without it
            child = ctx.subset(g, poor)
            child.lb[w] = INF
            ctx.stack.append(child)
        if poor.any() or close_w.any():  # (the lead run is neither)
            keep = ~poor
            g = ctx.to_exact(ctx.subset(g, keep), close_w[keep])
            if g is None:  # pragma: no cover - the lead run stays
                return
            keep &= ~close_w
            rho_w, rich_w = rho_w[keep], rich_w[keep]
            lb = g.lb
            if len(g.cols) == 1:
                g = _pay_and_check(g, w, rho_w, ctx)
                continue
        # a rival whose bound is above w's rho in the poorest run (the highest) loses in every run
        floor = float(rho_w[0]) * (1 + TOL)
        while pos < len(queue) and bounds[pos] <= floor:
            if not known[pos]:
                close |= _eval_lead(g, queue[pos], pp)
            pos += 1
        if close:
            g = _lead_exact(g, ctx)
            continue
        # Nor can a twin of w (same supporters and cost: the same rho everywhere, the id decides), nor,
        # when w's supporters are all clearly rich in every run (rho = cost / total sat exactly), a
        # project whose cost / total sat is larger (or equal, with a later id): no rho is below it.
        twin, rank, key = pp.twin[w], pp.rank, pp.key
        rivals = [q for q in queue[:pos] if q != w and lb[q] <= floor and (pp.twin[q] != twin or rank[q] < rank[w])]
        if rivals and rich_w.all():
            rivals = [q for q in rivals if key[q] < key[w]]
        if not rivals:
            g = _pay_and_check(g, w, rho_w, ctx)
            continue
        _contest(g, w, rho_w, rich_w, np.array(rivals), ctx)
        return


def _finish(g: _Group, ctx: _Ctx) -> None:
    for c in g.cols.tolist():
        ctx.selected[c] = list(g.selected)


def _lead_exact(g: _Group, ctx: _Ctx):
    """The lead run met a close call: it goes to the exact path, the next richest run leads."""
    lead = np.zeros(len(g.cols), dtype=bool)
    lead[-1] = True
    return ctx.to_exact(g, lead)


def _tie_winner(g: _Group, rows: list[int], col: int, pp: _Prep):
    """Exact winner among projects within TOL of each other in run `col`, or None if undecidable."""
    twins = pp.twin[rows]
    if (twins == twins[0]).all():
        return min(rows, key=lambda p: int(pp.rank[p]))
    win, undecided = _exact_tie(g, rows, np.ones((len(rows), 1), dtype=bool), np.array([col]), pp)
    return None if undecided[0] else rows[int(win[0])]


def _pay_and_check(g: _Group, w: int, rho: np.ndarray, ctx: _Ctx):
    """Fund w in every run of g; returns the group to go on with (None when nothing is left to do)."""
    borderline = _pay(g, w, rho, ctx.pp)
    if borderline.any():
        g = ctx.to_exact(g, borderline)
        if g is None:
            return None
    if ctx.limit is not None and g.spent > ctx.limit:
        ctx.exceed(g)
        return None
    return g


def _contest(g: _Group, w: int, rho_w, rich_w, rivals: np.ndarray, ctx: _Ctx) -> None:
    """Runs where a rival may beat w: compare rho run by run, then split the group by winner."""
    pp = ctx.pp
    nc = len(g.cols)
    rows = [w] + rivals.tolist()
    rhos = np.empty((len(rows), nc))
    rich = np.empty((len(rows), nc), dtype=bool)
    close = np.zeros(nc, dtype=bool)
    rhos[0], rich[0] = rho_w, rich_w
    for i, q in enumerate(rows[1:], start=1):
        rhos[i], c, rich[i] = _eval_cols(g, q, pp, float(g.lb[q]))
        close |= c
    best = rhos.min(axis=0)
    near = rhos <= best * (1 + TOL)
    win = rhos.argmin(axis=0)
    tie = near.sum(axis=0) > 1
    if tie.any():  # twins tie exactly: the lower rank wins (argmin above took the first row)
        cls = pp.twin[rows][:, None]
        big = np.iinfo(np.int64).max
        one = np.where(near, cls, big).min(axis=0) == np.where(near, cls, -1).max(axis=0)
        rank = pp.rank[rows][:, None]
        win = np.where(tie & one, np.where(near, rank, big).argmin(axis=0), win)
        tie &= ~one
    tie = np.flatnonzero(tie & ~close)
    if len(tie):  # decide exactly where possible
        sub = near[:, tie]
        used = np.flatnonzero(sub.any(axis=1))
        tw, undecided = _exact_tie(g, [rows[i] for i in used.tolist()], sub[used], tie, pp)
        win[tie] = used[tw]
        close[tie[undecided]] = True
    cols = np.arange(nc)
    if ctx.certify:
        # neighbours j, j+1: same winner, every other rho in j+1 above the winner's rho in j (or tie rule)
        hi = rhos[:, 1:].copy()
        hi[win[:-1], cols[:-1]] = INF
        bound = rhos[win[:-1], cols[:-1]] * (1 + TOL)
        ok = hi.min(axis=0) > bound
        keys = pp.key[rows]
        beats = (hi <= bound) & (keys[:, None] < keys[win[:-1]][None, :])
        ok |= rich[win[:-1], cols[:-1]] & ~beats.any(axis=0)
        ctx.fail_pairs(g, ~ok | (win[:-1] != win[1:]))
    g = ctx.to_exact(g, close)
    if g is None:
        return
    keep = ~close
    win, rhos = win[keep], rhos[:, keep]
    children = []
    for i in np.unique(win).tolist():
        mask = win == i
        child = _pay_and_check(ctx.subset(g, mask), rows[i], rhos[i][mask], ctx)
        if child is not None:
            children.append(child)
    children.sort(key=lambda c: -int(c.cols[0]))  # the poorest runs first: a run that exceeds ends the rest
    ctx.stack.extend(children)


def _pay(g: _Group, w: int, rho: np.ndarray, pp: _Prep) -> np.ndarray:
    """Supporters of w pay min(budget, rho * satisfaction) in every run of the group. Returns the runs
    where some payer's budget was within TOL of its share (then 0 left might not be exactly 0)."""
    idx = pp.idx[w]
    Bp = g.B[idx]
    if pp.uniform[w]:
        share = (rho * pp.s0[w])[None, :]
    else:
        share = pp.scol[w] * rho[None, :]
    Bp -= share
    borderline = (np.abs(Bp) <= share * TOL).any(axis=0)
    np.maximum(Bp, 0.0, out=Bp)
    g.B[idx] = Bp
    g.selected.append(w)
    g.spent += pp.cost[w]
    g.lb[w] = INF
    g.fresh &= pp.apart[w]
    return borderline
