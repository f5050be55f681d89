"""Counting an election with a named rule and completion: `tally`, `tally_official`, `RULES`, `COMPLETIONS`.

Tie-breaking is explicit: by default a tie goes to the project whose id comes first as a *string*
("10" before "9"), as in pabutools. Pass ``tie_breaking=[id, id, ...]`` (a priority order, first wins)
to decide ties otherwise; projects not listed follow, by id.
"""

from __future__ import annotations

from dataclasses import replace
from fractions import Fraction

import numpy as np

from voting.compiled import Compiled, compile_election, require_kind, sat_name
from voting.errors import RuleError
from voting.model import Election
from voting.outcome import Explanation, Outcome
from voting.rules.greedy import greedy_by_score, greedy_utilitarian, official_scores
from voting.rules.maxwelfare import max_welfare
from voting.rules.mes import mes, mes_add1, mes_budget_increase, run_mes
from voting.rules.phragmen import sequential_phragmen

RULES = {
    "greedy": "Utilitarian greedy: most satisfaction per unit of cost first; skip what no longer fits",
    "greedy-no-skip": "Greedy by score (votes or points); stop at the first project that does not fit",
    "greedy-threshold": "Greedy by score, only projects with at least the minimum score (META or option)",
    "mes": "Method of Equal Shares: the budget is split equally among voters, who pay for what they support",
    "phragmen": "Sequential Phragmén (approval): spread the load of each funded project evenly",
    "max-welfare": "Maximum total satisfaction within the budget (exact knapsack): the efficiency benchmark",
    "official": "The rule named in the file's META rule field (greedy variants, equalshares/add1...)",
}

COMPLETIONS = {
    "none": "Plain Method of Equal Shares (may leave money unspent)",
    "add1": "Raise every voter's share by 1 currency unit at a time; keep the last outcome within budget",
    "add1-greedy": "add1, then fill the rest of the budget with utilitarian greedy",
    "add1-comparison": "add1, then keep it unless more voters prefer the greedy outcome (Wieliczka)",
    "budget-increase": "Raise the budget by a percentage (option step_percent, default 1) until exhaustive",
    "phragmen": "Plain Method of Equal Shares, then complete with sequential Phragmén",
}

OFFICIAL_RULES = {
    "greedy": ("greedy-official", None),
    "greedy-no-skip": ("greedy-no-skip", None),
    "greedy-threshold": ("greedy-threshold", None),
    "equalshares/add1": ("mes", "add1"),
    "equalshares/add1-comparison": ("mes", "add1-comparison"),
}


def _with_tie_breaking(data: Compiled, tie_breaking) -> Compiled:
    if tie_breaking in (None, "lexicographic", "id"):
        return data
    if isinstance(tie_breaking, str):
        raise RuleError(
            f"unknown tie-breaking {tie_breaking!r}; give 'lexicographic' or a list of project ids"
        )
    first = [p for p in tie_breaking if p in data.ids]
    rest = sorted(p for p in data.ids if p not in set(first))
    pos = {pid: i for i, pid in enumerate(data.ids)}
    rank = np.empty(len(data.ids), dtype=np.int64)
    for r, pid in enumerate(first + rest):
        rank[pos[pid]] = r
    return replace(data, rank=rank)  # the compiled form is cached: never modify it


def _ranked_like(other: Compiled, data: Compiled) -> Compiled:
    """`other` with the tie-breaking order of `data`."""
    return other if np.array_equal(other.rank, data.rank) else replace(other, rank=data.rank)


def _exhaustive(data: Compiled, selected) -> bool:
    spent = int(data.costs[list(selected)].sum()) if len(selected) else 0
    chosen = set(selected)
    return all(p in chosen or spent + int(data.costs[p]) > data.budget for p in range(len(data.ids)))


