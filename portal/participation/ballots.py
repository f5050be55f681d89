"""Casting a ballot: the hottest path of the portal, one short transaction.

`cast_ballot` runs one transaction: it takes the voter's lock (a PostgreSQL advisory lock; SQLite takes its
write lock), reads the phase under a lock that an officer's phase change must wait for, checks eligibility
and validates the choices with the engine (the ballot's definition is cached while voting is open), marks
the previous live ballot replaced, uses up the voting code (if any) and inserts the new ballot. The receipt
is returned only after the commit. The partial unique index "one live ballot per voter and cycle" is the
last line of defence: on IntegrityError the transaction is retried once, then the voter gets a clear answer
and nothing is stored.
"""

from __future__ import annotations

import hashlib
import secrets
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select, text, update
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import Session

from portal.db import has_written, is_disconnect
from portal.i18n import _
from portal.models import Ballot, Cycle, CyclePhase, VotingCode, utcnow
from portal.participation import eligibility, phases
from portal.participation.errors import Conflict, NotAllowed, NotFound, Unavailable

RECEIPT_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


@dataclass(frozen=True)
class Voter:
    """Who casts a ballot: an account (`user:<id>`) or a voting code (`code:<id>`)."""

    key: str
    user_id: int | None = None
    code_id: int | None = None
    district_code: str | None = None
    account: Any = None  # the User, for the eligibility check

    @classmethod
    def for_user(cls, user: Any) -> Voter:
        return cls(f"user:{user.id}", user_id=user.id, district_code=user.district_code, account=user)

    @classmethod
    def for_code(cls, code: VotingCode) -> Voter:
        return cls(f"code:{code.id}", code_id=code.id, district_code=code.district_code)


@dataclass(frozen=True)
class Receipt:
    """What the confirmation page shows: the receipt code and what was recorded."""

    receipt_code: str
    choices: dict[str, Any]
    cast_at: datetime
    replaced_previous: bool
    cycle: Any = field(default=None, compare=False, repr=False)  # the cycle as read under the lock (no reload)


def new_receipt() -> str:
    raw = "".join(secrets.choice(RECEIPT_ALPHABET) for _ in range(16))
    return "-".join(raw[i:i + 4] for i in range(0, 16, 4))


def normalise_receipt(receipt: str | None) -> str:
    cleaned = "".join(ch for ch in (receipt or "").upper() if ch.isalnum())
    return "-".join(cleaned[i:i + 4] for i in range(0, len(cleaned), 4))


def anonymous_id(receipt: str) -> str:
    """The voter id of a ballot in the published file: a hash of its random receipt code. Only the holder
    of the receipt can find their line; the receipt itself says nothing about the voter."""
    return hashlib.sha256(("pb-receipt:" + normalise_receipt(receipt)).encode()).hexdigest()[:20]


# The ballot of a cycle is frozen while voting is open, so its definition is cached per phase change.
_DEFINITIONS: OrderedDict[tuple, Any] = OrderedDict()
_DEFINITIONS_LOCK = threading.Lock()


def ballot_definition(session: Session, cycle: Cycle):
    """The engine instance and rules of the cycle's ballot (cached while voting is open)."""
    from portal.participation.engine import (
        BallotDefinition,
        ballot_rules,
        build_instance,
        district_budgets,
        pool_names,
    )
    from portal.participation.shortlist import ballot_proposals

    key = (str(session.get_bind().url), cycle.id, cycle.phase_changed_at)
    cacheable = cycle.phase == CyclePhase.VOTING
    if cacheable:
        with _DEFINITIONS_LOCK:
            hit = _DEFINITIONS.get(key)
            if hit is not None:
                _DEFINITIONS.move_to_end(key)
                return hit
    proposals = ballot_proposals(session, cycle.id)
    definition = BallotDefinition(cycle.id, cycle.ballot_type, cycle.currency, build_instance(cycle, proposals),
                                  ballot_rules(cycle), district_budgets(cycle), pool_names(cycle))
    if cacheable:
        with _DEFINITIONS_LOCK:
            _DEFINITIONS[key] = definition
            while len(_DEFINITIONS) > 64:
                _DEFINITIONS.popitem(last=False)
    return definition


