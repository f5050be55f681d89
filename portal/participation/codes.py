"""Voting codes for people without an account or e-mail: random, single use, stored as a keyed hash
(HMAC-SHA256 with the app's secret), revocable; the plain codes exist only in the one export made when
they are issued (for printing on letters or handing out at a booth)."""

from __future__ import annotations

import csv
import hashlib
import hmac
import io
import re
import secrets
from dataclasses import dataclass
from typing import Any

from sqlalchemy import case, func, select, update
from sqlalchemy.orm import Session

from portal.audit import record
from portal.i18n import _
from portal.models import Cycle, VotingCode, utcnow
from portal.participation import phases
from portal.participation.errors import InvalidInput, NotAllowed, NotFound

ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: easy to read aloud and type from paper
LENGTH = 12  # 32**12 = 2**60 codes
MAX_BATCH = 20_000


def new_code() -> str:
    raw = "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))
    return "-".join(raw[i:i + 4] for i in range(0, LENGTH, 4))


def normalise(code: str | None) -> str:
    return re.sub(r"[^A-Z0-9]", "", (code or "").upper())


def code_hash(secret: str, code: str) -> str:
    return hmac.new(secret.encode(), normalise(code).encode(), hashlib.sha256).hexdigest()


def issue_codes(session: Session, cycle: Cycle, actor: Any, count: Any, secret: str, *, batch: str = "",
                district_code: str | None = None) -> list[str]:
    """Create `count` new codes; returns them in plain text, the only time they exist as such."""
    phases.require_officer(actor)
    phases.require(cycle, "issue_codes")
    try:
        count = int(count)
    except (TypeError, ValueError):
        raise InvalidInput(_("How many codes? Give a number.")) from None
    if not 1 <= count <= MAX_BATCH:
        raise InvalidInput(_("Issue between 1 and {n} codes at a time.").format(n=f"{MAX_BATCH:,}"))
    batch = (batch or "").strip()[:80]
    district_code = (district_code or "").strip() or None
    if district_code is not None and district_code not in {d.code for d in cycle.districts}:
        raise InvalidInput(_("District: please choose one of the list."))
    codes = []
    seen = set()
    while len(codes) < count:
        code = new_code()
        if code not in seen:
            seen.add(code)
            codes.append(code)
    session.add_all([VotingCode(cycle_id=cycle.id, code_hash=code_hash(secret, c), batch=batch,
                                district_code=district_code, created_by_id=actor.id) for c in codes])
    record(session, "codes.issue", {"count": count, "batch": batch, "district_code": district_code},
           target=cycle, actor=actor)
    session.flush()
    return codes


def codes_csv(cycle: Cycle, codes: list[str], batch: str = "", district_code: str | None = None) -> str:
    """The print file of freshly issued codes (one per line, with where and how to vote)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["code", "cycle", "batch", "district"])
    from portal.participation.audit_log import safe_cell

    for code in codes:
        writer.writerow([code, safe_cell(cycle.title), safe_cell(batch), district_code or ""])
    return out.getvalue()


def revoke(session: Session, cycle: Cycle, actor: Any, secret: str, *, code: str | None = None,
           batch: str | None = None) -> int:
    """Revoke one code (given in plain text, e.g. from a lost letter) or a whole batch; returns how many."""
    phases.require_officer(actor)
    if cycle.phase in (phases.P.RESULTS, phases.P.CLOSED):
        raise phases.WrongPhase(_("The vote is over: there is nothing to revoke."))
    query = update(VotingCode).where(VotingCode.cycle_id == cycle.id, VotingCode.revoked_at.is_(None),
                                     VotingCode.used_at.is_(None))
    if code:
        if len(normalise(code)) != LENGTH:
            raise InvalidInput(_("A voting code has {n} letters and digits.").format(n=LENGTH))
        query = query.where(VotingCode.code_hash == code_hash(secret, code))
        what = {"code": "(one code)"}
    elif batch is not None and batch.strip():
        query = query.where(VotingCode.batch == batch.strip())
        what = {"batch": batch.strip()}
    else:
        raise InvalidInput(_("Give the code to revoke, or the batch."))
    count = session.execute(query.values(revoked_at=utcnow())).rowcount or 0
    if code and count == 0:
        raise NotFound(_("No unused code of this cycle matches."))
    record(session, "codes.revoke", {**what, "count": count}, target=cycle, actor=actor)
    session.flush()
    return count


@dataclass
class BatchStats:
    batch: str
    district_code: str | None
    issued: int
    revoked: int
    used: int | None  # None while voting is open: the number of code ballots is a running count


def batch_stats(session: Session, cycle: Cycle) -> list[BatchStats]:
    show_used = phases.allows(cycle, "see_counts_officer")
    rows = session.execute(
        select(VotingCode.batch, VotingCode.district_code, func.count(VotingCode.id),
               func.sum(case((VotingCode.revoked_at.is_not(None), 1), else_=0)),
               func.sum(case((VotingCode.used_at.is_not(None), 1), else_=0)))
        .where(VotingCode.cycle_id == cycle.id).group_by(VotingCode.batch, VotingCode.district_code)
        .order_by(VotingCode.batch))
    return [BatchStats(b, d, int(n), int(r or 0), int(u or 0) if show_used else None) for b, d, n, r, u in rows]


def redeem(session: Session, code: str, secret: str) -> tuple[VotingCode, Cycle]:
    """Check a code typed by its holder: known, not revoked, not used, and its cycle's voting is open."""
    if len(normalise(code)) != LENGTH:
        raise NotAllowed(_("This is not a valid voting code."), code="code_invalid")
    row = session.scalar(select(VotingCode).where(VotingCode.code_hash == code_hash(secret, code))
                         .execution_options(populate_existing=True))
    if row is None or row.revoked_at is not None:
        raise NotAllowed(_("This is not a valid voting code."), code="code_invalid")
    if row.used_at is not None:
        raise NotAllowed(_("This voting code has been used already."), code="code_used")
    cycle = session.get(Cycle, row.cycle_id)
    phases.require(cycle, "vote")
    return row, cycle


def code_in_use(session: Session, code_id, cycle_id: int) -> VotingCode | None:
    """The redeemed code kept in the holder's session, while it can still cast its one ballot."""
    try:
        row = session.get(VotingCode, int(code_id), populate_existing=True)
    except (TypeError, ValueError):
        return None
    if row is None or row.cycle_id != cycle_id or row.revoked_at is not None or row.used_at is not None:
        return None
    return row
