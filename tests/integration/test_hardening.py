"""Hardening over HTTP: rate limits and lockout, no account enumeration, session rotation, security headers on
every kind of response, upload limits, compression and caching of fingerprinted assets."""

from __future__ import annotations

import json
import re

import pytest
from sqlalchemy import func, select

from portal.models import Ballot, Cycle, Role, User
from portal.participation import codes
from portal.security import route
from tests.conftest import make_config
from tests.helpers import PASSWORD, callback_body, csrf_token, login, make_user, outbox_messages, post_callback
from tests.participation import cycle_with_ballot, quick_user

PROJECTS = [("Playground north", 60_000), ("Cycle lane", 50_000), ("Trees on the square", 10_000)]


@pytest.fixture
def limited(migrated_db, db, tmp_path):
    """An app with small limits, to reach them in a test (the defaults are in portal.config)."""
    from portal import create_app

    app = create_app(make_config(migrated_db.url, tmp_path, ratelimit_login="3/minute", ratelimit_register="2/minute",
                                 ratelimit_code="3/minute", ratelimit_ballot="2/minute"))
    return app.server


def _login(client, email, password, remote="10.0.0.1"):
    token = csrf_token(client)
    return client.post("/auth/login", data={"email": email, "password": password, "csrf_token": token},
                       environ_base={"REMOTE_ADDR": remote})


def test_login_is_rate_limited_per_address_without_locking_out_others(limited, portal_db):
    make_user(portal_db, "guess@example.org")
    attacker = limited.test_client()
    for _ in range(3):
        assert "error=invalid" in _login(attacker, "guess@example.org", "wrong guess 123").headers["Location"]
    refused = _login(attacker, "guess@example.org", PASSWORD)  # even the right password: over the limit
    assert "error=too_many" in refused.headers["Location"]
    assert attacker.get("/account").status_code == 302
    other = limited.test_client()  # another address is not slowed down by the attacker's limit
    assert _login(other, "guess@example.org", PASSWORD, remote="10.0.0.2").headers["Location"] == "/"
    page = limited.test_client().get("/_dash-layout")
    assert page.status_code == 200


def test_lockout_after_five_failures_holds_from_any_address(app, client, portal_db):
    make_user(portal_db, "lock2@example.org")
    for i in range(5):
        _login(app.server.test_client(), "lock2@example.org", "wrong-password-x", remote=f"10.1.0.{i}")
    response = _login(client, "lock2@example.org", PASSWORD, remote="10.1.0.99")
    assert "error=invalid" in response.headers["Location"]  # the same message as a wrong password
    with portal_db.session() as session:
        assert session.scalar(select(User).where(User.email == "lock2@example.org")).locked_until is not None


def test_registration_answers_the_same_for_known_and_new_addresses(app, server, portal_db, monkeypatch):
    """No enumeration: same redirect, same page, one password hash and one e-mail in both cases."""
    import portal.auth as auth_module

    make_user(portal_db, "known@example.org")
    hashes = []
    real_hash = auth_module.generate_password_hash
    monkeypatch.setattr(auth_module, "generate_password_hash", lambda p: hashes.append(1) or real_hash(p))
    answers = []
    for email in ("known@example.org", "brand-new@example.org"):
        client = server.test_client()
        token = csrf_token(client)
        response = client.post("/auth/register", data={"email": email, "password": PASSWORD, "password2": PASSWORD,
                                                       "csrf_token": token})
        page = client.get(response.headers["Location"])
        answers.append((response.status_code, response.headers["Location"], page.status_code))
        assert client.get("/account").status_code == 302, "nobody is signed in before confirming"
    assert answers[0] == answers[1] == (303, "/register?sent=1", 200)
    assert hashes == [1, 1]
    assert len(outbox_messages(server.instance_path, "known@example.org")) == 1
    assert len(outbox_messages(server.instance_path, "brand-new@example.org")) == 1
    with portal_db.session() as session:
        assert session.scalar(select(func.count()).select_from(User)) == 1


def test_a_forged_or_expired_confirmation_creates_nothing(client, portal_db):
    token = csrf_token(client)
    for forged in ("", "abc", "eyJlIjoiYUBiLm9yZyJ9.forged.signature"):
        response = client.post("/auth/confirm", data={"token": forged, "csrf_token": token})
        assert "error=token_invalid" in response.headers["Location"]
    with portal_db.session() as session:
        assert session.scalar(select(func.count()).select_from(User)) == 0


