"""Checking one ballot against the rules of the vote, for the portal's ballot page and for imports.

`validate_ballot` returns the normalised choices or raises BallotError with an English message, a
machine-readable `.code` and `.params` (so the portal can translate it). It changes nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from voting.errors import BallotError, ElectionError
from voting.model import Instance, as_int

BALLOT_TYPES = ("approval", "k-approval", "knapsack", "cumulative", "ordinal")


@dataclass(frozen=True)
class BallotRules:
    """What a valid ballot looks like: its type and limits (None = no limit).

    knapsack: the chosen projects may cost at most the budget; k-approval: at most `k` projects;
    cumulative: at most `total_points` in all and `max_points_per_project` on one project;
    `min_spend_share` (0..1): the chosen projects must cost at least that share of the budget.
    """

    ballot_type: str
    min_projects: int | None = None
    max_projects: int | None = None
    k: int | None = None
    total_points: int | None = None
    max_points_per_project: int | None = None
    min_spend_share: float | None = None

    def __post_init__(self):
        if self.ballot_type not in BALLOT_TYPES:
            raise ValueError(
                f"unknown ballot type {self.ballot_type!r}; expected one of {', '.join(BALLOT_TYPES)}"
            )
        if self.ballot_type == "k-approval" and self.k is None:
            raise ValueError("a k-approval ballot needs k")
        if self.ballot_type == "cumulative" and self.total_points is None:
            raise ValueError("a cumulative ballot needs total_points")
        if self.min_spend_share is not None and not 0 <= self.min_spend_share <= 1:
            raise ValueError("min_spend_share must be between 0 and 1")


def _money(amount: int) -> str:
    return f"{amount:,}"


def validate_ballot(rules: BallotRules, instance: Instance, choices):
    """Check `choices` (set of ids; dict id -> points for cumulative; list best first for ordinal).

    Returns them normalised (frozenset, dict of int points without zeros, or tuple).
    """
    kind = rules.ballot_type
    if kind == "cumulative":
        if not isinstance(choices, Mapping):
            raise BallotError("bad_format", "A cumulative ballot gives points to projects.")
        items = list(choices.items())
        ids = [str(k) for k, _ in items]
    else:
        if isinstance(choices, (str, bytes, Mapping)) or not isinstance(choices, Iterable):
            raise BallotError("bad_format", "A ballot is a list of projects.")  # numbers, booleans, None too
        ids = [str(c) for c in choices]
    seen = set()
    for pid in ids:
        if pid not in instance.projects:
            raise BallotError("unknown_project", f"There is no project {pid} in this vote.", project=pid)
        if pid in seen:
            raise BallotError("duplicate_project", f"Project {pid} is chosen more than once.", project=pid)
        seen.add(pid)
    points: dict[str, int] = {}
    if kind == "cumulative":
        for pid, value in items:
            try:
                value = as_int(value, "points")
            except ElectionError:
                raise BallotError(
                    "bad_points", f"Points for project {pid} must be a whole number.", project=str(pid)
                ) from None
            if value < 0:
                raise BallotError(
                    "negative_points",
                    f"Points for project {pid} cannot be negative.",
                    project=str(pid),
                    points=value,
                )
            if rules.max_points_per_project is not None and value > rules.max_points_per_project:
                raise BallotError(
                    "too_many_points_project",
                    f"You gave {value} points to project {pid}; the most is {rules.max_points_per_project}.",
                    project=str(pid),
                    points=value,
                    max=rules.max_points_per_project,
                )
            if value:
                points[str(pid)] = value
        ids = list(points)
        total = sum(points.values())
        if total > rules.total_points:
            raise BallotError(
                "too_many_points",
                f"You gave {total} points but you have {rules.total_points}.",
                points=total,
                max=rules.total_points,
            )
    count = len(ids)
    if rules.min_projects is not None and count < rules.min_projects:
        raise BallotError(
            "too_few_projects",
            f"Choose at least {rules.min_projects} project(s); you chose {count}.",
            count=count,
            min=rules.min_projects,
        )
    limit = rules.max_projects
    if kind == "k-approval":
        limit = rules.k if limit is None else min(limit, rules.k)
    if limit is not None and count > limit:
        raise BallotError(
            "too_many_projects",
            f"Choose at most {limit} project(s); you chose {count}.",
            count=count,
            max=limit,
        )
    cost = sum(instance.projects[p].cost for p in ids)
    if kind == "knapsack" and cost > instance.budget:
        raise BallotError(
            "over_budget",
            f"Your ballot costs {_money(cost)} but the budget is {_money(instance.budget)}.",
            cost=cost,
            budget=instance.budget,
        )
    if rules.min_spend_share is not None:
        needed = rules.min_spend_share * instance.budget
        if cost < needed:
            raise BallotError(
                "under_min_spend",
                f"Your ballot costs {_money(cost)}; choose projects worth at least "
                f"{_money(int(-(-needed // 1)))}.",
                cost=cost,
                min_cost=int(-(-needed // 1)),
                share=rules.min_spend_share,
            )
    if kind == "cumulative":
        return points
    if kind == "ordinal":
        return tuple(ids)
    return frozenset(ids)
