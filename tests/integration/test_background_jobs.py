"""Long jobs as background callbacks (diskcache here; Celery on Redis in production): counting a cycle and
importing a budget run in another process, report progress, and go through the access guard on every poll."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from portal.models import AuditEvent, BudgetLine, CyclePhase, Result, Role, User
from portal.participation import phases
from tests.helpers import PASSWORD, callback_body, login, make_user, post_callback
from tests.participation import cycle_with_ballot, quick_user, vote

PROJECTS = [("Playground north", 60_000), ("Cycle lane", 50_000), ("Trees on the square", 10_000)]


def _dep(client, start: str) -> dict:
    return next(d for d in client.get("/_dash-dependencies").get_json() if d["output"].startswith(start))


def _counting_cycle(portal_db) -> int:
    with portal_db.session() as session:
        officer = quick_user(session, Role.OFFICER)
        cycle, made = cycle_with_ballot(session, officer, PROJECTS)
        for choice in ([0, 2], [1, 2], [2], [0], [1]):
            vote(session, cycle.id, quick_user(session), [str(made[i].id) for i in choice])
        phases.change_phase(session, cycle, CyclePhase.COUNTING, session.get(User, officer.id))
        return cycle.id


def _count_body(client, cycle_id):
    body = callback_body(_dep(client, "..count-msg.children"))
    body["inputs"][0]["value"] = 1
    body["state"][0]["value"] = cycle_id
    body["changedPropIds"] = ["count-run.n_clicks"]
    return body


def test_an_officer_counts_in_a_background_job_with_progress(app, client, portal_db):
    cycle_id = _counting_cycle(portal_db)
    make_user(portal_db, "counter@example.org", Role.OFFICER)
    login(client, "counter@example.org")
    first = client.post("/_dash-update-component", json=_count_body(client, cycle_id),
                        headers={"X-CSRFToken": client.get_cookie("_csrf_token").value})
    assert first.status_code == 200 and set(first.get_json()) >= {"cacheKey", "job"}, "a job, not the answer"
    response = post_callback(client, _count_body(client, cycle_id), client.get_cookie("_csrf_token").value)
    assert response.status_code == 200, response.data[:300]
    text = json.dumps(response.get_json())
    assert "count-ok" in text and "count-funded" in text
    with portal_db.session() as session:
        result = session.scalars(select(Result).where(Result.cycle_id == cycle_id)).all()[-1]
        assert result.ballot_count == 5 and result.published_at is None
        event = session.scalars(select(AuditEvent).where(AuditEvent.action == "result.count")).all()[-1]
        assert event.actor_email == "counter@example.org", "the job acted as the officer the guard saw"


def test_a_citizen_can_neither_start_nor_poll_a_count(app, client, portal_db):
    cycle_id = _counting_cycle(portal_db)
    make_user(portal_db, "officer2@example.org", Role.OFFICER)
    make_user(portal_db, "citizen2@example.org")
    officer = app.server.test_client()
    login(officer, "officer2@example.org")
    started = officer.post("/_dash-update-component", json=_count_body(officer, cycle_id),
                           headers={"X-CSRFToken": officer.get_cookie("_csrf_token").value}).get_json()
    login(client, "citizen2@example.org")
    token = client.get_cookie("_csrf_token").value
    body = _count_body(client, cycle_id)
    assert client.post("/_dash-update-component", json=body, headers={"X-CSRFToken": token}).status_code == 403
    poll = client.post("/_dash-update-component", json=body, headers={"X-CSRFToken": token},
                       query_string={"cacheKey": started["cacheKey"], "job": started["job"]})
    assert poll.status_code == 403 and b"count-funded" not in poll.data
    # the officer's own polling gets the answer
    response = post_callback(officer, _count_body(officer, cycle_id), officer.get_cookie("_csrf_token").value)
    assert "count-ok" in json.dumps(response.get_json())


OWN = """fiscal_year,phase,statement,direction,fn1_code,fn1_name,amount
2024,approved,operating,expenditure,01,Schools,1000.50
2024,approved,operating,revenue,01,Schools,300
"""


def test_a_budget_import_runs_as_a_background_job(app, client, portal_db):
    import base64

    make_user(portal_db, "importer@example.org", Role.OFFICER)
    login(client, "importer@example.org")
    token = client.get_cookie("_csrf_token").value
    files = {"contents": [f"data:text/csv;base64,{base64.b64encode(OWN.encode()).decode()}"],
             "filename": ["budget.csv"]}

    def body_for(start, clicked, sha=None):
        dep = _dep(client, start)
        body = callback_body(dep)
        values = {"bi-files.contents": files["contents"], "bi-files.filename": files["filename"],
                  "bi-mapping.value": None, "bi-sha.data": sha, clicked: 1}
        body["inputs"] = [{**i, "value": values.get(f"{i['id']}.{i['property']}")} for i in dep["inputs"]]
        body["state"] = [{**s, "value": values.get(f"{s['id']}.{s['property']}")} for s in dep["state"]]
        body["changedPropIds"] = [clicked]
        return body

    checked = post_callback(client, body_for("..bi-result.children", "bi-check.n_clicks"), token).get_json()
    sha = checked["response"]["bi-sha"]["data"]
    done = post_callback(client, body_for("bi-done.children", "bi-confirm.n_clicks", sha), token)
    assert "Imported 2 budget lines" in json.dumps(done.get_json())
    assert done.progress_seen, "the page heard of the import's progress"
    with portal_db.session() as session:
        assert session.scalar(select(func.count()).select_from(BudgetLine)) == 2


def test_the_job_acts_only_as_an_account_that_still_holds_the_role(app, portal_db):
    """Inside the job (no request): the account the guard saw is loaded again; a demotion or a new session
    version since the click stops the job."""
    import os

    import pytest
    from dash._callback_context import context_value
    from dash._utils import AttributeDict
    from dash.exceptions import PreventUpdate
    from flask_login import current_user

    from portal.background import app_key, run_job

    officer_id = make_user(portal_db, "job-officer@example.org", Role.OFFICER)
    seen = []

    def body():
        seen.append(current_user.email)
        return "done"

    def identity(**changes):
        ident = {"app": app_key(portal_db.url), "pid": os.getpid() + 1, "user_id": officer_id, "session_version": 1,
                 "language": "en", **changes}
        context_value.set(AttributeDict(custom_data={"portal": ident}))

    identity()
    assert run_job(body, "officer", (), {}) == "done" and seen == ["job-officer@example.org"]
    identity(session_version=2)  # signed out everywhere since the click
    with pytest.raises(PreventUpdate):
        run_job(body, "officer", (), {})
    with portal_db.session() as session:
        session.get(User, officer_id).role = Role.CITIZEN
    identity()
    with pytest.raises(PreventUpdate):
        run_job(body, "officer", (), {})
    identity(user_id=None)
    with pytest.raises(PreventUpdate):
        run_job(body, "citizen", (), {})
    assert seen == ["job-officer@example.org"]


@pytest.mark.slow
@pytest.mark.postgres
def test_a_count_runs_on_a_celery_worker_through_redis(tmp_path):
    """The production set-up: gunicorn and a Celery worker (real processes) on PostgreSQL and Redis."""
    import subprocess
    import sys
    import time
    import uuid

    import requests

    from portal.db import Database
    from portal.migrate import upgrade
    from tests.conftest import PgSchema
    from tests.redis_check import redis_or_skip
    from tests.servers import ROOT, Gunicorn, free_port, server_env

    redis_url = "redis://127.0.0.1:6379/13"
    redis_or_skip(redis_url)
    schema = PgSchema()
    db = Database(schema.url)
    upgrade(db)
    try:
        cycle_id = _counting_cycle(db)
        make_user(db, "celery-officer@example.org", Role.OFFICER)
        env = server_env(schema.url, tmp_path, REDIS_URL=redis_url, PORTAL_BACKGROUND="celery",
                         PORTAL_REDIS_PREFIX=f"celery-{uuid.uuid4().hex[:8]}", PORTAL_ENV="development")
        worker = subprocess.Popen([sys.executable, "-m", "celery", "-A", "app:celery_app", "worker", "--pool", "solo",
                                   "--loglevel", "WARNING"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                                  stderr=subprocess.DEVNULL)
        try:
            with Gunicorn(free_port(), env, workers=1, threads=2) as server:
                client = requests.Session()
                client.get(server.url + "/", timeout=10)
                client.post(server.url + "/auth/login", timeout=10, allow_redirects=False, data={
                    "email": "celery-officer@example.org", "password": PASSWORD,
                    "csrf_token": client.cookies.get("_csrf_token")})
                deps = client.get(server.url + "/_dash-dependencies", timeout=10).json()
                body = callback_body(next(d for d in deps if d["output"].startswith("..count-msg.children")))
                body["inputs"][0]["value"], body["state"][0]["value"] = 1, cycle_id
                body["changedPropIds"] = ["count-run.n_clicks"]
                headers = {"X-CSRFToken": client.cookies.get("_csrf_token")}
                handles = client.post(server.url + "/_dash-update-component", json=body, headers=headers,
                                      timeout=10).json()
                assert {"cacheKey", "job"} <= set(handles)
                answer = None
                deadline = time.monotonic() + 90
                while answer is None and time.monotonic() < deadline:
                    time.sleep(0.3)
                    polled = client.post(server.url + "/_dash-update-component", json=body, headers=headers,
                                         params={"cacheKey": handles["cacheKey"], "job": handles["job"]}, timeout=10)
                    assert polled.status_code in (200, 204), polled.text[:300]
                    if polled.status_code == 200 and "response" in polled.json():
                        answer = json.dumps(polled.json())
                assert answer is not None and "count-ok" in answer, "the worker counted and the server answered"
        finally:
            worker.terminate()
            worker.wait(timeout=20)
        with db.session() as session:
            event = session.scalars(select(AuditEvent).where(AuditEvent.action == "result.count")).all()[-1]
            assert event.actor_email == "celery-officer@example.org"
    finally:
        db.dispose()
        schema.drop()