def test_registration_is_rate_limited(limited, portal_db):
    client = limited.test_client()
    token = csrf_token(client)
    locations = [client.post("/auth/register", data={"email": f"r{i}@example.org", "password": PASSWORD,
                                                     "password2": PASSWORD, "csrf_token": token}).headers["Location"]
                 for i in range(3)]
    assert locations[:2] == ["/register?sent=1"] * 2 and "error=too_many" in locations[2]


def test_log_in_rotates_the_session(client, portal_db):
    make_user(portal_db, "rotate@example.org")
    client.get("/")
    anonymous_cookie = client.get_cookie("portal_session")
    old_token = client.get_cookie("_csrf_token").value
    login(client, "rotate@example.org")
    new_cookie = client.get_cookie("portal_session").value
    assert anonymous_cookie is None or anonymous_cookie.value != new_cookie
    # the CSRF token of the anonymous session is not valid in the signed-in one
    response = client.post("/auth/logout", data={"csrf_token": old_token})
    assert response.status_code == 400
    assert client.get("/account").status_code == 200


def test_password_policy_refuses_weak_passwords(client, portal_db):
    token = csrf_token(client)
    for password, code in (("short", "password_short"), ("aaaaaaaaaaaaaa", "password_common"),
                           ("rotate-me-please@example", "password_email")):
        response = client.post("/auth/register", data={"email": "rotate-me-please@example.org", "password": password,
                                                       "password2": password, "csrf_token": token})
        assert f"error={code}" in response.headers["Location"], password


def _vote_code_dep(client):
    deps = client.get("/_dash-dependencies").get_json()
    return next(d for d in deps if d["output"].startswith("..vote-code-msg.children"))


def test_voting_code_redemption_is_rate_limited_per_address(limited, portal_db):
    client = limited.test_client()
    token = csrf_token(client)
    body = callback_body(_vote_code_dep(client))
    body["inputs"][0]["value"] = 1
    texts = []
    for guess in ("AAAA-BBBB-CCCC", "AAAA-BBBB-CCCD", "AAAA-BBBB-CCCE", "AAAA-BBBB-CCCF"):
        body["state"][0]["value"] = guess
        response = post_callback(client, body, token)
        assert response.status_code == 200
        texts.append(json.dumps(response.get_json()))
    assert all("not a valid voting code" in t for t in texts[:3])
    assert "Too many attempts" in texts[3]


def test_ballots_are_limited_per_voter_not_per_address(limited, portal_db):
    for name in ("a", "b"):
        make_user(portal_db, f"{name}@example.org")
    with portal_db.session() as session:
        officer = quick_user(session, Role.OFFICER)
        cycle, made = cycle_with_ballot(session, officer, PROJECTS)
        cycle_id, ids = cycle.id, [str(p.id) for p in made]
    clients = {}
    for name in ("a", "b"):
        clients[name] = limited.test_client()
        login(clients[name], f"{name}@example.org")
    dep = next(d for d in clients["a"].get("/_dash-dependencies").get_json()
               if d["output"].startswith("..ballot-result.children"))

    def cast(client):
        body = callback_body(dep)
        body["inputs"][0]["value"] = 1
        values = {"ballot-cycle": cycle_id, "ballot-approve": [ids[2]], "ballot-points-store": {},
                  "ballot-ranking": []}
        body["state"] = [{**s, "value": values[s["id"]]} for s in body["state"]]
        return json.dumps(post_callback(client, body, client.get_cookie("_csrf_token").value).get_json())

    assert "ballot-receipt" in cast(clients["a"]) and "ballot-receipt" in cast(clients["a"])
    assert "Too many attempts" in cast(clients["a"])  # the third in a minute, from the same voter
    assert "ballot-receipt" in cast(clients["b"])  # another voter behind the same address votes normally
    with portal_db.session() as session:
        live = session.scalars(select(Ballot.voter_key).where(Ballot.cycle_id == cycle_id,
                                                              Ballot.replaced_at.is_(None))).all()
        assert len(set(live)) == len(live) == 2


