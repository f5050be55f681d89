"""Two app servers (gunicorn, real processes, real HTTP on two ports) share one PostgreSQL schema and one Redis:
a vote cast on one is read on the other; a session made on one works on the other; rate limits count together."""

from __future__ import annotations

import json
import uuid

import pytest
import requests

from portal.db import Database
from portal.migrate import upgrade
from portal.models import Role
from tests.conftest import PgSchema
from tests.helpers import PASSWORD, callback_body, make_user
from tests.participation import cycle_with_ballot, quick_user
from tests.redis_check import redis_or_skip
from tests.servers import Gunicorn, ballot_body, free_port, receipt_from, server_env

pytestmark = [pytest.mark.slow, pytest.mark.postgres]
REDIS_URL = "redis://127.0.0.1:6379/14"


@pytest.fixture(scope="module")
def two_servers(tmp_path_factory):
    redis_or_skip(REDIS_URL)
    schema = PgSchema()
    db = Database(schema.url)
    upgrade(db)
    make_user(db, "voter@example.org")
    make_user(db, "guessed@example.org")
    with db.session() as session:
        officer = quick_user(session, Role.OFFICER)
        cycle, made = cycle_with_ballot(session, officer, [("Playground", 40_000), ("Cycle lane", 50_000)])
        cycle_id, ids = cycle.id, [str(p.id) for p in made]
    db.dispose()
    prefix = f"two-{uuid.uuid4().hex[:8]}"  # this test's own Redis keys
    servers = []
    try:
        for name in ("a", "b"):
            env = server_env(schema.url, tmp_path_factory.mktemp(f"server-{name}"), REDIS_URL=REDIS_URL,
                             PORTAL_REDIS_PREFIX=prefix, PORTAL_RATELIMIT_LOGIN="3/minute",
                             PORTAL_BACKGROUND="diskcache", PORTAL_PROXY_COUNT="1",
                             PORTAL_ENV="development")  # plain http here: production cookies are Secure-only
            servers.append(Gunicorn(free_port(), env, workers=2, threads=2).__enter__())
        yield servers[0].url, servers[1].url, cycle_id, ids
    finally:
        for server in servers:
            server.__exit__(None, None, None)
        schema.drop()


def _client(base: str, address: str) -> requests.Session:
    """A browser at `address` (behind the one trusted proxy the servers are configured for)."""
    client = requests.Session()
    client.headers["X-Forwarded-For"] = address
    client.get(base + "/", timeout=10)
    return client


def _login(client: requests.Session, base: str, email: str, password: str) -> requests.Response:
    token = client.cookies.get("_csrf_token")
    return client.post(base + "/auth/login", data={"email": email, "password": password, "csrf_token": token},
                       allow_redirects=False, timeout=10)


def _callback(client: requests.Session, base: str, body: dict) -> dict:
    response = client.post(base + "/_dash-update-component", json=body, timeout=20,
                           headers={"X-CSRFToken": client.cookies.get("_csrf_token")})
    assert response.status_code == 200, response.text[:300]
    return response.json()


def _page(client: requests.Session, base: str, path: str) -> str:
    router = next(d for d in client.get(base + "/_dash-dependencies", timeout=10).json()
                  if "_pages_content" in d["output"])
    body = callback_body(router)
    body["inputs"] = [{**i, "value": path if i["property"] == "pathname" else ""} for i in router["inputs"]]
    return json.dumps(_callback(client, base, body))


def test_vote_on_one_server_read_on_the_other_with_one_session(two_servers):
    a, b, cycle_id, ids = two_servers
    client = _client(a, "10.9.0.1")
    assert _login(client, a, "voter@example.org", PASSWORD).headers["Location"] == "/"
    # the session made by server A is honoured by server B (signed cookie, same secret, no server memory)
    assert client.get(b + "/account", allow_redirects=False, timeout=10).status_code == 200
    receipt = receipt_from(_callback(client, a, ballot_body(cycle_id, [ids[0]])))
    assert receipt, "server A acknowledged the ballot with a receipt"
    on_b = _page(client, b, f"/vote/{cycle_id}")
    assert receipt in on_b and "ballot-previous" in on_b  # server B shows the ballot A stored
    # and the voter changes the ballot on B: one live ballot, the latest, read back on A
    second = receipt_from(_callback(client, b, ballot_body(cycle_id, [ids[1]])))
    assert second and second != receipt
    on_a = _page(client, a, f"/vote/{cycle_id}")
    assert second in on_a and receipt not in on_a


def test_log_in_limit_counts_attempts_on_both_servers_together(two_servers):
    a, b, _cycle_id, _ids = two_servers
    guesser_a, guesser_b = _client(a, "10.9.0.2"), _client(b, "10.9.0.2")
    assert "error=invalid" in _login(guesser_a, a, "guessed@example.org", "wrong guess 1").headers["Location"]
    assert "error=invalid" in _login(guesser_b, b, "guessed@example.org", "wrong guess 2").headers["Location"]
    assert "error=invalid" in _login(guesser_a, a, "guessed@example.org", "wrong guess 3").headers["Location"]
    # the fourth attempt from this address in the minute is refused by B, although B saw only one before
    refused = _login(guesser_b, b, "guessed@example.org", PASSWORD)
    assert "error=too_many" in refused.headers["Location"]
    assert guesser_b.get(b + "/account", allow_redirects=False, timeout=10).status_code == 302
    # another address is not affected on either server
    other = _client(b, "10.9.0.3")
    assert _login(other, b, "guessed@example.org", PASSWORD).headers["Location"] == "/"
