"""Database engine and sessions: one Session per request or unit of work, transactions explicit."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

from flask import current_app, g
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

log = logging.getLogger(__name__)
T = TypeVar("T")
READ_RETRIES = 4  # about 3 s in all: a database restart or fail-over stays invisible to readers


class Database:
    """Owns the engine and the session factory for one configured database URL."""

    def __init__(self, url: str, echo: bool = False):
        self.url = url
        kwargs: dict = {"echo": echo, "pool_pre_ping": True}
        if url.startswith("sqlite"):
            kwargs["connect_args"] = {"check_same_thread": False, "timeout": 30}
        else:
            kwargs.update(pool_size=10, max_overflow=20, pool_recycle=1800)
        self.engine: Engine = create_engine(url, **kwargs)
        if url.startswith("sqlite"):
            event.listen(self.engine, "connect", _sqlite_pragmas)
        self.sessionmaker = sessionmaker(self.engine, expire_on_commit=False)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A unit of work: commits when the block ends normally, rolls back on any error."""
        session = self.sessionmaker()
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def dispose(self) -> None:
        self.engine.dispose()


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def get_db() -> Database:
    return current_app.extensions["portal_db"]


def get_session() -> Session:
    """The session of the current request; closed (and rolled back if uncommitted) at teardown."""
    if "db_session" not in g:
        g.db_session = get_db().sessionmaker()
    return g.db_session


def close_session(_exc: BaseException | None = None) -> None:
    """Teardown: end the request's session. A connection that died after the response was made (the database
    restarting) must not turn that response, perhaps a ballot's receipt, into a 500: the rollback is then moot."""
    session = g.pop("db_session", None)
    if session is None:
        return
    try:
        session.rollback()
    except DBAPIError as exc:
        if not is_disconnect(exc):
            raise
        log.warning("database connection lost at the end of a request (%s); discarded", exc.__class__.__name__)
    finally:
        try:
            session.close()
        except DBAPIError:  # the same dead connection, already reported
            log.debug("closing a session on a dead connection", exc_info=True)


def is_disconnect(exc: BaseException) -> bool:
    """The database went away (restart, fail-over, network): the same read may succeed on a new connection."""
    return isinstance(exc, DBAPIError) and (exc.connection_invalidated or exc.__class__.__name__ == "OperationalError")


def retry_read(session: Session, read: Callable[[], T], attempts: int = READ_RETRIES) -> T:
    """Run an idempotent read; when the connection was lost, roll back and try again on a fresh one.

    Only for reads: a write whose commit failed may or may not have happened, so writes are never
    retried here (the ballot path answers "send it again": a new ballot replaces the old one).
    """
    for attempt in range(attempts):
        try:
            return read()
        except DBAPIError as exc:
            if not is_disconnect(exc) or attempt == attempts - 1 or session.new or session.dirty or session.deleted:
                raise
            log.warning("database connection lost, retrying a read (%s)", exc.__class__.__name__)
            session.rollback()
            time.sleep(0.2 * 2 ** attempt)
    raise AssertionError("unreachable")  # pragma: no cover


# Whether a session's transaction has written anything: a read-only transaction may simply continue into the
# next unit of work (portal.participation.ballots uses this on its hot path).
WROTE = "portal_wrote"


@event.listens_for(Session, "after_flush")
def _flushed(session, _context) -> None:
    session.info[WROTE] = True


@event.listens_for(Session, "do_orm_execute")
def _executed(state) -> None:
    if not state.is_select:
        state.session.info[WROTE] = True


@event.listens_for(Session, "after_transaction_end")
def _ended(session, transaction) -> None:
    if transaction.parent is None:
        session.info.pop(WROTE, None)


def has_written(session: Session) -> bool:
    """True when the current transaction holds writes (flushed or pending) that a rollback would lose."""
    return bool(session.new or session.dirty or session.deleted or session.info.get(WROTE))
