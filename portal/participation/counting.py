"""Counting: the engine runs on the stored ballots; officers review the result, then publish it.

While voting is open nobody, officers included, gets counts: every function here that returns numbers
about ballots checks the phase first (`require_counts_visible`).
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

import voting
from portal.audit import record
from portal.i18n import _
from portal.models import Ballot, Cycle, CyclePhase, Proposal, ProposalStatus, Result, utcnow
from portal.participation import phases
from portal.participation.ballots import anonymous_id
from portal.participation.cycles import is_officer
from portal.participation.engine import build_instance, election_of, rules_menu
from portal.participation.errors import InvalidInput, NotAllowed, NotFound, WrongPhase
from portal.participation.shortlist import ballot_proposals

SAT = "cost"


def require_counts_visible(cycle: Cycle, actor: Any) -> None:
    """Counts of a cycle's ballots: officers once voting has closed, everyone once a result is published."""
    if phases.allows(cycle, "see_results"):
        return
    if is_officer(actor) and phases.allows(cycle, "see_counts_officer"):
        return
    if cycle.phase == CyclePhase.VOTING:
        raise WrongPhase(_("Voting is open: nobody sees counts until it closes."), code="counts_hidden")
    raise NotAllowed(_("The results are not published yet."), code="counts_hidden")


# The ballots as an engine election ------------------------------------------------------------------

def _ballot_rows(session: Session, cycle_id: int):
    return session.execute(
        select(Ballot.receipt_code, Ballot.choices, Ballot.channel)
        .where(Ballot.cycle_id == cycle_id, Ballot.replaced_at.is_(None))
    ).all()


def cycle_election(session: Session, cycle: Cycle) -> voting.Election:
    """The cycle's live ballots (online, paper, booth) as an anonymised engine election.

    Voter ids are hashes of the random receipt codes, sorted, so that the file says nothing about who
    voted when; the only per-ballot field kept is the channel."""
    instance = build_instance(cycle, ballot_proposals(session, cycle.id))
    rows = sorted(((anonymous_id(r), c, {"channel": ch}) for r, c, ch in _ballot_rows(session, cycle.id)),
                  key=lambda row: row[0])
    return election_of(instance, cycle.ballot_type, rows)


def ballot_file(election: voting.Election) -> tuple[str, str]:
    """The Pabulib text of an election and its SHA-256 (of the UTF-8 bytes as served)."""
    text = voting.dumps_pb(election)
    return text, hashlib.sha256(text.encode("utf-8")).hexdigest()


# Counting with pools ------------------------------------------------------------------------------

@dataclass
class PoolOutcome:
    pool: str | None          # None: the whole city in one count
    budget: int
    outcome: voting.Outcome
    election: voting.Election


def tally_pools(election: voting.Election, rule: str, completion: str | None, *,
                explain: bool = True) -> list[PoolOutcome]:
    """Count the election as a whole, or district by district when the instance has district budgets."""
    if election.instance.district_budgets:
        pools = election.by_district()
        result = []
        for pool in sorted(pools):
            part = pools[pool]
            result.append(PoolOutcome(pool, part.instance.budget,
                                      voting.tally(part, rule, completion, SAT, explain=explain), part))
        return result
    return [PoolOutcome(None, election.instance.budget,
                        voting.tally(election, rule, completion, SAT, explain=explain), election)]


def combine(pools: list[PoolOutcome]) -> dict:
    """One JSON-ready result from the pools: selected ids in order, explanations and metrics per pool."""
    selected: list[str] = []
    explanations: dict[str, dict] = {}
    pool_info = []
    for p in pools:
        selected += p.outcome.selected
        for pid, exp in p.outcome.explanations.items():
            explanations[pid] = {**exp.to_dict(), "pool": p.pool}
        m = voting.metrics(p.election, p.outcome)
        pool_info.append({"pool": p.pool, "budget": p.budget, "total_cost": p.outcome.total_cost,
                          "selected": list(p.outcome.selected), "details": p.outcome.details, "metrics": m})
    return {"selected": selected, "explanations": explanations, "pools": pool_info,
            "total_cost": sum(p.outcome.total_cost for p in pools)}


# Practice run -------------------------------------------------------------------------------------

@dataclass
class RuleRun:
    name: str                   # "mes+add1", "greedy", ...
    rule: str
    completion: str | None
    selected: list[str]
    metrics: dict
    explanations: dict[str, dict] | None = None  # project id -> the engine's explanation, when asked for


EXPLANATION_FIELDS = ("funded", "round", "supporters", "paid", "max_payment", "needed_cost", "cheaper_by", "reason")


@dataclass
class Practice:
    source: str
    voters: int
    projects: dict[str, voting.Project]
    budget: int
    runs: list[RuleRun]
    errors: dict[str, str]


def _specs(election: voting.Election, extra: tuple[str, str | None] | None) -> list[dict]:
    """The rules to compare: the engine's default set for these ballots, plus the cycle's own choice."""
    from voting.metrics import default_rules

    specs = [s for s in default_rules(election) if s.get("rule") in rules_menu()]
    if extra:
        rule, completion = extra[0], (extra[1] or "none") if extra[0] == "mes" else None
        spec = {"rule": rule, "completion": completion} if rule == "mes" else {"rule": rule}
        if not any(_spec_name(s) == _spec_name(spec) for s in specs):
            specs.append(spec)
    return specs