def tally(
    election: Election,
    rule: str = "mes",
    completion: str | None = "add1",
    sat: str = "cost",
    tie_breaking=None,
    explain: bool = True,
    **options,
) -> Outcome:
    """Count the election with `rule` (see RULES); for "mes", `completion` (see COMPLETIONS).

    `sat` is the satisfaction for greedy, mes and max-welfare: "cost", "cardinality" or "score".
    Options: ``threshold`` (greedy-threshold), ``step_percent`` (budget-increase).
    """
    if rule == "official":
        return tally_official(election, explain=explain, **options)
    if rule not in RULES:
        raise RuleError(f"unknown rule {rule!r}; expected one of {', '.join(RULES)}")
    sat = sat_name(sat)
    details: dict = {}
    if rule == "mes":
        completion = completion or "none"
        if completion not in COMPLETIONS:
            raise RuleError(f"unknown completion {completion!r}; expected one of {', '.join(COMPLETIONS)}")
        data = _with_tie_breaking(compile_election(election, sat), tie_breaking)
        selected, mes_part, b0 = _mes_with_completion(election, data, completion, options, details)
    else:
        if completion not in (None, "none", "add1"):  # add1 is the default, meaningful for mes only
            raise RuleError(f"completion {completion!r} only applies to rule 'mes'")
        completion = None
        mes_part, b0 = [], None
        if rule == "phragmen":
            require_kind(election, ("approval",), rule)
            data = _with_tie_breaking(compile_election(election, "cardinality"), tie_breaking)
            selected = sequential_phragmen(data)
            sat = None
        elif rule == "greedy":
            data = _with_tie_breaking(compile_election(election, sat), tie_breaking)
            selected = greedy_utilitarian(
                data, zero_cost_first=(sat == "score" and election.profile.kind == "ordinal")
            )
        elif rule == "max-welfare":
            data = _with_tie_breaking(compile_election(election, sat), tie_breaking)
            selected = max_welfare(data)
        else:
            data = _with_tie_breaking(compile_election(election, "cardinality"), tie_breaking)
            scores = official_scores(election, data)
            threshold = None
            if rule == "greedy-threshold":
                threshold = options.get(
                    "threshold", election.instance.meta.get("min_project_score_threshold")
                )
                if threshold is None:
                    raise RuleError(
                        "rule 'greedy-threshold' needs option threshold= or META min_project_score_threshold"
                    )
                threshold = int(threshold)
                details["threshold"] = threshold
            selected = greedy_by_score(data, scores, skip=(rule != "greedy-no-skip"), threshold=threshold)
            sat = None
    outcome = _outcome(election, data, rule, completion, sat, selected, details)
    if explain:
        outcome.explanations = _explain(election, data, outcome, mes_part, b0)
    return outcome


def _mes_with_completion(election, data, completion, options, details):
    """Run MES with the named completion; returns (selected, MES part in order, b0 of that part)."""
    n, B = data.num_voters, data.budget
    b0 = Fraction(B, n) if n else None
    if completion in ("none", "phragmen"):
        run = mes(data)
        selected = list(run.selected)
        details["mes_rounds"] = len(run.rounds)
        part = list(selected)
        if completion == "phragmen" and not _exhaustive(data, selected):
            require_kind(election, ("approval",), "mes + phragmen")
            card = _ranked_like(compile_election(election, "cardinality"), data)
            selected += sequential_phragmen(card, initial=selected)
        return selected, part, b0
    if completion in ("add1", "add1-greedy", "add1-comparison"):
        run, k, runs = mes_add1(data)
        selected = list(run.selected)
        details.update(add1_step=k, mes_runs=runs)
        if n:
            b0 = Fraction(B, n) + max(k, 0)
            details["voter_budget"] = float(b0)
        part = list(selected)
        if completion == "add1-greedy" and not _exhaustive(data, selected):
            cost_data = _ranked_like(compile_election(election, "cost"), data)
            selected += greedy_utilitarian(cost_data, initial=selected)
        if completion == "add1-comparison":
            cost_data = _ranked_like(compile_election(election, "cost"), data)
            greedy = greedy_utilitarian(cost_data)
            prefer_mes, prefer_greedy = _popularity(cost_data, selected, greedy)
            details.update(prefer_mes=prefer_mes, prefer_greedy=prefer_greedy)
            if prefer_greedy > prefer_mes:
                details["comparison_winner"] = "greedy"
                return greedy, [], None
            details["comparison_winner"] = "mes"
        return selected, part, b0
    # budget-increase: pabutools' exhaustion_by_budget_increase with its default 1% step
    pct = Fraction(str(options.get("step_percent", 1)))
    if pct <= 0:
        raise RuleError("step_percent must be positive")
    previous, prev_b0, runs = mes_budget_increase(data, B * pct / 100)
    details.update(mes_runs=runs, voter_budget=float(prev_b0) if prev_b0 is not None else None)
    return previous, list(previous), prev_b0


