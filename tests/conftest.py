"""Shared fixtures: real SQLite files and the real PostgreSQL server, a live app server, real Chromium.

A test that needs PostgreSQL or Chromium fails under CI=true when it is missing; elsewhere it is
skipped, and the end of the run says loudly which tests were skipped and why.
"""

from __future__ import annotations

import os
import shutil
import socket
import threading
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from portal.config import Config
from portal.db import Database
from portal.migrate import upgrade
from portal.models import Base

CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
PG_URL = os.environ.get("TEST_DATABASE_URL", "postgresql+psycopg://root@127.0.0.1:5432/test")
CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or shutil.which("chromium-browser")
MISSING: dict[str, str] = {}


def missing_service(name: str, why: str) -> None:
    """Fail in CI, skip elsewhere (and remember it for the loud summary)."""
    MISSING[name] = why
    if CI:
        pytest.fail(f"{name} is required with CI=true: {why}", pytrace=False)
    pytest.skip(f"{name} unavailable: {why}")


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    skipped = terminalreporter.stats.get("skipped", [])
    if not MISSING:
        return
    terminalreporter.write_sep("!", "TESTS SKIPPED BECAUSE A SERVICE IS MISSING", red=True, bold=True)
    for name, why in MISSING.items():
        count = sum(1 for rep in skipped if name in str(rep.longrepr))
        terminalreporter.write_line(f"  {name}: {why} -> {count} tests skipped", red=True, bold=True)
    terminalreporter.write_line("  Run with CI=true to make these failures instead.", red=True)


# Databases ---------------------------------------------------------------------------------------

def _postgres_available() -> str | None:
    url = make_url(PG_URL)
    try:
        with socket.create_connection((url.host or "127.0.0.1", url.port or 5432), timeout=2):
            pass
        engine = create_engine(PG_URL)
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        engine.dispose()
    except Exception as exc:  # noqa: BLE001
        return f"cannot reach {url.render_as_string(hide_password=True)}: {exc.__class__.__name__}: {exc}"
    return None


class PgSchema:
    """A private schema in the real PostgreSQL `test` database; `url` points search_path at it."""

    def __init__(self):
        problem = _postgres_available()
        if problem:
            missing_service("PostgreSQL", problem)
        self.name = f"t_{uuid.uuid4().hex[:12]}"
        self.admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT", pool_pre_ping=True)  # survives a restart
        with self.admin.connect() as conn:
            conn.execute(text(f'CREATE SCHEMA "{self.name}"'))
        url = make_url(PG_URL).update_query_dict({"options": f"-csearch_path={self.name}"})
        self.url = url.render_as_string(hide_password=False)

    def drop(self):
        with self.admin.connect() as conn:
            conn.execute(text(f'DROP SCHEMA "{self.name}" CASCADE'))
        self.admin.dispose()


@pytest.fixture(scope="session")
def pg_schema_url():
    schema = PgSchema()
    yield schema.url
    schema.drop()


@pytest.fixture
def fresh_database_url(backend, tmp_path):
    """An empty database (not migrated) on the current backend, for migration tests."""
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'fresh.sqlite3'}"
        return
    schema = PgSchema()
    yield schema.url
    schema.drop()


@pytest.fixture(scope="session")
def sqlite_url(tmp_path_factory):
    return f"sqlite:///{tmp_path_factory.mktemp('sqlite') / 'portal.sqlite3'}"


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def backend(request):
    return request.param


@pytest.fixture(scope="session")
def database_url(backend, request):
    if backend == "sqlite":
        return request.getfixturevalue("sqlite_url")
    return request.getfixturevalue("pg_schema_url")


@pytest.fixture(scope="session")
def migrated_db(database_url):
    db = Database(database_url)
    upgrade(db)
    yield db
    db.dispose()


def truncate_all(db: Database) -> None:
    tables = [t.name for t in reversed(Base.metadata.sorted_tables)]
    with db.engine.begin() as conn:
        if db.dialect == "postgresql":
            conn.execute(text("TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " RESTART IDENTITY CASCADE"))
        else:
            for table in tables:
                conn.execute(text(f'DELETE FROM "{table}"'))


@pytest.fixture
def db(migrated_db):
    """An empty, migrated database on the current backend."""
    truncate_all(migrated_db)
    return migrated_db


# The application -----------------------------------------------------------------------------------

def make_config(database_url: str, instance_path: Path, **overrides) -> Config:
    cfg = Config(
        database_url=database_url, secret_key="test-secret-" + "x" * 40, testing=True, auto_setup=True,
        seed_demo=False, instance_path=instance_path, log_level="WARNING",
    )
    for key, value in overrides.items():
        setattr(cfg, key, value)
    return cfg


@pytest.fixture(scope="session")
def app_session(migrated_db, tmp_path_factory):
    from portal import create_app

    return create_app(make_config(migrated_db.url, tmp_path_factory.mktemp("instance")))


@pytest.fixture
def app(app_session, db):
    """The Dash app on an empty database (backend-parametrised through `db`), rate-limit counters reset."""
    app_session.server.extensions["portal_limiter"].reset()
    return app_session


@pytest.fixture
def server(app):
    return app.server


@pytest.fixture
def client(server):
    return server.test_client()


@pytest.fixture
def portal_db(server):
    return server.extensions["portal_db"]


# Live server and browser ---------------------------------------------------------------------------

class LiveServer:
    def __init__(self, flask_app):
        from werkzeug.serving import make_server

        self.httpd = make_server("127.0.0.1", 0, flask_app, threaded=True)
        self.instance_path = flask_app.instance_path
        self.url = f"http://127.0.0.1:{self.httpd.server_port}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.thread.join(timeout=5)


@pytest.fixture(scope="session")
def browser_app(tmp_path_factory):
    """One app on its own SQLite file for browser tests, with the demo data seeded."""
    from portal import create_app

    path = tmp_path_factory.mktemp("browser")
    return create_app(make_config(f"sqlite:///{path / 'portal.sqlite3'}", path, seed_demo=True,
                                  ratelimit_login="300/minute", ratelimit_register="300/minute"))


@pytest.fixture(scope="session")
def live_server(browser_app):
    with LiveServer(browser_app.server) as live:
        yield live


@pytest.fixture(scope="session")
def chromium():
    if not CHROMIUM:
        missing_service("Chromium", "no chromium binary on PATH (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--no-first-run", "--disable-quic",
        ])
        yield browser
        browser.close()


@pytest.fixture
def page(chromium):
    """A fresh browser context (no cookies) with console errors collected in `page.console_errors`."""
    context = chromium.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
    pg = context.new_page()
    pg.console_errors = []
    pg.on("console", lambda m: pg.console_errors.append(m.text) if m.type == "error" else None)
    pg.on("pageerror", lambda e: pg.console_errors.append(str(e)))
    pg.set_default_timeout(15_000)
    yield pg
    context.close()
