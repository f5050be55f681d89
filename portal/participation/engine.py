"""The bridge to the vote-counting engine (`voting/`): a cycle and its rows become an engine election.

Project ids in the engine are the proposal ids as strings. Stored ballot choices are JSON:
``{"approved": [ids]}`` (approval, k-approval, knapsack), ``{"points": {id: n}}`` (cumulative),
``{"ranking": [ids best first]}`` (ordinal).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import voting
from portal.i18n import _
from portal.models import BallotType, Cycle, Proposal
from portal.participation.cycles import CITYWIDE, citywide_budget, has_district_budgets, max_points_per_project
from portal.participation.errors import BallotRejected, InvalidInput
from voting import BallotError, BallotRules, Election, Instance, Profile, Project

HIDDEN_RULES = {"official"}  # reproduces a file's recorded rule; not a choice for a city's own count


def rules_menu() -> dict[str, str]:
    """Counting rules a cycle may use: name -> the engine's description."""
    return {k: v for k, v in voting.RULES.items() if k not in HIDDEN_RULES}


def completions_menu() -> dict[str, str]:
    return dict(voting.COMPLETIONS)


def vote_type(ballot_type: BallotType | str) -> str:
    """The Pabulib vote type of a ballot type."""
    ballot_type = BallotType(ballot_type)
    if ballot_type == BallotType.CUMULATIVE:
        return "cumulative"
    if ballot_type == BallotType.ORDINAL:
        return "ordinal"
    return "approval"


def choice_key(ballot_type: BallotType | str) -> str:
    ballot_type = BallotType(ballot_type)
    return {BallotType.CUMULATIVE: "points", BallotType.ORDINAL: "ranking"}.get(ballot_type, "approved")


def ballot_rules(cycle: Cycle) -> BallotRules:
    ballot_type = BallotType(cycle.ballot_type)
    return BallotRules(
        ballot_type=ballot_type.value,
        min_projects=cycle.min_projects,
        max_projects=None if ballot_type == BallotType.K_APPROVAL else cycle.max_projects,
        k=cycle.max_projects if ballot_type == BallotType.K_APPROVAL else None,
        total_points=cycle.total_points if ballot_type == BallotType.CUMULATIVE else None,
        max_points_per_project=max_points_per_project(cycle) if ballot_type == BallotType.CUMULATIVE else None,
        min_spend_share=float(cycle.min_spend_share) if cycle.min_spend_share is not None else None,
    )


def pool_of(cycle: Cycle, district_code: str | None, budgets: dict[str, int]) -> str | None:
    """The counting pool of a project: its district when districts have budgets, else the whole city."""
    if not budgets:
        return None
    return district_code if district_code in budgets else CITYWIDE


def pool_names(cycle: Cycle) -> dict[str, str]:
    names = {d.code: d.name for d in cycle.districts}
    names[CITYWIDE] = _("citywide projects")
    return names


def district_budgets(cycle: Cycle) -> dict[str, int]:
    """Pools with their budgets (empty when the cycle counts citywide only)."""
    if not has_district_budgets(cycle):
        return {}
    budgets = {d.code: int(d.budget) for d in cycle.districts if (d.budget or 0) > 0}
    budgets[CITYWIDE] = max(citywide_budget(cycle), 0)
    return budgets


def build_instance(cycle: Cycle, proposals: Iterable[Proposal], category_codes: dict[int, str] | None = None,
                   *, meta: dict[str, str] | None = None) -> Instance:
    """The engine instance of a cycle: its budget, district pools and the given proposals as projects."""
    budgets = district_budgets(cycle)
    category_codes = category_codes or {c.id: c.code for c in cycle.categories}
    projects = []
    for p in proposals:
        category = category_codes.get(p.category_id) if p.category_id else None
        projects.append(Project(
            str(p.id), int(p.cost), name=p.title, categories=[category] if category else (),
            district=pool_of(cycle, p.district_code, budgets),
            latitude=float(p.latitude) if p.latitude is not None else None,
            longitude=float(p.longitude) if p.longitude is not None else None,
        ))
    info = {
        "description": cycle.title, "country": "", "unit": cycle.city, "instance": str(cycle.year),
        "currency": cycle.currency, "vote_type": vote_type(cycle.ballot_type), "rule": _meta_rule(cycle),
        "ballot_type": str(cycle.ballot_type),
    }
    info.update(meta or {})
    return Instance(int(cycle.total_budget), projects, {k: v for k, v in info.items() if v}, budgets)


def _meta_rule(cycle: Cycle) -> str:
    if cycle.rule == "mes":
        return f"equalshares/{cycle.completion}" if cycle.completion else "equalshares"
    return cycle.rule


def engine_choices(ballot_type: BallotType | str, stored: dict[str, Any]) -> Any:
    """Stored JSON choices -> what the engine takes (set, dict of points, list best first)."""
    key = choice_key(ballot_type)
    value = (stored or {}).get(key)
    if key == "points":
        return dict(value or {})
    if key == "ranking":
        return list(value or [])
    return set(value or [])