def _spec_name(spec: dict) -> str:
    rule = spec["rule"]
    return rule + (f"+{spec.get('completion') or 'none'}" if rule == "mes" else "")


def practice(election: voting.Election, source: str, chosen: tuple[str, str | None] | None = None, *,
             explain: bool = False) -> Practice:
    """Every rule that fits the ballots, side by side with the engine's metrics (pools summed up)."""
    runs, errors = [], {}
    for spec in _specs(election, chosen):
        rule, completion = spec["rule"], spec.get("completion")
        name = _spec_name(spec)
        try:
            pools = tally_pools(election, rule, completion if rule == "mes" else None, explain=explain)
        except voting.RuleError as exc:
            errors[name] = str(exc)
            continue
        selected = [pid for p in pools for pid in p.outcome.selected]
        explanations = None
        if explain:
            explanations = {pid: {k: v for k, v in exp.to_dict().items() if k in EXPLANATION_FIELDS}
                            for p in pools for pid, exp in p.outcome.explanations.items()}
        runs.append(RuleRun(name, rule, completion if rule == "mes" else None, selected,
                            _merge_metrics([voting.metrics(p.election, p.outcome) for p in pools],
                                           [p.budget for p in pools], len(election.profile)), explanations))
    return Practice(source, len(election.profile), dict(election.instance.projects), election.instance.budget,
                    runs, errors)


def _merge_metrics(parts: list[dict], budgets: list[int], voters: int) -> dict:
    if len(parts) == 1:
        return parts[0]
    budget = sum(budgets)
    used = sum(m["budget_used"] for m in parts)
    return {
        "budget": budget, "budget_used": used, "budget_used_share": used / budget if budget else 0.0,
        "projects_funded": sum(m["projects_funded"] for m in parts), "voters": voters,
        "voters_with_funded_project_share": None, "satisfaction_mean": None, "satisfaction_gini": None,
        "money_by_district": {k: v for m in parts for k, v in m["money_by_district"].items()},
        "money_by_category": {},
    }


def practice_this_cycle(session: Session, cycle: Cycle, actor: Any) -> Practice:
    phases.require_officer(actor)
    require_counts_visible(cycle, actor)
    return practice(cycle_election(session, cycle), _("this cycle's ballots"), (cycle.rule, cycle.completion))


def practice_previous(session: Session, cycle: Cycle, actor: Any) -> Practice:
    """Last year's ballots: the published file of the newest earlier cycle of the city."""
    phases.require_officer(actor)
    row = session.execute(
        select(Result, Cycle).join(Cycle, Cycle.id == Result.cycle_id)
        .where(Cycle.city == cycle.city, Cycle.id != cycle.id, Result.published_at.is_not(None),
               Cycle.year <= cycle.year)
        .order_by(Cycle.year.desc(), Result.published_at.desc()).limit(1)).first()
    if row is None:
        raise NotFound(_("There is no earlier cycle with a published result."))
    result, previous = row
    election = voting.parse_pb(session.scalar(select(Result.ballot_file).where(Result.id == result.id)) or "")
    return practice(election, _("{title} (published ballots)").format(title=previous.title),
                    (cycle.rule, cycle.completion))


def practice_upload(actor: Any, data: bytes, filename: str, chosen: tuple[str, str | None] | None) -> Practice:
    phases.require_officer(actor)
    if len(data) > 64 * 1024 * 1024:
        raise InvalidInput(_("The file is too large."))
    if filename and not filename.lower().endswith((".pb", ".pb.gz", ".gz", ".txt")):
        raise InvalidInput(_("Only Pabulib files (.pb or .pb.gz) can be counted."))
    try:
        election = voting.read_pb(io.BytesIO(data))
    except voting.PabulibError as exc:
        where = _("line {n}: ").format(n=exc.line) if exc.line else ""
        raise InvalidInput(_("The file is not a valid Pabulib file ({where}{problem}).").format(
            where=where, problem=exc.problem)) from None
    return practice(election, filename or _("uploaded file"), chosen)


# Count and publish --------------------------------------------------------------------------------

def count_cycle(session: Session, cycle: Cycle, actor: Any,
                progress: Callable[[int, str], None] | None = None) -> Result:
    """Count the stored ballots with the cycle's rule; the result waits for an officer to publish it."""
    phases.require_officer(actor)
    phases.require(cycle, "count")
    result = compute_result(session, cycle, actor.id, progress)
    record(session, "result.count", {"result_id": result.id, "rule": result.rule, "completion": result.completion,
                                     "selected": result.selected, "ballots": result.ballot_count,
                                     "sha256": result.ballot_file_sha256}, target=cycle, actor=actor)
    return result


