"""PostgreSQL restarts under the portal: a write interrupted mid-transaction leaves nothing half-written, and the
portal answers again by itself (pool pre-ping, retried idempotent reads), without restarting the app.

The restart is real (`pg_ctlcluster ... restart -m fast`, after a CHECKPOINT so the window stays around a second):
other test sessions on this machine lose their open connections for that moment and reconnect by themselves.
"""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest
from sqlalchemy import create_engine, event, func, select, text
from sqlalchemy.exc import DBAPIError

from portal.budget import importer
from portal.city import DATA, load_city
from portal.models import AuditEvent, BudgetImport, BudgetLine, Role
from tests.conftest import PG_URL, PgSchema, make_config
from tests.helpers import callback_body, login, make_user, post_callback
from tests.participation import cycle_with_ballot, quick_user

pytestmark = [pytest.mark.slow, pytest.mark.postgres]


def restart_postgres() -> None:
    engine = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text("CHECKPOINT"))  # the shutdown checkpoint then has little left to write
        version = conn.execute(text("SHOW server_version_num")).scalar() or "150000"
    engine.dispose()
    subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", str(int(version) // 10000), "main", "restart",
                    "-m", "fast"], check=True, capture_output=True, timeout=120)


@pytest.fixture(scope="module")
def restartable():
    if shutil.which("pg_ctlcluster") is None or os.geteuid() != 0:
        pytest.skip("restarting PostgreSQL needs pg_ctlcluster and root")
    schema = PgSchema()
    yield schema
    schema.admin.dispose()  # its pooled connection did not survive the restart
    schema.drop()


def test_interrupted_import_leaves_nothing_and_the_portal_comes_back(restartable, tmp_path):
    from portal import create_app

    app = create_app(make_config(restartable.url, tmp_path))
    server, db = app.server, app.server.extensions["portal_db"]
    koeln = load_city("koeln")
    officer_id = make_user(db, "officer@example.org", Role.OFFICER)
    plan = importer.prepare(importer.read_paths([DATA / f for f in koeln.budget["files"]]), koeln)
    assert plan.ok and len(plan.lines) > 4000
    client = server.test_client()
    assert client.get("/healthz").status_code == 200

    restarted = []

    def restart_in_the_middle(conn, cursor, statement, parameters, context, executemany):
        if not restarted and statement.lstrip().upper().startswith("INSERT INTO AUDIT_EVENTS"):
            restarted.append(True)
            restart_postgres()  # the import's transaction has written its record and every line, uncommitted

    event.listen(db.engine, "before_cursor_execute", restart_in_the_middle)
    try:
        with pytest.raises(DBAPIError), db.session() as session:
            from portal.models import User

            importer.apply(session, plan, user=session.get(User, officer_id))
    finally:
        event.remove(db.engine, "before_cursor_execute", restart_in_the_middle)
    assert restarted, "the restart happened while the import was writing"

    # the portal answers again by itself: health check, a page, a signed-in write
    assert client.get("/healthz").status_code == 200
    assert client.get("/_dash-layout").status_code == 200
    with db.session() as session:
        assert session.scalar(select(func.count()).select_from(BudgetLine)) == 0
        assert session.scalar(select(func.count()).select_from(BudgetImport)) == 0
        assert session.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.action == "budget.import")) == 0
        officer = quick_user(session, Role.OFFICER)
        cycle, made = cycle_with_ballot(session, officer, [("Playground", 40_000), ("Cycle lane", 50_000)])
        cycle_id, first = cycle.id, str(made[0].id)
    make_user(db, "voter@example.org")
    login(client, "voter@example.org")
    dep = next(d for d in client.get("/_dash-dependencies").get_json()
               if d["output"].startswith("..ballot-result.children"))
    body = callback_body(dep)
    body["inputs"][0]["value"] = 1
    values = {"ballot-cycle": cycle_id, "ballot-approve": [first], "ballot-points-store": {}, "ballot-ranking": []}
    body["state"] = [{**s, "value": values[s["id"]]} for s in body["state"]]
    response = post_callback(client, body, client.get_cookie("_csrf_token").value)
    assert response.status_code == 200 and "ballot-receipt" in response.get_data(as_text=True)

    # and the same import, run again, now goes through completely
    with db.session() as session:
        from portal.models import User

        importer.apply(session, plan, user=session.get(User, officer_id))
    with db.session() as session:
        assert session.scalar(select(func.count()).select_from(BudgetLine)) == len(plan.lines)
    db.dispose()


def test_reads_wait_out_a_short_restart(restartable, tmp_path):
    """A read whose connection died in a restart is retried on a fresh one; without the retry it fails."""
    from portal.db import Database, retry_read

    db = Database(restartable.url)
    plain, retried = db.sessionmaker(), db.sessionmaker()
    try:
        for session in (plain, retried):
            session.execute(text("SELECT 1"))  # each holds its connection, in a transaction
        restart_postgres()
        with pytest.raises(DBAPIError):
            plain.execute(text("SELECT 41 + 1"))
        assert retry_read(retried, lambda: retried.execute(text("SELECT 41 + 1")).scalar()) == 42
    finally:
        plain.close()
        retried.close()
        db.dispose()