def stored_choices(ballot_type: BallotType | str, normalised: Any) -> dict[str, Any]:
    """The engine's normalised choices -> JSON for the database (ids sorted where order means nothing)."""
    key = choice_key(ballot_type)
    if key == "points":
        return {key: {str(k): int(v) for k, v in sorted(normalised.items(), key=lambda kv: int(kv[0]))}}
    if key == "ranking":
        return {key: [str(p) for p in normalised]}
    return {key: sorted((str(p) for p in normalised), key=int)}


def parse_submitted(ballot_type: BallotType | str, raw: Any) -> Any:
    """What a browser (or a forged request) sent -> engine choices; InvalidInput when it has the wrong shape."""
    key = choice_key(ballot_type)
    if isinstance(raw, dict) and key in raw:
        raw = raw[key]
    if key == "points":
        if raw is None:
            return {}
        if not isinstance(raw, dict):
            raise InvalidInput(_("A cumulative ballot gives points to projects."))
        return {str(k): v for k, v in raw.items() if v not in (None, "", 0, "0")}
    if raw is None:
        return [] if key == "ranking" else set()
    if isinstance(raw, (str, bytes, dict)) or not isinstance(raw, Sequence | set | frozenset):
        raise InvalidInput(_("A ballot is a list of projects."))
    return [str(p) for p in raw]


def ballot_error_message(exc: BallotError, currency: str, pool_names: dict[str, str] | None = None) -> str:
    """The engine's ballot error as a sentence for the voter, translated by its code where we know it."""
    from portal.i18n import money

    params = exc.params
    if exc.code == "over_budget" and params.get("district"):
        return _("Your choices in {name} cost {cost} but its budget is {budget}.").format(
            name=(pool_names or {}).get(params["district"], params["district"]),
            cost=money(params["cost"], currency), budget=money(params["budget"], currency))
    messages = {
        "over_budget": lambda: _("Your ballot costs {cost} but the budget is {budget}.").format(
            cost=money(params["cost"], currency), budget=money(params["budget"], currency)),
        "too_many_projects": lambda: _("Choose at most {max} project(s); you chose {count}.").format(**params),
        "too_few_projects": lambda: _("Choose at least {min} project(s); you chose {count}.").format(**params),
        "too_many_points": lambda: _("You gave {points} points but you have {max}.").format(**params),
        "too_many_points_project": lambda: _("You gave {points} points to one project; the most is {max}.").format(
            **params),
        "negative_points": lambda: _("Points cannot be negative."),
        "bad_points": lambda: _("Points must be whole numbers."),
        "unknown_project": lambda: _("The ballot names a project that is not on this ballot."),
        "duplicate_project": lambda: _("The ballot names a project more than once."),
        "under_min_spend": lambda: _("Your ballot costs {cost}; choose projects worth at least {min_cost}.").format(
            cost=money(params["cost"], currency), min_cost=money(params["min_cost"], currency)),
        "bad_format": lambda: _("The ballot is not in the expected form."),
    }
    try:
        return messages[exc.code]() if exc.code in messages else str(exc)
    except (KeyError, ValueError):
        return str(exc)


@dataclass(frozen=True)
class BallotDefinition:
    """Everything needed to check a ballot of one cycle: its engine instance and rules."""

    cycle_id: int
    ballot_type: BallotType
    currency: str
    instance: Instance
    rules: BallotRules
    pools: dict[str, int]
    pool_names: dict[str, str]

    def validate(self, raw: Any) -> dict[str, Any]:
        """Check a submitted ballot with the engine; return stored JSON choices or raise BallotRejected."""
        choices = parse_submitted(self.ballot_type, raw)
        try:
            normalised = voting.validate_ballot(self.rules, self.instance, choices)
            if self.pools and self.ballot_type == BallotType.KNAPSACK:
                self._check_pools(normalised)
        except BallotError as exc:
            raise BallotRejected(ballot_error_message(exc, self.currency, self.pool_names), code=exc.code,
                                 **exc.params) from None
        return stored_choices(self.ballot_type, normalised)

    def _check_pools(self, chosen) -> None:
        spent: dict[str, int] = {}
        for pid in chosen:
            project = self.instance.projects[pid]
            spent[project.district] = spent.get(project.district, 0) + project.cost
        for pool, cost in spent.items():
            if cost > self.pools[pool]:
                raise BallotError("over_budget", f"over the budget of {pool}", cost=cost, budget=self.pools[pool],
                                  district=pool)


def election_of(instance: Instance, ballot_type: BallotType | str,
                ballots: Iterable[tuple[str, dict[str, Any], dict[str, str]]]) -> Election:
    """An engine election from (voter id, stored choices, extra fields) rows."""
    from voting import Ballot as EngineBallot

    profile = Profile(vote_type(ballot_type), (
        EngineBallot(voter_id, _engine_value(ballot_type, choices), extra or {})
        for voter_id, choices, extra in ballots
    ))
    return Election(instance, profile)


def _engine_value(ballot_type, choices):
    value = engine_choices(ballot_type, choices)
    return frozenset(value) if isinstance(value, set) else (tuple(value) if isinstance(value, list) else value)
