"""The Method of Equal Shares (MES) and its "add1" completion, exact and fast.

Each voter starts with an equal share of the budget. In each round the project that its supporters can
pay for with the lowest maximal payment per unit of satisfaction (rho) is funded, its supporters paying
``min(budget, rho * satisfaction)``; a project whose supporters cannot pay for it is dropped. Ties go to
the project whose id comes first as a string, as in pabutools.

How it is computed: rounds run in float64 over the distinct ballots (numpy), with pabutools' lazy
evaluation (a project's rho only grows, so a stale value is a lower bound). Floats decide only what
they decide with a clear margin: whenever two projects' rho, or a project's money and its cost, are
within a relative 1e-9 of each other, the decision is taken again in exact rational arithmetic
(:class:`_Exact`), which replays the rounds so far with Fractions from the recorded payments.

For the add1 completion the per-voter budget rises one currency unit at a time; those runs are computed
many at a time by :mod:`voting.rules.mes_batch` (same decisions, a close call sends a run back here),
which also proves where whole ranges of steps give the same outcome so that they can be skipped.
"""

from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass, field
from fractions import Fraction

import numpy as np

from voting.compiled import Compiled
from voting.rules.mes_batch import EXACT, EXCEEDED, run_many

TOL = 1e-9
BATCH_BYTES = 4 << 20  # one batch of add1 runs: its budgets and largest temporaries, about this many bytes
INF = float("inf")


@dataclass
class MESRound:
    """One funded project: its index, rho (float) and what each supporter group paid (for explanations)."""

    project: int
    rho: float
    paid: float
    all_rich: bool = False  # every supporter paid the same rho * sat (so rho = cost / total sat exactly)


@dataclass
class MESRun:
    """Result of one MES run: funded project indices in order, rounds, voters' budgets left."""

    selected: list[int]
    rounds: list[MESRound]
    budgets: np.ndarray
    dropped: dict[int, int] = field(default_factory=dict)  # project -> round at which it became unaffordable
    last_rho: dict[int, float] = field(default_factory=dict)  # project -> last computed rho (not funded)
    exact_used: bool = False


