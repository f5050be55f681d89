"""Cycles: the queries the pages need, and the officers' configuration of a cycle, validated on the server."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portal.audit import record
from portal.i18n import _
from portal.models import (
    BallotType,
    Category,
    Cycle,
    CycleDistrict,
    CyclePhase,
    CyclePhaseDate,
    Proposal,
)
from portal.participation import phases
from portal.participation.errors import InvalidInput, NotFound

ELIGIBILITY = ("registered", "verified")
DATED_PHASES = (CyclePhase.PROPOSALS, CyclePhase.REVIEW, CyclePhase.VOTING, CyclePhase.COUNTING,
                CyclePhase.RESULTS)
SHORTLIST_GROUPS = ("none", "district", "category", "district_category")
CITYWIDE = "citywide"  # the pool of projects without a district of their own, when districts have budgets


# Queries -----------------------------------------------------------------------------------------

def is_officer(actor: Any) -> bool:
    return actor is not None and getattr(actor, "is_authenticated", False) and actor.has_role("officer")


def list_cycles(session: Session, city: str, actor: Any = None) -> list[Cycle]:
    """Cycles of the city, newest first; drafts only for officers."""
    query = select(Cycle).where(Cycle.city == city)
    if not is_officer(actor):
        query = query.where(Cycle.phase != CyclePhase.DRAFT)
    return list(session.scalars(query.order_by(Cycle.year.desc(), Cycle.id.desc())))


def current_cycle(session: Session, city: str) -> Cycle | None:
    """The newest cycle the public may see."""
    return session.scalar(
        select(Cycle).where(Cycle.city == city, Cycle.phase != CyclePhase.DRAFT)
        .order_by(Cycle.year.desc(), Cycle.id.desc()).limit(1)
    )


def get_cycle(session: Session, cycle_id: Any, actor: Any = None, *, for_update: bool = False) -> Cycle:
    """The cycle, or NotFound (a draft is visible to officers only)."""
    try:
        cycle_id = int(cycle_id)
    except (TypeError, ValueError):
        raise NotFound(_("There is no such cycle.")) from None
    if not 0 < cycle_id < 2**31:  # no such id, and more than the database's integer takes
        raise NotFound(_("There is no such cycle."))
    cycle = session.get(Cycle, cycle_id, with_for_update=for_update or None)
    if cycle is None or (cycle.phase == CyclePhase.DRAFT and not is_officer(actor)):
        raise NotFound(_("There is no such cycle."))
    return cycle


def proposal_count(session: Session, cycle_id: int) -> int:
    return session.scalar(select(func.count(Proposal.id)).where(Proposal.cycle_id == cycle_id)) or 0


def proposals_by_author(session: Session, user_id: int) -> list[Proposal]:
    return list(session.scalars(
        select(Proposal).where(Proposal.author_id == user_id).order_by(Proposal.created_at.desc())
    ))


def proposal_titles(session: Session, cycle_id: int) -> dict[str, str]:
    """Proposal id (as the engine's project id) -> title, for the proposals of a cycle that are not drafts."""
    from portal.models import ProposalStatus

    rows = session.execute(select(Proposal.id, Proposal.title).where(
        Proposal.cycle_id == cycle_id, Proposal.status != ProposalStatus.DRAFT))
    return {str(pid): title for pid, title in rows}


def has_district_budgets(cycle: Cycle) -> bool:
    return any((d.budget or 0) > 0 for d in cycle.districts)


def citywide_budget(cycle: Cycle) -> int:
    """What is left for projects without a district budget, when districts have budgets of their own."""
    return int(cycle.total_budget) - sum(int(d.budget or 0) for d in cycle.districts)


def shortlist_settings(cycle: Cycle) -> dict:
    raw = (cycle.settings or {}).get("shortlist") or {}
    return {"enabled": bool(raw.get("enabled")), "mode": raw.get("mode", "top"), "n": raw.get("n"),
            "threshold": raw.get("threshold"), "group_by": raw.get("group_by", "none")}


def max_points_per_project(cycle: Cycle) -> int | None:
    value = (cycle.settings or {}).get("max_points_per_project")
    return int(value) if value else None


# Configuration -----------------------------------------------------------------------------------

@dataclass
class CycleConfig:
    """The cleaned content of the cycle form."""

    year: int
    title: str
    description: str
    total_budget: int
    currency: str
    ballot_type: BallotType
    min_projects: int | None
    max_projects: int | None
    total_points: int | None
    max_points_per_project: int | None
    min_spend_share: Decimal | None
    rule: str
    completion: str | None
    eligibility: str
    min_age: int | None
    categories: list[tuple[str, str, int | None]]
    districts: list[tuple[str, str, int]]
    phase_dates: dict[CyclePhase, tuple[date, date]]
    shortlist: dict
    category_areas: dict[str, str | None] | None  # category code -> functional area path; None: not in the form
    budget_statement: str | None  # the statement funded projects enter the next year's budget in; None: keep


def _int(value: Any, name: str, errors: list[str], *, required: bool = False, minimum: int | None = None,
         maximum: int | None = None) -> int | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            errors.append(_("{field}: please give a value.").format(field=name))
        return None
    try:
        text = str(value).strip().replace("_", "").replace(" ", "")
        number = Decimal(text)
        if number != number.to_integral_value():
            raise InvalidOperation
        result = int(number)
    except (InvalidOperation, ValueError):
        errors.append(_("{field}: {value} is not a whole number.").format(field=name, value=value))
        return None
    if minimum is not None and result < minimum:
        errors.append(_("{field} must be at least {n}.").format(field=name, n=minimum))
    if maximum is not None and result > maximum:
        errors.append(_("{field} must be at most {n}.").format(field=name, n=maximum))
    return result


def _date(value: Any) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


CODE_RE = re.compile(r"^[A-Za-z0-9_.-]{1,32}$")
AREA_PART = re.compile(r"^[^/;\x00-\x1f]{1,40}$")
BUDGET_STATEMENTS = ("capital", "operating")


def parse_areas(text: str | None, categories: list[tuple], errors: list[str]) -> dict[str, str | None]:
    """Lines "category code; functional area" (a path of the budget's codes, e.g. 12/1201) -> {code: path}."""
    known = {c[0] for c in categories}
    areas: dict[str, str | None] = {}
    for number, line in enumerate((text or "").splitlines(), start=1):
        if not line.strip():
            continue
        parts = [p.strip() for p in re.split(r"[;\t]", line, maxsplit=1)]
        code, area = parts[0], (parts[1] if len(parts) > 1 else "")
        if code not in known:
            errors.append(_("Functional areas, line {n}: {code} is not one of the categories.").format(
                n=number, code=code))
            continue
        path = [p.strip() for p in area.split("/") if p.strip()]
        if len(path) > 4 or any(not AREA_PART.match(p) for p in path):
            errors.append(_("Functional areas, line {n}: give the area as the budget's codes separated by '/', "
                            "e.g. 12/1201 (at most four levels).").format(n=number))
            continue
        areas[code] = "/".join(path) or None
    return areas


def parse_lines(text: str | None, what: str, errors: list[str], *, amount_required: bool) -> list[tuple]:
    """Lines "code; name; amount" (amount optional for categories) into tuples, with errors per line."""
    rows: list[tuple] = []
    seen: set[str] = set()
    for number, line in enumerate((text or "").splitlines(), start=1):
        if not line.strip():
            continue
        parts = [p.strip() for p in re.split(r"[;\t]", line)]
        code = parts[0]
        name = parts[1] if len(parts) > 1 and parts[1] else code
        amount_text = parts[2] if len(parts) > 2 else ""
        if not CODE_RE.match(code):
            errors.append(_("{what}, line {n}: the code {code!r} may only have letters, digits, '.', '_' and '-' "
                            "(at most 32).").format(what=what, n=number, code=code))
            continue
        if code in seen:
            errors.append(_("{what}, line {n}: the code {code} appears twice.").format(what=what, n=number, code=code))
            continue
        seen.add(code)
        if len(name) > 120:
            errors.append(_("{what}, line {n}: the name is longer than 120 characters.").format(what=what, n=number))
            continue
        amount = _int(amount_text, _("{what}, line {n}").format(what=what, n=number), errors, minimum=0,
                      required=amount_required)
        rows.append((code, name, amount if amount is not None else (0 if amount_required else None)))
    return rows


def parse_config(data: dict, rules: dict[str, str], completions: dict[str, str]) -> CycleConfig:
    """Validate the raw values of the cycle form; raise InvalidInput listing every problem at once."""
    errors: list[str] = []
    year = _int(data.get("year"), _("Year"), errors, required=True, minimum=2000, maximum=2100)
    title = (data.get("title") or "").strip()
    if not title:
        errors.append(_("Title: please give a title."))
    elif len(title) > 200:
        errors.append(_("Title: at most 200 characters."))
    description = (data.get("description") or "").strip()
    if len(description) > 20_000:
        errors.append(_("Description: at most 20,000 characters."))
    total = _int(data.get("total_budget"), _("Total budget"), errors, required=True, minimum=1)
    currency = (data.get("currency") or "EUR").strip().upper()
    if not re.fullmatch(r"[A-Z]{3}", currency):
        errors.append(_("Currency: a three-letter code such as EUR."))
    try:
        ballot_type = BallotType(data.get("ballot_type"))
    except ValueError:
        errors.append(_("Ballot type: please choose one."))
        ballot_type = BallotType.APPROVAL
    min_projects = _int(data.get("min_projects"), _("Minimum number of projects"), errors, minimum=0)
    max_projects = _int(data.get("max_projects"), _("Maximum number of projects"), errors, minimum=1)
    if min_projects is not None and max_projects is not None and min_projects > max_projects:
        errors.append(_("The minimum number of projects is above the maximum."))
    if ballot_type == BallotType.K_APPROVAL and not max_projects:
        errors.append(_("A k-approval ballot needs the number k (the maximum number of projects)."))
    total_points = _int(data.get("total_points"), _("Points per voter"), errors, minimum=1)
    per_project = _int(data.get("max_points_per_project"), _("Most points for one project"), errors, minimum=1)
    if ballot_type == BallotType.CUMULATIVE and not total_points:
        errors.append(_("A cumulative ballot needs the number of points each voter distributes."))
    if ballot_type != BallotType.CUMULATIVE:
        total_points = per_project = None
    share = None
    raw_share = data.get("min_spend_share")
    if raw_share not in (None, ""):
        try:
            share = Decimal(str(raw_share).strip().rstrip("%"))
            if str(raw_share).strip().endswith("%") or share > 1:
                share = share / 100
            if not 0 <= share <= 1:
                raise InvalidOperation
            share = share.quantize(Decimal("0.0001"))
        except InvalidOperation:
            errors.append(_("Minimum share of the budget: a percentage between 0 and 100."))
            share = None
    if share is not None and ballot_type != BallotType.KNAPSACK:
        errors.append(_("A minimum share of the budget only fits a knapsack ballot."))
    rule = data.get("rule") or "mes"
    if rule not in rules:
        errors.append(_("Counting rule: please choose one of the list."))
    completion = data.get("completion") or None
    if completion == "none":
        completion = None
    if completion is not None and completion not in completions:
        errors.append(_("Completion: please choose one of the list."))
    if rule != "mes":
        completion = None
    eligibility = data.get("eligibility") or "registered"
    if eligibility not in ELIGIBILITY:
        errors.append(_("Who may vote: please choose one of the list."))
    min_age = _int(data.get("min_age"), _("Minimum age"), errors, minimum=0, maximum=120)
    categories = parse_lines(data.get("categories"), _("Categories"), errors, amount_required=False)
    districts = parse_lines(data.get("districts"), _("Districts"), errors, amount_required=True)
    if total:
        earmarked = sum(c[2] or 0 for c in categories)
        if earmarked > total:
            errors.append(_("The earmarked amounts add up to more than the total budget."))
        district_sum = sum(d[2] for d in districts)
        if district_sum > total:
            errors.append(_("The district budgets add up to more than the total budget."))
        if any(d[0] == CITYWIDE for d in districts):
            errors.append(_("The district code {code} is reserved.").format(code=CITYWIDE))
    phase_dates: dict[CyclePhase, tuple[date, date]] = {}
    previous_end: date | None = None
    for phase in DATED_PHASES:
        raw_start, raw_end = data.get(f"{phase.value}_start"), data.get(f"{phase.value}_end")
        if not raw_start and not raw_end:
            continue
        start, end = _date(raw_start), _date(raw_end)
        if start is None or end is None:
            errors.append(_("Dates of the {phase} phase: give both a start and an end (YYYY-MM-DD).").format(
                phase=phases.label(phase)))
            continue
        if end < start:
            errors.append(_("Dates of the {phase} phase: the end is before the start.").format(
                phase=phases.label(phase)))
        if previous_end is not None and start < previous_end:
            errors.append(_("Dates of the {phase} phase: it starts before the previous phase ends.").format(
                phase=phases.label(phase)))
        previous_end = end
        phase_dates[phase] = (start, end)
    group_by = data.get("shortlist_group_by") or "none"
    if group_by not in SHORTLIST_GROUPS:
        errors.append(_("Shortlist: unknown grouping."))
    mode = data.get("shortlist_mode") or "top"
    shortlist = {"enabled": bool(data.get("shortlist_enabled")), "mode": mode, "group_by": group_by,
                 "n": _int(data.get("shortlist_n"), _("Shortlist: top N"), errors, minimum=1),
                 "threshold": _int(data.get("shortlist_threshold"), _("Shortlist: threshold"), errors, minimum=0)}
    if shortlist["enabled"]:
        if mode not in ("top", "threshold"):
            errors.append(_("Shortlist: choose top N or a threshold."))
        elif mode == "top" and not shortlist["n"]:
            errors.append(_("Shortlist: give N, the number of proposals per group on the ballot."))
        elif mode == "threshold" and shortlist["threshold"] is None:
            errors.append(_("Shortlist: give the number of supports a proposal needs."))
    raw_areas = data.get("category_areas")
    category_areas = parse_areas(raw_areas, categories, errors) if raw_areas is not None else None
    budget_statement = data.get("budget_statement") or None
    if budget_statement is not None and budget_statement not in BUDGET_STATEMENTS:
        errors.append(_("Funded projects enter the budget as: please choose one of the list."))
    if errors:
        raise InvalidInput(" ".join(errors), errors=errors)
    return CycleConfig(
        year=year, title=title, description=description, total_budget=total, currency=currency,
        ballot_type=ballot_type, min_projects=min_projects, max_projects=max_projects, total_points=total_points,
        max_points_per_project=per_project, min_spend_share=share, rule=rule, completion=completion,
        eligibility=eligibility, min_age=min_age, categories=categories, districts=districts,
        phase_dates=phase_dates, shortlist=shortlist, category_areas=category_areas,
        budget_statement=budget_statement,
    )


def _rules_menu() -> tuple[dict, dict]:
    from portal.participation.engine import completions_menu, rules_menu

    return rules_menu(), completions_menu()


def config_snapshot(cycle: Cycle) -> dict:
    """The configuration as one JSON-ready dict, for the audit log and the form."""
    return {
        "year": cycle.year, "title": cycle.title, "description": cycle.description,
        "total_budget": cycle.total_budget, "currency": cycle.currency, "ballot_type": str(cycle.ballot_type),
        "min_projects": cycle.min_projects, "max_projects": cycle.max_projects, "total_points": cycle.total_points,
        "max_points_per_project": max_points_per_project(cycle),
        "min_spend_share": str(cycle.min_spend_share) if cycle.min_spend_share is not None else None,
        "rule": cycle.rule, "completion": cycle.completion, "eligibility": cycle.eligibility,
        "min_age": cycle.min_age,
        "categories": [[c.code, c.name, c.earmarked] for c in cycle.categories],
        "districts": [[d.code, d.name, d.budget] for d in cycle.districts],
        "phase_dates": {str(d.phase): [d.starts_on.isoformat(), d.ends_on.isoformat()] for d in cycle.phase_dates},
        "shortlist": shortlist_settings(cycle),
        "category_areas": {c.code: c.functional_code for c in cycle.categories},
        "budget_statement": (cycle.settings or {}).get("budget_statement") or "capital",
    }


def create_cycle(session: Session, city: str, actor: Any, data: dict) -> Cycle:
    """A new cycle in its draft phase, from the officer's form."""
    phases.require_officer(actor)
    rules, completions = _rules_menu()
    config = parse_config(data, rules, completions)
    _check_areas(session, city, config)
    cycle = Cycle(city=city, year=config.year, title=config.title, total_budget=config.total_budget,
                  ballot_type=config.ballot_type, phase=CyclePhase.DRAFT, settings={})
    session.add(cycle)
    _apply(cycle, config, full=True)
    session.flush()
    record(session, "cycle.create", config_snapshot(cycle), target=cycle, actor=actor)
    return cycle


def update_cycle(session: Session, cycle: Cycle, actor: Any, data: dict) -> Cycle:
    """Apply the officer's form. Budgets, categories and the ballot are frozen once voting opens;
    the counting rule may change until counting ends; texts and dates until the cycle closes."""
    phases.require_officer(actor)
    if cycle.phase == CyclePhase.CLOSED:
        raise phases.WrongPhase(_("A closed cycle cannot change."))
    rules, completions = _rules_menu()
    config = parse_config(data, rules, completions)
    _check_areas(session, cycle.city, config)
    before = config_snapshot(cycle)
    full = phases.allows(cycle, "configure")
    if not full:
        frozen = ("total_budget", "currency", "ballot_type", "min_projects", "max_projects", "total_points",
                  "max_points_per_project", "min_spend_share", "eligibility", "min_age", "categories", "districts",
                  "shortlist")
        probe = Cycle(settings={})
        _apply(probe, config, full=True)
        changed = [k for k in frozen if config_snapshot(probe)[k] != before[k]]
        if changed:
            raise phases.WrongPhase(
                _("Budgets, categories, districts, the ballot and who may vote cannot change once voting "
                  "has opened (changed: {fields}).").format(fields=", ".join(changed)))
        current_completion = cycle.completion if cycle.rule == "mes" else None
        if not phases.allows(cycle, "configure_rule") and (config.rule, config.completion) != (
                cycle.rule, current_completion):
            raise phases.WrongPhase(_("The counting rule cannot change once counting is over."))
    _apply(cycle, config, full=full)
    session.flush()
    after = config_snapshot(cycle)
    if after != before:
        record(session, "cycle.update", after, before=before, target=cycle, actor=actor)
        if phases.allows(cycle, "see_results") and (after["category_areas"], after["budget_statement"]) != (
                before["category_areas"], before["budget_statement"]):
            from portal.feedback.budget_lines import reconcile

            # the funded projects' budget lines follow the officers' new mapping
            reconcile(session, cycle.city, actor=actor, reason=f"category areas of cycle {cycle.id} changed")
    return cycle


def _check_areas(session: Session, city: str, config: CycleConfig) -> None:
    """Each mapped functional area must be in the city's budget (once it has one)."""
    from portal.budget.store import has_budget
    from portal.feedback.budget_lines import area_names, parse_path

    mapped = {code: path for code, path in (config.category_areas or {}).items() if path}
    if not mapped or not has_budget(session, city):
        return
    errors = [_("Functional areas: {area} (for {code}) is not in the city's budget.").format(area=path, code=code)
              for code, path in mapped.items() if area_names(session, city, parse_path(path)) is None]
    if errors:
        raise InvalidInput(" ".join(errors), errors=errors)


def _apply_feedback(cycle: Cycle, config: CycleConfig) -> None:
    """The mapping of categories to functional areas and the statement of funded projects: officers may change
    them in every phase (they say where results enter the budget, not what was voted on)."""
    if config.category_areas is not None:  # the form lists every category: one left out has no area
        for category in cycle.categories:
            category.functional_code = config.category_areas.get(category.code)
    if config.budget_statement is not None:
        settings = dict(cycle.settings or {})
        settings["budget_statement"] = config.budget_statement
        cycle.settings = settings


def _apply(cycle: Cycle, config: CycleConfig, *, full: bool) -> None:
    cycle.year = config.year
    cycle.title = config.title
    cycle.description = config.description
    cycle.rule = config.rule
    cycle.completion = config.completion
    by_phase = {d.phase: d for d in cycle.phase_dates}
    for phase, (start, end) in config.phase_dates.items():
        if phase in by_phase:
            by_phase[phase].starts_on, by_phase[phase].ends_on = start, end
        else:
            cycle.phase_dates.append(CyclePhaseDate(phase=phase, starts_on=start, ends_on=end))
    for phase, row in by_phase.items():
        if phase not in config.phase_dates:
            cycle.phase_dates.remove(row)
    if not full:
        _apply_feedback(cycle, config)
        return
    cycle.total_budget = config.total_budget
    cycle.currency = config.currency
    cycle.ballot_type = config.ballot_type
    cycle.min_projects = config.min_projects
    cycle.max_projects = config.max_projects
    cycle.total_points = config.total_points
    cycle.min_spend_share = config.min_spend_share
    cycle.eligibility = config.eligibility
    cycle.min_age = config.min_age
    settings = dict(cycle.settings or {})
    settings["max_points_per_project"] = config.max_points_per_project
    settings["shortlist"] = config.shortlist
    cycle.settings = settings
    existing = {c.code: c for c in cycle.categories}
    for code, name, earmarked in config.categories:
        if code in existing:
            existing[code].name, existing[code].earmarked = name, earmarked
        else:
            cycle.categories.append(Category(code=code, name=name, earmarked=earmarked))
    wanted = {c[0] for c in config.categories}
    for code, row in existing.items():
        if code not in wanted:
            cycle.categories.remove(row)  # proposals keep existing, their category becomes empty
    existing_d = {d.code: d for d in cycle.districts}
    for code, name, budget in config.districts:
        if code in existing_d:
            existing_d[code].name, existing_d[code].budget = name, budget
        else:
            cycle.districts.append(CycleDistrict(code=code, name=name, budget=budget))
    wanted_d = {d[0] for d in config.districts}
    for code, row in existing_d.items():
        if code not in wanted_d:
            cycle.districts.remove(row)
    _apply_feedback(cycle, config)


def validate_configuration(cycle: Cycle) -> None:
    """Check that a cycle can open (or open its vote): raise InvalidInput naming what is missing."""
    errors = []
    if not cycle.total_budget or cycle.total_budget <= 0:
        errors.append(_("The cycle needs a total budget."))
    if cycle.ballot_type == BallotType.K_APPROVAL and not cycle.max_projects:
        errors.append(_("A k-approval ballot needs the number k."))
    if cycle.ballot_type == BallotType.CUMULATIVE and not cycle.total_points:
        errors.append(_("A cumulative ballot needs the number of points per voter."))
    if has_district_budgets(cycle) and citywide_budget(cycle) < 0:
        errors.append(_("The district budgets add up to more than the total budget."))
    if errors:
        raise InvalidInput(" ".join(errors), errors=errors)


def form_values(cycle: Cycle | None) -> dict:
    """The cycle's configuration as the raw values of the form (for editing)."""
    if cycle is None:
        return {"year": date.today().year + 1, "ballot_type": BallotType.KNAPSACK.value, "rule": "mes",
                "completion": "add1", "eligibility": "registered", "currency": "EUR", "shortlist_group_by": "none",
                "shortlist_mode": "top", "budget_statement": "capital"}
    shortlist = shortlist_settings(cycle)
    values = {
        "year": cycle.year, "title": cycle.title, "description": cycle.description,
        "total_budget": cycle.total_budget, "currency": cycle.currency, "ballot_type": str(cycle.ballot_type),
        "min_projects": cycle.min_projects, "max_projects": cycle.max_projects, "total_points": cycle.total_points,
        "max_points_per_project": max_points_per_project(cycle),
        "min_spend_share": (f"{float(cycle.min_spend_share) * 100:g}" if cycle.min_spend_share is not None
                            else None),
        "rule": cycle.rule, "completion": (cycle.completion or "none") if cycle.rule == "mes" else "none",
        "eligibility": cycle.eligibility,
        "min_age": cycle.min_age,
        "categories": "\n".join(f"{c.code}; {c.name}; {c.earmarked if c.earmarked is not None else ''}".rstrip("; ")
                                for c in cycle.categories),
        "districts": "\n".join(f"{d.code}; {d.name}; {d.budget}" for d in cycle.districts),
        "shortlist_enabled": shortlist["enabled"], "shortlist_mode": shortlist["mode"],
        "shortlist_n": shortlist["n"], "shortlist_threshold": shortlist["threshold"],
        "shortlist_group_by": shortlist["group_by"],
        "category_areas": "\n".join(f"{c.code}; {c.functional_code or ''}".rstrip("; ") for c in cycle.categories),
        "budget_statement": (cycle.settings or {}).get("budget_statement") or "capital",
    }
    for row in cycle.phase_dates:
        values[f"{row.phase.value}_start"] = row.starts_on.isoformat()
        values[f"{row.phase.value}_end"] = row.ends_on.isoformat()
    return values
