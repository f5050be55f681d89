"""The public results of a cycle: funded projects, each rule's word on each project, money per district and
category, turnout per channel and district, the anonymised ballot file and how to recount it."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.i18n import _, money, ngettext
from portal.models import Category, Cycle, Proposal, Result
from portal.participation.ballots import anonymous_id, normalise_receipt
from portal.participation.counting import published_result
from portal.participation.cycles import CITYWIDE
from portal.participation.errors import InvalidInput, NotFound


def channel_label(channel: str) -> str:
    return {"online": _("Online"), "paper": _("Paper"), "booth": _("Booth")}.get(channel, channel)


def explanation_sentence(exp: dict | None, currency: str) -> str:
    """The engine's explanation of one project, in words for the results page (translated)."""
    if not exp:
        return ""
    supporters = exp.get("supporters") or 0
    if exp.get("funded"):
        text = ngettext("Funded in round {round}; {n} voter chose it.", "Funded in round {round}; {n} voters chose it.",
                        supporters).format(round=exp.get("round"), n=supporters)
        if exp.get("paid") is not None and exp.get("max_payment") is not None:
            text += " " + _("Its supporters paid {paid} between them, nobody more than {most}.").format(
                paid=money(round(exp["paid"]), currency), most=money(round(exp["max_payment"]), currency))
        return text
    if exp.get("cheaper_by"):
        return ngettext("Not funded: {n} voter chose it, but could pay at most {needed}; it had to be {cheaper} "
                        "cheaper.",
                        "Not funded: {n} voters chose it, but they could pay at most {needed}; it had to be {cheaper} "
                        "cheaper.", supporters).format(
            n=supporters, needed=money(round(exp.get("needed_cost") or 0), currency),
            cheaper=money(round(exp["cheaper_by"]), currency))
    reason = exp.get("reason") or ""
    if "whole budget" in reason:
        return _("Not funded: it costs more than the whole budget.")
    if "did not fit" in reason:
        return ngettext("Not funded: {n} voter chose it, but it did not fit in the money left.",
                        "Not funded: {n} voters chose it, but it did not fit in the money left.",
                        supporters).format(n=supporters)
    return ngettext("Not funded; {n} voter chose it.", "Not funded; {n} voters chose it.",
                    supporters).format(n=supporters)


@dataclass
class ResultsView:
    cycle: Cycle
    result: Result
    projects: pd.DataFrame        # every project on the ballot: id, title, district, category, cost, votes,
    #                               funded, round, explanation, by_rule (rule -> sentence), one column per rule
    by_district: pd.DataFrame     # district, amount
    by_category: pd.DataFrame     # category, amount
    turnout: pd.DataFrame         # district, channel, ballots
    rules: list[str]              # names of the compared rules (columns of `projects`)
    recount_command: str


def results_view(session: Session, cycle: Cycle) -> ResultsView | None:
    result = published_result(session, cycle)
    if result is None:
        return None
    proposals = {str(p.id): p for p in session.scalars(
        select(Proposal).where(Proposal.cycle_id == cycle.id, Proposal.on_ballot.is_(True)))}
    categories = {c.id: c.name for c in session.scalars(select(Category).where(Category.cycle_id == cycle.id))}
    districts = {d.code: d.name for d in cycle.districts}
    comparison = (result.metrics or {}).get("comparison") or []
    rounds = {pid: i for i, pid in enumerate(result.selected, start=1)}
    rows = []
    for pid, exp in (result.explanation or {}).items():
        p = proposals.get(pid)
        row = {
            "id": pid, "title": p.title if p else pid,
            "district": districts.get(p.district_code, _("Whole city")) if p and p.district_code else _("Whole city"),
            "category": categories.get(p.category_id, "") if p else "",
            "cost": exp.get("cost"), "votes": exp.get("supporters"), "funded": pid in rounds,
            "round": rounds.get(pid), "explanation": explanation_sentence(exp, cycle.currency),
        }
        for run in comparison:
            row[run["name"]] = pid in set(run["selected"])
        row["by_rule"] = {run["name"]: explanation_sentence((run.get("explanations") or {}).get(pid), cycle.currency)
                          for run in comparison}
        rows.append(row)
    projects = pd.DataFrame(rows, columns=["id", "title", "district", "category", "cost", "votes", "funded",
                                           "round", "explanation", "by_rule"] + [r["name"] for r in comparison])
    if not projects.empty:
        projects = projects.sort_values(["funded", "round", "votes"], ascending=[False, True, False],
                                        na_position="last").reset_index(drop=True)
    funded = projects[projects["funded"]] if not projects.empty else projects
    by_district = (funded.groupby("district", as_index=False)["cost"].sum().rename(columns={"cost": "amount"})
                   if not funded.empty else pd.DataFrame(columns=["district", "amount"]))
    by_category = (funded.groupby("category", as_index=False)["cost"].sum().rename(columns={"cost": "amount"})
                   if not funded.empty else pd.DataFrame(columns=["category", "amount"]))
    turnout = pd.DataFrame((result.metrics or {}).get("turnout") or [], columns=["district", "channel", "ballots"])
    if not turnout.empty:
        turnout["district"] = turnout["district"].map(lambda d: districts.get(d, d) if d else _("District not known"))
        turnout["channel"] = turnout["channel"].map(channel_label)
    return ResultsView(cycle, result, projects, by_district, by_category, turnout,
                       [r["name"] for r in comparison], recount_command(cycle, result))