def test_security_headers_on_every_kind_of_response(migrated_db, db, tmp_path):
    from portal import create_app

    server = create_app(make_config(migrated_db.url, tmp_path)).server

    @route("public")
    def boom_for_test():
        raise RuntimeError("a bug")

    server.add_url_rule("/boom-for-test", "boom_for_test", boom_for_test)
    server.config["PROPAGATE_EXCEPTIONS"] = False
    client = server.test_client()
    try:
        client.get("/")
        index = client.get("/").get_data(as_text=True)
        asset = re.search(r'href="(/assets/[^"]+)"', index).group(1)
        suite = re.search(r'src="(/_dash-component-suites/[^"]+)"', index).group(1)
        vendor = re.search(r'href="(/vendor/bootstrap[^"]+)"', index).group(1)
        token = client.get_cookie("_csrf_token").value
        responses = {
            "page": client.get("/"), "unknown page": client.get("/no/such/page"), "layout": client.get("/_dash-layout"),
            "dependencies": client.get("/_dash-dependencies"), "health": client.get("/healthz"),
            "asset": client.get(asset), "component suite": client.get(suite), "vendor css": client.get(vendor),
            "download": client.get("/budget/budget.csv"),
            "callback refused": post_callback(client, {"output": "nope.children"}, token),
            "csrf refused": client.post("/auth/login", data={}),
            "method not allowed": client.put("/healthz"),
            "too large": client.post("/auth/login", data=b"x" * (65 * 1024 * 1024),
                                     headers={"Content-Type": "application/octet-stream"}),
            "server error": client.get("/boom-for-test"),
            "log-in required": client.get("/account"),
        }
    finally:
        server.config["PROPAGATE_EXCEPTIONS"] = None
    statuses = {name: r.status_code for name, r in responses.items()}
    assert statuses["server error"] == 500 and statuses["too large"] == 413 and statuses["csrf refused"] == 400
    assert statuses["method not allowed"] == 405 and statuses["callback refused"] == 403
    for name, response in responses.items():
        headers = response.headers
        assert headers.get("X-Content-Type-Options") == "nosniff", name
        assert headers.get("X-Frame-Options") == "DENY", name
        assert "frame-ancestors 'none'" in headers.get("Content-Security-Policy", ""), name
        assert headers.get("Referrer-Policy") == "strict-origin-when-cross-origin", name
    assert b"a bug" not in responses["server error"].data


def test_compression_and_long_caching_of_fingerprinted_assets(client):
    index = client.get("/", headers={"Accept-Encoding": "br"})
    assert "no-store" in index.headers.get("Cache-Control", "") or "max-age" not in index.headers.get(
        "Cache-Control", ""), "the page itself is not cached for long"
    html = client.get("/").get_data(as_text=True)
    for url in re.findall(r'(?:href|src)="(/(?:assets|vendor|_dash-component-suites)/[^"]+)"', html):
        response = client.get(url, headers={"Accept-Encoding": "br, gzip"})
        assert response.status_code == 200, url
        cache = response.headers.get("Cache-Control", "")
        assert "max-age=31536000" in cache, (url, cache)
        if len(response.data) > 2000 and response.mimetype in ("text/css", "application/javascript"):
            assert response.headers.get("Content-Encoding") == "br", url
    layout = client.get("/_dash-layout", headers={"Accept-Encoding": "gzip"})
    assert layout.headers.get("Content-Encoding") == "gzip"


def test_uploads_are_limited_in_type(db):
    from portal.city import load_city
    from portal.datasets import upload
    from portal.participation import paper
    from portal.participation.counting import practice_upload
    from portal.participation.errors import InvalidInput

    with db.session() as session:
        officer = quick_user(session, Role.OFFICER)
        cycle, _made = cycle_with_ballot(session, officer, PROJECTS)
        plan = upload.prepare(session, load_city("koeln"), "data.xlsx", b"a,b\n1,2\n", name="X", licence="CC0",
                              source="me")
        assert not plan.ok and "only CSV" in plan.report.text()
        with pytest.raises(InvalidInput, match="CSV"):
            paper.import_csv(session, cycle, officer, b"ballot_id,choices\n1,1\n", "ballots.exe")
        with pytest.raises(InvalidInput, match="CSV"):
            paper.import_csv(session, cycle, officer, b"ballot_id,choices\n\x00\x01", "ballots.csv")
        with pytest.raises(InvalidInput, match="Pabulib"):
            practice_upload(officer, b"META\n", "votes.docx", None)
        assert session.scalar(select(func.count()).select_from(Ballot)) == 0
        assert session.get(Cycle, cycle.id) is not None


def test_voting_codes_still_work_within_the_limit(app, client, portal_db):
    secret = app.server.config["SECRET_KEY"]
    with portal_db.session() as session:
        officer = quick_user(session, Role.OFFICER)
        cycle, _made = cycle_with_ballot(session, officer, PROJECTS)
        (plain,) = codes.issue_codes(session, session.get(Cycle, cycle.id), officer, 1, secret)
    token = csrf_token(client)
    body = callback_body(_vote_code_dep(client))
    body["inputs"][0]["value"] = 1
    body["state"][0]["value"] = plain
    assert f"/vote/{cycle.id}" in json.dumps(post_callback(client, body, token).get_json())