def _advisory_key(cycle_id: int, voter_key: str) -> int:
    digest = hashlib.blake2b(f"{cycle_id}:{voter_key}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def cast_ballot(session: Session, cycle_id: Any, voter: Voter, raw_choices: Any, *, channel: str = "online",
                retries: int = 1) -> Receipt:
    """Validate and store the voter's ballot, replacing their previous live one, in one transaction; commits.

    Raises NotFound, WrongPhase, NotAllowed, InvalidInput/BallotRejected or Conflict (then nothing is stored),
    or Unavailable when the database went away (rolled back, or the commit unconfirmed).
    """
    try:
        cycle_id = int(cycle_id)
    except (TypeError, ValueError):
        raise NotFound(_("There is no such cycle.")) from None
    if not 0 < cycle_id < 2**31:  # beyond any id (and beyond what the database's integer takes: found by fuzzing)
        raise NotFound(_("There is no such cycle."))
    postgres = session.get_bind().dialect.name == "postgresql"
    if session.in_transaction() and (not postgres or has_written(session)):
        # the caller's earlier writes are its own; on SQLite a read transaction must not turn into the write
        # one (a stale snapshot cannot take the write lock). On PostgreSQL, earlier reads (the signed-in
        # account) simply continue into the ballot's transaction: fewer round trips on the hottest path.
        session.commit()
    for attempt in range(retries + 1):
        try:
            return _cast(session, cycle_id, voter, raw_choices, channel)
        except IntegrityError:
            session.rollback()
            if attempt == retries:
                raise Conflict(_("Your ballot was being recorded twice at the same moment, and this copy was not "
                                 "stored. Please check your ballot and send it again if needed.")) from None
        except DBAPIError as exc:
            session.rollback()
            if is_disconnect(exc):  # rolled back, or its commit unconfirmed: the voter sends it again
                raise Unavailable(_("We could not confirm that your ballot was recorded: the service was briefly "
                                    "unavailable. Please send it again in a moment (if the first one was recorded "
                                    "after all, the new one replaces it).")) from None
            raise
        except BaseException:
            session.rollback()
            raise
    raise AssertionError("unreachable")  # pragma: no cover


def _replace_live(session: Session, cycle_id: int, voter: Voter, now) -> int:
    return session.execute(
        update(Ballot).where(Ballot.cycle_id == cycle_id, Ballot.voter_key == voter.key,
                             Ballot.replaced_at.is_(None)).values(replaced_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount


def _cast(session: Session, cycle_id: int, voter: Voter, raw_choices: Any, channel: str) -> Receipt:
    postgres = session.get_bind().dialect.name == "postgresql"
    now = utcnow()
    replaced = None
    if postgres:
        # one voter at a time (concurrent submissions of one voter queue here instead of failing)
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _advisory_key(cycle_id, voter.key)})
    else:
        replaced = _replace_live(session, cycle_id, voter, now)  # a write first: SQLite's write lock, held
    # The phase read now cannot change before this transaction ends: SQLite holds its write lock, and on
    # PostgreSQL an officer's phase change (SELECT ... FOR UPDATE) waits for this key-share lock.
    query = select(Cycle).where(Cycle.id == cycle_id).execution_options(populate_existing=True)
    if postgres:
        query = query.with_for_update(read=True, key_share=True)
    cycle = session.execute(query).scalar_one_or_none()
    if cycle is None or cycle.phase == CyclePhase.DRAFT:
        raise NotFound(_("There is no such cycle."))
    phases.require(cycle, "vote")
    if voter.code_id is None:
        eligibility.check(cycle, voter.account)
    choices = ballot_definition(session, cycle).validate(raw_choices)
    if replaced is None:
        replaced = _replace_live(session, cycle_id, voter, now)
    if voter.code_id is not None:
        if replaced:
            raise NotAllowed(_("This voting code has been used already."), code="code_used")
        used = session.execute(
            update(VotingCode).where(VotingCode.id == voter.code_id, VotingCode.cycle_id == cycle_id,
                                     VotingCode.used_at.is_(None), VotingCode.revoked_at.is_(None))
            .values(used_at=now).execution_options(synchronize_session=False)
        ).rowcount
        if used != 1:
            raise NotAllowed(_("This voting code has been used already, or revoked."), code="code_used")
    receipt = new_receipt()
    session.add(Ballot(cycle_id=cycle_id, voter_key=voter.key, user_id=voter.user_id, channel=channel,
                       choices=choices, receipt_code=receipt, district_code=voter.district_code, created_at=now))
    session.commit()
    return Receipt(receipt, choices, now, bool(replaced), cycle)


def project_titles(session: Session, cycle: Cycle) -> dict[str, str]:
    """Titles of the projects on the ballot (from the cached definition while voting is open)."""
    return {pid: project.name for pid, project in ballot_definition(session, cycle).instance.projects.items()}


def live_ballot(session: Session, cycle_id: int, voter_key: str) -> Ballot | None:
    """The voter's own live ballot (shown to the voter only)."""
    return session.scalar(select(Ballot).where(Ballot.cycle_id == cycle_id, Ballot.voter_key == voter_key,
                                               Ballot.replaced_at.is_(None)))