class _Exact:
    """Exact replay of a MES run with Fractions, built only when floats cannot decide."""

    def __init__(self, data: Compiled, b0: Fraction, run: _Run):
        self.d = data
        self.b0 = b0
        self.run = run
        self.k = len(data.mult)
        self.zeroed = np.full(self.k, np.iinfo(np.int64).max, dtype=np.int64)
        self.rich: list[tuple[np.ndarray, np.ndarray]] = []  # per replayed round: rich idx, their sat
        self.rich_sorted: list[tuple[np.ndarray, np.ndarray]] = []
        self.rho: list[Fraction] = []

    def advance(self, upto: int) -> None:
        """Replay rounds until `upto` rounds are exact."""
        while len(self.rho) < upto:
            t = len(self.rho)
            p = self.run.order[t]
            rho, poor_mask = self.solve(p, t, self.run.float_rho_at[t], self.run.float_budgets_at(t, p))
            idx = self.d.sup_idx[p]
            sat = self.d.sup_sat[p]
            self.rho.append(rho)
            poor_idx = idx[poor_mask]
            alive = self.zeroed[poor_idx] > t
            self.zeroed[poor_idx[alive]] = t
            rich_idx, rich_sat = idx[~poor_mask], sat[~poor_mask]
            self.rich.append((rich_idx, rich_sat))
            order = np.argsort(rich_idx)
            self.rich_sorted.append((rich_idx[order], rich_sat[order]))

    def budget(self, i: int, t: int) -> Fraction:
        """Exact budget of distinct ballot i before round t (rounds < t replayed)."""
        if self.zeroed[i] < t:
            return Fraction(0)
        value = self.b0
        for tau in range(t):
            ridx, rsat = self.rich_sorted[tau]
            j = np.searchsorted(ridx, i)
            if j < len(ridx) and ridx[j] == i:
                value -= self.rho[tau] * int(rsat[j])
        return max(value, Fraction(0))

    def sum_budgets(self, members: np.ndarray, t: int) -> Fraction:
        """Exact sum of multiplicity * budget over the given distinct ballots before round t."""
        if len(members) == 0:
            return Fraction(0)
        m = self.d.mult
        mask = np.zeros(self.k, dtype=np.int64)
        live = members[self.zeroed[members] >= t]
        mask[live] = m[live]
        total = self.b0 * int(mask.sum())
        for tau in range(t):
            ridx, rsat = self.rich[tau]
            w = int(np.dot(mask[ridx], rsat))
            if w:
                total -= self.rho[tau] * w
        return total

    def solve(self, p: int, t: int, rho_f: float, bb_f: np.ndarray) -> tuple[Fraction, np.ndarray]:
        """Exact rho of project p before round t and its poor supporters (mask over its supporters)."""
        self.advance(t)
        idx = self.d.sup_idx[p]
        sat = self.d.sup_sat[p]
        m = self.d.mult[idx]
        cost = int(self.d.costs[p])
        cap = rho_f * sat
        margin = TOL * np.maximum(np.abs(cap), np.abs(bb_f)) + 1e-300
        poor = bb_f < cap - margin
        ambiguous = np.flatnonzero(np.abs(bb_f - cap) <= margin)
        amb_budget = {int(a): self.budget(int(idx[a]), t) for a in ambiguous}
        while True:
            poor_sum = self.sum_budgets(idx[poor], t)
            rich_sat = int(np.dot(m[~poor], sat[~poor]))
            if rich_sat == 0:
                raise ArithmeticError("MES: no rich supporter left")  # pragma: no cover
            rho = (
                Fraction(cost - poor_sum) / rich_sat
                if not isinstance(poor_sum, Fraction)
                else (cost - poor_sum) / rich_sat
            )
            moved = False
            for a, b in amb_budget.items():
                if not poor[a] and b < rho * int(sat[a]):
                    poor[a] = True
                    moved = True
            if not moved:
                return rho, poor

    def solve_initial(self, p: int) -> Fraction:
        """Exact rho of project p in the first round, when every voter still has b0."""
        sat = self.d.sup_sat[p]
        m = self.d.mult[self.d.sup_idx[p]]
        values, inverse = np.unique(sat, return_inverse=True)
        weight = np.bincount(inverse, weights=None, minlength=len(values)).astype(np.int64)
        weight = np.array([int(m[inverse == j].sum()) for j in range(len(values))], dtype=object)
        cost = int(self.d.costs[p])
        poor = 0  # values[-poor:] are poor: the largest satisfactions hit the budget first
        while True:
            rich_sat = sum(int(values[j]) * weight[j] for j in range(len(values) - poor))
            poor_money = self.b0 * sum(weight[j] for j in range(len(values) - poor, len(values)))
            rho = (cost - poor_money) / rich_sat
            if poor < len(values) and rho * int(values[len(values) - poor - 1]) > self.b0:
                poor += 1
                if poor == len(values):
                    return max(self.b0 / int(v) for v in values)
                continue
            return rho

    def affordable(self, p: int, t: int) -> bool:
        """Exactly: can the supporters of p pay its cost before round t?"""
        self.advance(t)
        return self.sum_budgets(self.d.sup_idx[p], t) >= int(self.d.costs[p])