def _popularity(data: Compiled, a: list[int], b: list[int]) -> tuple[int, int]:
    """Voters whose satisfaction is higher with outcome a, and with outcome b (pabutools' comparison)."""
    in_a = np.zeros(len(data.ids), dtype=bool)
    in_a[a] = True
    in_b = np.zeros(len(data.ids), dtype=bool)
    in_b[b] = True
    ballot_of = np.repeat(np.arange(len(data.mult)), np.diff(data.ballot_ptr))
    sat_a = np.bincount(ballot_of, weights=data.ballot_sat * in_a[data.ballot_proj], minlength=len(data.mult))
    sat_b = np.bincount(ballot_of, weights=data.ballot_sat * in_b[data.ballot_proj], minlength=len(data.mult))
    # ties count for both, as in pabutools' popularity_comparison
    return int(data.mult[sat_a >= sat_b].sum()), int(data.mult[sat_b >= sat_a].sum())


def _outcome(election, data, rule, completion, sat, selected, details) -> Outcome:
    ids = [data.ids[p] for p in selected]
    return Outcome(
        ids,
        int(sum(int(data.costs[p]) for p in selected)),
        election.instance.budget,
        rule,
        completion,
        sat,
        {},
        details,
    )


def tally_official(election: Election, explain: bool = True, **options) -> Outcome:
    """Count with the rule named in META `rule`, to reproduce the recorded official outcome."""
    name = election.instance.meta.get("rule", "").strip()
    if name not in OFFICIAL_RULES:
        raise RuleError(f"META rule {name!r} is not one this engine implements ({', '.join(OFFICIAL_RULES)})")
    rule, completion = OFFICIAL_RULES[name]
    if rule == "greedy-official":
        data = compile_election(election, "cardinality")
        selected = greedy_by_score(data, official_scores(election, data))
        outcome = _outcome(election, data, "greedy-official", None, None, selected, {"meta_rule": name})
        if explain:
            outcome.explanations = _explain(election, data, outcome, [], None)
        return outcome
    outcome = tally(election, rule, completion, explain=explain, **options)
    outcome.details["meta_rule"] = name
    return outcome


def _explain(election, data: Compiled, outcome: Outcome, mes_part, b0) -> dict[str, Explanation]:
    pos = {pid: i for i, pid in enumerate(data.ids)}
    card = compile_election(election, "cardinality") if len(data.ids) else data
    supporters = card.supporters()
    scores = official_scores(election, card)
    rounds = {pid: r for r, pid in enumerate(outcome.selected, start=1)}
    result: dict[str, Explanation] = {}
    mes_info = (
        _mes_explain(data, mes_part, b0)
        if mes_part is not None and b0 is not None and outcome.rule == "mes"
        else {}
    )
    spent = 0
    for pid in outcome.selected:
        spent += int(data.costs[pos[pid]])
    for pid in data.ids:
        p = pos[pid]
        cost = int(data.costs[p])
        funded = pid in rounds
        exp = Explanation(pid, funded, cost, int(supporters[p]), rounds.get(pid), float(scores[p]))
        info = mes_info.get(p)
        if info:
            exp.paid, exp.max_payment, exp.needed_cost = info
            if not funded and exp.needed_cost is not None:
                exp.cheaper_by = max(0.0, cost - exp.needed_cost)
        if funded:
            stage = (
                "by the rule"
                if (not mes_part or pid in {data.ids[q] for q in mes_part})
                else "by the completion"
            )
            exp.reason = f"funded in round {exp.round} {stage}"
        elif cost > election.instance.budget:
            exp.reason = "costs more than the whole budget"
        elif exp.cheaper_by is not None and exp.cheaper_by > 0:
            exp.reason = (
                f"not funded: its supporters could pay at most {exp.needed_cost:,.0f} at the winning rate; "
                f"it had to be {exp.cheaper_by:,.0f} cheaper"
            )
        elif spent + cost > election.instance.budget:
            exp.reason = "not funded: did not fit in the money left"
        else:
            exp.reason = "not funded by this rule"
        result[pid] = exp
    return result


