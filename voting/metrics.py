"""Metrics to compare rules on one profile, and `compare` to run every rule side by side.

Satisfaction of a voter is the money spent on funded projects their ballot names (cost
satisfaction), the measure MES is built on. A project with several categories counts fully in each.
"""

from __future__ import annotations

import numpy as np

from voting.compiled import compile_election
from voting.errors import RuleError
from voting.model import Election
from voting.outcome import Outcome


def gini(values: np.ndarray, weights: np.ndarray) -> float:
    """Gini coefficient of weighted non-negative values (0 = everyone equal)."""
    total_w = weights.sum()
    if total_w == 0:
        return 0.0
    order = np.argsort(values)
    v, w = values[order].astype(np.float64), weights[order].astype(np.float64)
    total = float(np.dot(v, w))
    if total == 0:
        return 0.0
    cum_w = np.cumsum(w)
    cum_vw = np.cumsum(v * w)
    # area under the Lorenz curve by trapezoids
    lorenz_prev = np.concatenate(([0.0], cum_vw[:-1])) / total
    lorenz = cum_vw / total
    area = float(np.sum((lorenz_prev + lorenz) * w / cum_w[-1]) / 2)
    return 1 - 2 * area


def metrics(election: Election, outcome: Outcome) -> dict:
    """Budget used, voters with a funded project, satisfaction (mean, Gini), money by district/category."""
    data = compile_election(election, "cost")
    pos = {pid: i for i, pid in enumerate(data.ids)}
    funded = np.zeros(len(data.ids), dtype=bool)
    funded[[pos[p] for p in outcome.selected]] = True
    ballot_of = np.repeat(np.arange(len(data.mult)), np.diff(data.ballot_ptr))
    hit = funded[data.ballot_proj] if len(data.ballot_proj) else np.zeros(0, dtype=bool)
    money = np.bincount(ballot_of, weights=data.costs[data.ballot_proj] * hit, minlength=len(data.mult))
    any_funded = np.bincount(ballot_of, weights=hit.astype(np.float64), minlength=len(data.mult)) > 0
    voters = max(data.num_voters, 1)
    inst = election.instance
    by_district: dict[str, int] = {}
    by_category: dict[str, int] = {}
    for pid in outcome.selected:
        project = inst.projects[pid]
        key = project.district if project.district is not None else "(none)"
        by_district[key] = by_district.get(key, 0) + project.cost
        for category in project.categories or ("(none)",):
            by_category[category] = by_category.get(category, 0) + project.cost
    return {
        "budget": inst.budget,
        "budget_used": outcome.total_cost,
        "budget_used_share": outcome.total_cost / inst.budget if inst.budget else 0.0,
        "projects_funded": len(outcome.selected),
        "voters": data.num_voters,
        "voters_with_funded_project_share": float(data.mult[any_funded].sum()) / voters,
        "satisfaction_mean": float(np.dot(money, data.mult)) / voters,
        "satisfaction_gini": gini(money, data.mult),
        "money_by_district": by_district,
        "money_by_category": by_category,
    }


def default_rules(election: Election) -> list[dict]:
    """The rules `compare` runs for this kind of ballot."""
    rules = [
        {"rule": "greedy", "sat": "cost"},
        {"rule": "mes", "completion": "none"},
        {"rule": "mes", "completion": "add1"},
        {"rule": "mes", "completion": "add1-greedy"},
        {"rule": "mes", "completion": "budget-increase"},
    ]
    if election.profile.kind == "approval":
        rules += [{"rule": "mes", "completion": "phragmen"}, {"rule": "phragmen"}]
    rules.append({"rule": "max-welfare"})
    if election.instance.meta.get("rule", "") in (
        "greedy",
        "greedy-no-skip",
        "greedy-threshold",
        "equalshares/add1",
        "equalshares/add1-comparison",
    ):
        rules.append({"rule": "official"})
    return rules


def compare(election: Election, rules: list[dict] | None = None) -> list[tuple[Outcome, dict]]:
    """Run each rule (default: all that fit the ballots) and return (outcome, metrics) pairs."""
    from voting.tally import tally

    result = []
    for spec in rules or default_rules(election):
        try:
            outcome = tally(election, explain=False, **spec)
        except RuleError:
            continue
        result.append((outcome, metrics(election, outcome)))
    return result