class _Run:
    """State of one MES run in floats, with what the exact replay needs (payments per round)."""

    def __init__(self, data: Compiled, b0: Fraction):
        self.d = data
        self.b0 = b0
        self.b = np.full(len(data.mult), float(b0))
        self.pre = data.mes_arrays()
        self.order: list[int] = []
        self.float_rho_at: list[float] = []
        self.history: list[tuple[np.ndarray, np.ndarray]] = []  # per round: idx, budgets before
        self.exact: _Exact | None = None

    def float_budgets_at(self, t: int, p: int) -> np.ndarray:
        """Float budgets of the round-t winner's supporters before round t (for the exact replay)."""
        return self.history[t][1]

    def evaluate(self, p: int):
        """rho of project p now (float), or None when its supporters cannot pay for it."""
        idx, mm, s, ms_total, uniform = self.pre[p]
        bb = self.b[idx]
        cost = float(self.d.costs[p])
        money = float(np.dot(mm, bb))
        if money < cost * (1 - TOL):
            return None
        if money <= cost * (1 + TOL) and not self._exact().affordable(p, len(self.order)):
            return None
        rho = cost / ms_total
        self.all_rich = False
        if uniform:
            cap = rho * s[0] if len(s) else 0.0
            if bb.min() >= cap:
                self.all_rich = bool(bb.min() > cap * (1 + TOL))
                return rho
            order = np.argsort(bb)
            sb = bb[order]
            sm = mm[order]
            before = np.concatenate(([0.0], np.cumsum(sm * sb)[:-1]))
            rich_m = np.cumsum(sm[::-1])[::-1]
            caps = (cost - before) / rich_m
            j = int(np.argmax(caps <= sb))
            return float(caps[j]) / s[0]
        poor = np.zeros(len(idx), dtype=bool)
        poor_sum = 0.0
        rich_sat = ms_total
        while True:
            new = (~poor) & (bb < rho * s)
            if not new.any():
                self.all_rich = not poor.any() and bool(np.all(bb > rho * s * (1 + TOL)))
                return rho
            poor |= new
            poor_sum += float(np.dot(mm[new], bb[new]))
            rich_sat -= float(np.dot(mm[new], s[new]))
            if rich_sat <= 0:
                return float(np.max(bb / s))
            rho = (cost - poor_sum) / rich_sat

    def _exact(self) -> _Exact:
        if self.exact is None:
            self.exact = _Exact(self.d, self.b0, self)
        return self.exact

    def pay(self, p: int, rho: float) -> float:
        """Supporters of p pay min(budget, rho * sat); returns the total paid."""
        idx, mm, s, _, _ = self.pre[p]
        bb = self.b[idx]
        self.history.append((idx, bb))
        self.order.append(p)
        self.float_rho_at.append(rho)
        newb = np.maximum(bb - rho * s, 0.0)
        self.b[idx] = newb
        return float(np.dot(mm, bb - newb))


def run_mes(data: Compiled, b0: Fraction, exclude=()) -> MESRun:
    """One run of MES with starting budget `b0` per voter; `exclude` lists projects already funded."""
    d = data
    run = _Run(d, b0)
    P = len(d.ids)
    alive = np.zeros(P, dtype=bool)
    lb = np.full(P, INF)
    zero_cost_first: list[int] = []
    excluded = set(exclude)
    totals = d.mes_totals()
    for p in range(P):
        if p in excluded or totals[p] <= 0:
            continue
        if d.costs[p] == 0:
            zero_cost_first.append(p)
            continue
        alive[p] = True
        lb[p] = float(d.costs[p]) / float(totals[p])
    zero_cost_first.sort(key=lambda p: d.rank[p])
    selected = list(zero_cost_first)
    rounds: list[MESRound] = []
    dropped: dict[int, int] = {}
    last_rho: dict[int, float] = {}
    rank = d.rank
    look = 1 + TOL
    while True:
        cand = np.flatnonzero(alive)
        if len(cand) == 0:
            break
        cand = cand[np.argsort(lb[cand], kind="stable")]
        best = INF
        found: list[tuple[int, float]] = []
        for p in cand.tolist():
            if lb[p] > best * look:
                break
            rho = run.evaluate(p)
            if rho is None:
                alive[p] = False
                lb[p] = INF
                dropped[p] = len(rounds)
                continue
            lb[p] = rho
            last_rho[p] = rho
            if rho < best:
                best = rho
            found.append((p, rho, run.all_rich))
        if not found:
            break
        close = [f for f in found if f[1] <= best * (1 + TOL)]
        if len(close) > 1:
            t = len(rounds)
            exact = run._exact()
            scored = []
            for p, rho, _ in close:
                value, _ = exact.solve(p, t, rho, run.b[d.sup_idx[p]].copy())
                scored.append((value, rank[p], p))
            scored.sort()
            winner = scored[0][2]
            choice = next(f for f in close if f[0] == winner)
        else:
            choice = close[0]
        p, rho, all_rich = choice
        paid = run.pay(p, rho)
        rounds.append(MESRound(p, rho, paid, all_rich))
        selected.append(p)
        alive[p] = False
        lb[p] = INF
        last_rho.pop(p, None)
    return MESRun(selected, rounds, run.b, dropped, last_rho, run.exact is not None)