def compute_result(session: Session, cycle: Cycle, actor_id: int | None = None,
                   progress: Callable[[int, str], None] | None = None) -> Result:
    """The engine's count of the cycle's live ballots as an unpublished Result (no checks: callers check).

    `progress(percent, stage)` hears of each stage (a large cycle takes a while: the page shows a bar).
    """
    step = progress or (lambda _percent, _stage: None)
    step(5, _("Reading the ballots"))
    election = cycle_election(session, cycle)
    if len(election.profile) == 0:
        raise InvalidInput(_("There are no ballots to count."))
    step(25, _("Writing the anonymised ballot file"))
    text, digest = ballot_file(election)
    step(40, _("Counting with the cycle's rule"))
    combined = combine(tally_pools(election, cycle.rule, cycle.completion if cycle.rule == "mes" else None))
    step(65, _("Comparing with the other rules"))
    comparison = [{"name": r.name, "selected": r.selected, "metrics": r.metrics, "explanations": r.explanations}
                  for r in practice(election, "count", (cycle.rule, cycle.completion), explain=True).runs]
    costs = {pid: p.cost for pid, p in election.instance.projects.items()}
    explained = combined["explanations"]
    funded = {pid: {"cost": costs[pid], "votes": explained.get(pid, {}).get("supporters"),
                    "score": explained.get(pid, {}).get("score"), "pool": explained.get(pid, {}).get("pool")}
              for pid in combined["selected"]}
    result = Result(
        cycle_id=cycle.id, rule=cycle.rule, completion=cycle.completion if cycle.rule == "mes" else None,
        selected=combined["selected"], funded=funded, explanation=explained,
        metrics={"pools": combined["pools"], "total_cost": combined["total_cost"], "comparison": comparison,
                 "turnout": turnout_rows(session, cycle.id)},
        ballot_file_sha256=digest, ballot_file=text, ballot_count=len(election.profile), computed_by_id=actor_id,
    )
    step(90, _("Storing the result"))
    session.add(result)
    session.flush()
    return result


def mark_published(session: Session, cycle: Cycle, result: Result, actor: Any = None) -> None:
    """Publish a result: its time, the funded proposals marked funded, a delivery record for each and their
    lines in the following year's budget, in the caller's transaction (no checks: callers check)."""
    from portal.feedback import on_publish

    result.published_at = utcnow()
    selected = [int(pid) for pid in result.selected]
    if selected:
        session.execute(update(Proposal).where(Proposal.cycle_id == cycle.id, Proposal.id.in_(selected))
                        .values(status=ProposalStatus.FUNDED).execution_options(synchronize_session="fetch"))
    on_publish(session, cycle, result, actor)


def latest_result(session: Session, cycle: Cycle, actor: Any) -> Result | None:
    """The newest result of the cycle, for the officers' review (counts: only after voting)."""
    require_counts_visible(cycle, actor)
    return session.scalar(select(Result).where(Result.cycle_id == cycle.id)
                          .order_by(Result.computed_at.desc(), Result.id.desc()).limit(1))


def publish_result(session: Session, cycle: Cycle, result_id: Any, actor: Any) -> Result:
    """Publish a reviewed result: it must match the current ballots and rule; the cycle enters its results
    phase and the funded proposals are marked funded."""
    phases.require_officer(actor)
    phases.require(cycle, "publish")
    try:
        result = session.get(Result, int(result_id))
    except (TypeError, ValueError):
        result = None
    if result is None or result.cycle_id != cycle.id:
        raise NotFound(_("There is no such result for this cycle."))
    expected_completion = cycle.completion if cycle.rule == "mes" else None
    if (result.rule, result.completion) != (cycle.rule, expected_completion):
        raise InvalidInput(_("The counting rule changed since this count: count again before publishing."))
    _text, digest = ballot_file(cycle_election(session, cycle))
    if digest != result.ballot_file_sha256:
        raise InvalidInput(_("The ballots changed since this count (e.g. paper ballots were imported): "
                             "count again before publishing."))
    mark_published(session, cycle, result, actor)
    record(session, "result.publish", {"result_id": result.id, "selected": result.selected,
                                       "sha256": result.ballot_file_sha256}, target=cycle, actor=actor)
    phases.change_phase(session, cycle, CyclePhase.RESULTS, actor, _("result published"), via_publish=True)
    return result


def published_result(session: Session, cycle: Cycle) -> Result | None:
    """The public result: only once published and the cycle is in its results phase (or closed)."""
    if not phases.allows(cycle, "see_results"):
        return None
    return session.scalar(select(Result).where(Result.cycle_id == cycle.id, Result.published_at.is_not(None))
                          .order_by(Result.published_at.desc()).limit(1))


def turnout_rows(session: Session, cycle_id: int) -> list[dict]:
    """Live ballots per district and channel (internal: callers check visibility first)."""
    rows = session.execute(
        select(Ballot.district_code, Ballot.channel, func.count(Ballot.id))
        .where(Ballot.cycle_id == cycle_id, Ballot.replaced_at.is_(None))
        .group_by(Ballot.district_code, Ballot.channel))
    return [{"district": d or "", "channel": ch, "ballots": int(n)} for d, ch, n in rows]


def turnout(session: Session, cycle: Cycle, actor: Any) -> list[dict]:
    require_counts_visible(cycle, actor)
    return turnout_rows(session, cycle.id)