def file_name(cycle: Cycle) -> str:
    return f"{cycle.city}_{cycle.year}_cycle{cycle.id}.pb"


def recount_command(cycle: Cycle, result: Result) -> str:
    """The command line that recounts the published file with the engine and prints the funded ids."""
    name = file_name(cycle)
    pools = [p.get("pool") for p in (result.metrics or {}).get("pools", [])]
    if any(pools):
        return (f"python -c \"import voting; e = voting.read_pb('{name}'); "
                f"print({{d: voting.tally(x, '{result.rule}', '{result.completion or 'none'}').selected "
                f"for d, x in sorted(e.by_district().items())}})\"")
    completion = f" --completion {result.completion}" if result.rule == "mes" and result.completion else ""
    return f"python -m voting tally {name} --rule {result.rule}{completion} --json"


def published_file(session: Session, cycle: Cycle) -> tuple[str, str]:
    """The published anonymised ballot file and its SHA-256; NotFound before publication."""
    result = published_result(session, cycle)
    if result is None:
        raise NotFound(_("The results of this cycle are not published yet."))
    return _ballot_file_text(session, result), result.ballot_file_sha256


def _ballot_file_text(session: Session, result: Result) -> str:
    """The file of a published result never changes: kept in the shared cache (Redis when configured) by its
    checksum, so that the evening the results come out, every download does not read it from the database."""
    from flask import has_app_context

    from portal.serving import cache

    key = f"ballot-file:{result.id}:{result.ballot_file_sha256}"
    text = cache.get(key) if has_app_context() else None
    if text is None:
        text = session.scalar(select(Result.ballot_file).where(Result.id == result.id)) or ""
        if has_app_context():
            cache.set(key, text, timeout=24 * 3600)
    return text


@dataclass
class ReceiptCheck:
    found: bool
    voter_id: str
    vote: str


def check_receipt(session: Session, cycle: Cycle, receipt: str) -> ReceiptCheck:
    """Look for the ballot of a receipt code in the published file (not in the database: the point is to
    check the file that anyone can recount)."""
    code = normalise_receipt(receipt)
    if len(code.replace("-", "")) != 16:
        raise InvalidInput(_("A receipt code has 16 letters and digits, e.g. ABCD-EFGH-JKLM-NPQR."))
    text, _digest = published_file(session, cycle)
    voter_id = anonymous_id(code)
    section = None
    header: list[str] = []
    for row in csv.reader(io.StringIO(text), delimiter=";"):
        if not row:
            continue
        if len(row) == 1 and row[0].strip().lower() in ("meta", "projects", "votes"):
            section = row[0].strip().lower()
            header = []
            continue
        if section == "votes":
            if not header:
                header = row
                continue
            if row[0] == voter_id:
                fields = dict(zip(header, row, strict=False))
                vote = fields.get("vote", "")
                if fields.get("points"):
                    vote = ", ".join(f"{p}: {n}" for p, n in zip(vote.split(","), fields["points"].split(","),
                                                                  strict=False))
                return ReceiptCheck(True, voter_id, vote)
    return ReceiptCheck(False, voter_id, "")


def pool_label(cycle: Cycle, pool: str | None) -> str:
    if pool is None:
        return _("Whole city")
    if pool == CITYWIDE:
        return _("Citywide projects")
    return {d.code: d.name for d in cycle.districts}.get(pool, pool)
