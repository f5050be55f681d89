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

For the add1 completion the per-voter budget rises one currency unit at a time. Along one run every
quantity is an affine function of the starting budget, so the run also returns how far that budget may
rise before any decision could change (`stable_for`); the steps inside that range give the same outcome
and are skipped. Near-ties make that range zero, and then steps are taken one by one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction

import numpy as np

from voting.compiled import Compiled

TOL = 1e-9
LOOK_AHEAD = 0.005  # when recording for add1, refresh every rho within 0.5% of the best (tighter bounds)
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
    """Result of one MES run: funded project indices in order, rounds, and the stability range."""

    selected: list[int]
    rounds: list[MESRound]
    stable_for: float
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


def run_mes(data: Compiled, b0: Fraction, exclude=(), record: bool = False) -> MESRun:
    """One run of MES with starting budget `b0` per voter; `exclude` lists projects already funded.

    With `record`, the run keeps, per round, the lower bounds of rho of the projects still in the race
    (used to prove that the add1 steps between two runs give the same outcome).
    """
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
    lb_at: list[np.ndarray] = []
    rank = d.rank
    look = 1 + (LOOK_AHEAD if record else TOL)
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
        if record:
            lb_at.append(lb.copy())
        paid = run.pay(p, rho)
        rounds.append(MESRound(p, rho, paid, all_rich))
        selected.append(p)
        alive[p] = False
        lb[p] = INF
        last_rho.pop(p, None)
    result = MESRun(selected, rounds, INF, run.b, dropped, last_rho, run.exact is not None)
    result.lb_at = lb_at
    result.run = run
    return result


def _certify(d: Compiled, low: MESRun, high: MESRun) -> bool:
    """True if every budget between the two runs' gives the same outcome (same funded order).

    Along a fixed order of funded projects, a larger starting budget never lowers any voter's budget,
    so every rho can only fall and every project's money only rise. Hence if, in the richer run, each
    competitor's lower bound on rho stays above the winner's rho of the poorer run at every round (ties
    going to the winner by id), no budget in between can change a decision.
    """
    if low.selected != high.selected:
        return False
    rank = d.rank
    for t, rnd in enumerate(low.rounds):
        p = rnd.project
        bound = high.lb_at[t].copy()
        bound[p] = INF
        win = rnd.rho
        if np.all(bound > win * (1 + TOL)):
            continue
        # Near-tie: cost / total satisfaction is a lower bound of any project's rho, exact when the
        # winner's supporters were all rich; compare those exact values.
        if not rnd.all_rich:
            return False
        totals = d.mes_totals()
        w_exact = Fraction(int(d.costs[p]), totals[p])
        for q in np.flatnonzero(bound <= win * (1 + TOL)).tolist():
            q_low = Fraction(int(d.costs[q]), totals[q])
            if q_low < w_exact or (q_low == w_exact and rank[q] < rank[p]):
                return False
    return True


def mes(data: Compiled, exclude=()) -> MESRun:
    """MES with the budget shared equally: per voter budget / number of voters."""
    if data.num_voters == 0:
        return MESRun([], [], INF, np.zeros(0))
    return run_mes(data, Fraction(data.budget, data.num_voters), exclude=exclude)


def mes_add1(data: Compiled) -> tuple[MESRun, int, int]:
    """The official add1 completion: raise each voter's budget by 1 until the outcome exceeds the budget.

    Returns the last outcome that fits, its step k (budget per voter = budget/n + k; -1 for the empty
    outcome when even the first run does not fit) and the number of MES runs computed. Follows
    pabutools' ``exhaustion_by_budget_increase(..., budget_step=n, exhaustive_stop=False)``, including its
    bound: the total budget is raised at most to budget * (n + 1), i.e. k <= budget. Steps between two
    runs that :func:`_certify` proves equal are skipped, the stride doubling while that works.
    """
    n = data.num_voters
    empty = MESRun([], [], INF, np.zeros(0))
    if n == 0:
        return empty, 0, 0
    B = data.budget
    costs = data.costs

    def at(k: int) -> MESRun:
        return run_mes(data, Fraction(B + k * n, n), record=True)

    base = at(0)
    runs = 1
    if int(costs[base.selected].sum()) > B:
        return empty, -1, runs
    k, stride = 0, 1
    while k < B:
        j = min(stride, B - k)
        nxt = at(k + j)
        runs += 1
        fits = int(costs[nxt.selected].sum()) <= B
        if j > 1 and (not fits or not _certify(data, base, nxt)):
            stride = 1
            continue
        if not fits:
            return base, k, runs
        if j > 1 or _certify(data, base, nxt):
            stride *= 2
        k, base = k + j, nxt
    return base, k, runs