def mes(data: Compiled, exclude=()) -> MESRun:
    """MES with the budget shared equally: per voter budget / number of voters."""
    if data.num_voters == 0:
        return MESRun([], [], np.zeros(0))
    return run_mes(data, Fraction(data.budget, data.num_voters), exclude=exclude)


def mes_add1(data: Compiled) -> tuple[MESRun, int, int]:
    """The official add1 completion: raise each voter's budget by 1 until the outcome exceeds the budget.

    Returns the last outcome that fits, its step k (budget per voter = budget/n + k; -1 for the empty
    outcome when even the first run does not fit) and the number of MES runs computed. Follows
    pabutools' ``exhaustion_by_budget_increase(..., budget_step=n, exhaustive_stop=False)``, including its
    bound: the total budget is raised at most to budget * (n + 1), i.e. k <= budget.

    Steps are computed many at a time (:func:`voting.rules.mes_batch.run_many`), as samples: where the
    outcome stays the same for a while they are taken `spacing` apart, and the steps between two
    neighbouring samples are skipped when the batch certifies that both samples and everything
    between give the same outcome. Gaps that are not certified are sampled again more finely (all at
    once in the next batch), down to single steps, but only those before the first sample that
    exceeds the budget. The answer is the step before the first one that exceeds.
    """
    n = data.num_voters
    if n == 0:
        return MESRun([], [], np.zeros(0)), 0, 0
    B = data.budget
    costs = data.costs
    width_max = _width_max(data)

    def budget(k: int) -> Fraction:
        return Fraction(B + k * n, n)

    fits: dict[int, bool] = {}  # sampled steps: does the outcome fit in the budget?
    outcome: dict[int, list[int]] = {}
    closed: set[int] = set()  # sample a: every step up to the next sample gives the same outcome
    spacing, width, runs = 1, min(64 if len(data.mult) < 1000 else 16, width_max), 0
    while True:
        ks = sorted(fits)
        first_out = next((k for k in ks if not fits[k]), None)
        end = first_out if first_out is not None else (ks[-1] if ks else -1)
        points: set[int] = set()
        for a, b in zip(ks, ks[1:], strict=False):  # open gaps before the first step that exceeds
            if b > end or len(points) >= width_max:
                break
            if b - a > 1 and a not in closed:
                points.update(range(a, b + 1) if b - a <= 16 else (a + (b - a) * j // 9 for j in range(10)))
        extend = first_out is None and (not ks or ks[-1] < B) and len(points) < width
        if extend:
            start = ks[-1] if ks else 0
            step = min(spacing, max(1, B - start))
            more = range(start + (step if step == 1 and ks else 0), B + 1, step)[: width - len(points)]
            points.update(more)
            if step > 1 and ks:
                points.add(start)
        if not points:
            break
        cols = sorted(points)
        batch = run_many(data, [float(budget(k)) for k in cols], limit=B, certify=True)
        runs += len(cols)
        done = len(cols)  # columns with a result (those after a step that exceeds are left unfinished)
        for i, k in enumerate(cols):
            status = batch.status[i]
            if status == EXCEEDED and i > batch.cutoff:
                done = i
                break
            sel = batch.selected[i]
            if status == EXACT:
                sel = run_mes(data, budget(k)).selected
            fits[k] = status != EXCEEDED and int(costs[sel].sum()) <= B
            if fits[k]:
                outcome[k] = sel
        ks = sorted(fits)
        certified = failed = 0
        for i in range(done - 1):
            if batch.pair_ok[i] and batch.status[i] != EXACT and batch.status[i + 1] != EXACT:
                for c in ks[bisect_left(ks, cols[i]) : bisect_left(ks, cols[i + 1])]:
                    closed.add(c)  # every step from cols[i] to cols[i + 1] gives the same outcome
                certified += 1
            else:
                failed += 1
        if extend:  # sample further apart where certificates hold, closer where they fail
            if spacing == 1:  # typical length of the certified stretches: sample a quarter of that apart
                streak = (certified + failed) // (failed + 1)
                spacing = 1 << max(0, (streak // 4).bit_length() - 1) if streak >= 8 else 1
            elif failed == 0:
                spacing *= 2
            elif failed * 4 > certified:
                spacing = max(1, spacing // 2)
            width = min(width * 2, width_max) if spacing == 1 else min(32, width_max)
    ks = sorted(fits)
    first_out = next((k for k in ks if not fits[k]), None)
    k = first_out - 1 if first_out is not None else B
    if k >= 0 and k not in outcome:  # pragma: no cover - the search always ends on a sampled step
        raise ArithmeticError(f"MES add1: step {k} was not computed")
    return _add1_result(data, k, outcome.get(k), runs)


def _width_max(data: Compiled) -> int:
    """How many runs one batch may hold: a column of budgets per run, plus temporaries as large as
    a few columns of the most supported project's supporters, within BATCH_BYTES."""
    column = 8 * (len(data.mult) + 3 * max((len(i) for i in data.sup_idx), default=0))
    return max(4, min(1024, BATCH_BYTES // max(column, 1)))


def _add1_result(data: Compiled, k: int, selected, runs: int) -> tuple[MESRun, int, int]:
    """The full MES run at step k (recomputed alone: its rounds serve explanations), checked."""
    if k < 0:
        return MESRun([], [], np.zeros(0)), -1, runs
    run = run_mes(data, Fraction(data.budget + k * data.num_voters, data.num_voters))
    if run.selected != list(selected):  # pragma: no cover - the two computations must agree
        raise ArithmeticError(f"MES add1: batched and single runs differ at step {k}")
    return run, k, runs + 1


def mes_budget_increase(data: Compiled, step: Fraction) -> tuple[list[int], Fraction | None, int]:
    """pabutools' ``exhaustion_by_budget_increase`` with a fixed step of the total budget: MES with the
    budget raised by `step` at a time (at most to budget * (n + 1)) until the outcome is exhaustive
    (kept) or exceeds the budget (the previous one is kept). Returns (funded, per-voter budget of that
    outcome, number of runs). Runs are computed many at a time."""
    n, B = data.num_voters, data.budget
    costs = data.costs
    previous: list[int] = []
    prev_b0 = Fraction(B, n) if n else None
    width_max = _width_max(data)
    runs, i, width = 0, 0, min(8, width_max)
    while n:
        limits = [B + (i + j) * step for j in range(width) if B + (i + j) * step <= B * (n + 1)]
        if not limits:
            break
        batch = run_many(data, [float(limit / n) for limit in limits], limit=B)
        for j, limit in enumerate(limits):
            runs += 1
            status, sel = batch.status[j], batch.selected[j]
            if status == EXACT:
                sel = run_mes(data, limit / n).selected
            if status == EXCEEDED or int(costs[sel].sum()) > B:
                return previous, prev_b0, runs
            previous, prev_b0 = sel, limit / n
            spent = int(costs[sel].sum())
            rest = np.ones(len(costs), dtype=bool)
            rest[sel] = False
            if not (costs[rest] <= B - spent).any():  # exhaustive
                return previous, prev_b0, runs
        i += len(limits)
        width = min(2 * width, width_max)
    return previous, prev_b0, runs


def mes_add1_plain(data: Compiled) -> tuple[MESRun, int, int]:
    """add1 the plain way, one full MES run per step (slow; the reference for the batched version)."""
    n = data.num_voters
    if n == 0:
        return MESRun([], [], np.zeros(0)), 0, 0
    B = data.budget
    base = run_mes(data, Fraction(B, n))
    if int(data.costs[base.selected].sum()) > B:
        return MESRun([], [], np.zeros(0)), -1, 1
    k = 0
    while k < B:
        nxt = run_mes(data, Fraction(B + (k + 1) * n, n))
        if int(data.costs[nxt.selected].sum()) > B:
            return base, k, k + 2
        k, base = k + 1, nxt
    return base, k, k + 1