def _mes_explain(data: Compiled, part: list[int], b0: Fraction) -> dict[int, tuple]:
    """Replay MES at b0: per project (paid, largest single payment, highest cost it could have had)."""
    run = run_mes(data, b0)
    P = len(data.ids)
    proj_nnz = np.concatenate(
        [np.full(len(i), p, dtype=np.int64) for p, i in enumerate(data.sup_idx)]
        or [np.zeros(0, dtype=np.int64)]
    )
    ballot_nnz = np.concatenate(data.sup_idx or [np.zeros(0, dtype=np.int64)])
    sat_nnz = np.concatenate(data.sup_sat or [np.zeros(0, dtype=np.int64)]).astype(np.float64)
    m_nnz = data.mult[ballot_nnz].astype(np.float64)
    b = np.full(len(data.mult), float(b0))
    needed = np.zeros(P)
    info: dict[int, tuple] = {}
    funded = set(run.selected)
    cost_sat = all(len(sat) == 0 or bool((sat == data.costs[p]).all()) for p, sat in enumerate(data.sup_sat))
    for rnd in run.rounds:
        if cost_sat:  # satisfaction moves with the cost: solve sum min(b, rho * c) = c per project
            for q in range(P):
                if q not in funded and len(data.sup_idx[q]):
                    needed[q] = max(
                        needed[q],
                        _cost_sat_threshold(b[data.sup_idx[q]], data.mult[data.sup_idx[q]], rnd.rho),
                    )
        else:
            capped = np.minimum(b[ballot_nnz], rnd.rho * sat_nnz)
            money = np.bincount(proj_nnz, weights=m_nnz * capped, minlength=P)
            needed = np.maximum(needed, money)
        idx = data.sup_idx[rnd.project]
        cap = rnd.rho * data.sup_sat[rnd.project]
        pay = np.minimum(b[idx], cap)
        info[rnd.project] = (rnd.paid, float(pay.max()) if len(pay) else 0.0, None)
        b[idx] -= pay
    final = np.bincount(proj_nnz, weights=m_nnz * b[ballot_nnz], minlength=P)
    needed = np.maximum(needed, final)
    for p in range(P):
        if p not in funded:
            info[p] = (None, None, float(needed[p]))
    return info


def _cost_sat_threshold(budgets: np.ndarray, mult: np.ndarray, rho: float) -> float:
    """Largest cost c such that supporters paying min(budget, rho * c) still raise c (cost satisfaction)."""
    order = np.argsort(budgets)
    b = budgets[order]
    m = mult[order].astype(np.float64)
    poor_money = np.concatenate(([0.0], np.cumsum(m * b)))
    rich_mass = m.sum() - np.concatenate(([0.0], np.cumsum(m)))
    denom = 1 - rho * rich_mass
    lower = np.concatenate(([0.0], b)) / rho
    upper = np.concatenate((b, [np.inf])) / rho
    with np.errstate(divide="ignore", invalid="ignore"):
        crossing = np.where(denom > 0, poor_money / denom, np.inf)
    best = np.minimum(crossing, upper)
    valid = best >= lower * (1 - 1e-12)
    return float(best[valid].max()) if valid.any() else 0.0
