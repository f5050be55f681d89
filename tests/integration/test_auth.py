"""Accounts over HTTP: register, log in, log out, lockout, cookie flags, safe redirects."""

from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import select

from portal.models import AuditEvent, Role, User
from tests.helpers import PASSWORD, confirmation_token, csrf_token, login, make_user, outbox_messages


def register(client, email, password=PASSWORD, password2=None, **extra):
    token = csrf_token(client)
    data = {"email": email, "password": password, "password2": password2 or password, "csrf_token": token, **extra}
    return client.post("/auth/register", data=data)


def test_register_creates_a_citizen_after_confirmation_and_logs_in(client, server, portal_db):
    response = register(client, "New.Person@Example.org", display_name="Ada")
    assert response.status_code == 303 and response.headers["Location"] == "/register?sent=1"
    with portal_db.session() as session:
        assert session.scalar(select(User)) is None, "no account before the owner of the address confirms"
    token = confirmation_token(server.instance_path, "new.person@example.org")
    response = client.post("/auth/confirm", data={"token": token, "csrf_token": client.get_cookie("_csrf_token").value})
    assert response.status_code == 303 and response.headers["Location"] == "/account"
    with portal_db.session() as session:
        user = session.scalar(select(User).where(User.email == "new.person@example.org"))
        assert user.role == Role.CITIZEN and user.display_name == "Ada"
        assert user.password_hash != PASSWORD and PASSWORD not in user.password_hash
        assert session.scalar(select(AuditEvent).where(AuditEvent.action == "user.register")) is not None
    assert client.get("/account").status_code == 200
    login_client = server.test_client()
    login(login_client, "new.person@example.org")  # the password given at registration works
    assert login_client.get("/account").status_code == 200


@pytest.mark.parametrize(("email", "password", "password2", "code"), [
    ("not-an-email", PASSWORD, None, "email_invalid"),
    ("a@example.org", "short", None, "password_short"),
    ("a@example.org", "aaaaaaaaaaaa", None, "password_common"),
    ("a@example.org", PASSWORD, "something else entirely", "password_mismatch"),
])
def test_register_rejects_bad_input_and_stores_nothing(client, portal_db, email, password, password2, code):
    response = register(client, email, password, password2)
    assert response.status_code == 303
    assert parse_qs(urlsplit(response.headers["Location"]).query)["error"] == [code]
    with portal_db.session() as session:
        assert session.scalar(select(User)) is None


def test_register_twice_tells_only_the_owner_of_the_address(client, server, portal_db):
    make_user(portal_db, "twice@example.org")
    response = register(client, "TWICE@example.org")
    assert response.headers["Location"] == "/register?sent=1"  # the same answer as for a new address
    body = outbox_messages(server.instance_path, "twice@example.org")[-1].get_payload(decode=True).decode()
    assert "has an account already" in body and "token=" not in body


def test_login_logout_round_trip(client, portal_db):
    make_user(portal_db, "round@example.org")
    assert client.get("/account").status_code == 302
    login(client, "round@example.org")
    assert client.get("/account").status_code == 200
    response = client.post("/auth/logout", data={"csrf_token": client.get_cookie("_csrf_token").value})
    assert response.status_code == 303
    assert client.get("/account").status_code == 302


def test_wrong_password_and_unknown_email_look_the_same(client, portal_db):
    make_user(portal_db, "known@example.org")
    token = csrf_token(client)
    a = client.post("/auth/login", data={"email": "known@example.org", "password": "wrong password!",
                                         "csrf_token": token})
    b = client.post("/auth/login", data={"email": "nobody@example.org", "password": "wrong password!",
                                         "csrf_token": token})
    assert a.status_code == b.status_code == 303
    assert a.headers["Location"] == b.headers["Location"]


def test_account_locks_after_repeated_failures(client, portal_db):
    make_user(portal_db, "lock@example.org")
    token = csrf_token(client)
    for _ in range(5):
        client.post("/auth/login", data={"email": "lock@example.org", "password": "wrong-password-x",
                                         "csrf_token": token})
    response = client.post("/auth/login", data={"email": "lock@example.org", "password": PASSWORD, "csrf_token": token})
    assert "error=invalid" in response.headers["Location"]
    assert client.get("/account").status_code == 302


def test_login_redirects_only_to_local_paths(client, portal_db):
    make_user(portal_db, "next@example.org")
    token = csrf_token(client)
    for target, expected in [("/account", "/account"), ("https://evil.example/", "/"), ("//evil.example", "/"),
                             ("/\\evil.example", "/")]:
        response = client.post("/auth/login", data={"email": "next@example.org", "password": PASSWORD,
                                                   "csrf_token": token, "next": target})
        assert response.headers["Location"] == expected, target
        token = client.get_cookie("_csrf_token").value


def test_session_cookie_flags(client, portal_db):
    make_user(portal_db, "flags@example.org")
    response = login(client, "flags@example.org")
    cookies = [v for k, v in response.headers.items() if k == "Set-Cookie" and v.startswith("portal_session=")]
    assert cookies, "log-in sets the session cookie"
    assert "HttpOnly" in cookies[-1] and "SameSite=Lax" in cookies[-1]
    assert "Secure" not in cookies[-1]  # development runs on plain http


def test_production_cookies_are_secure(migrated_db, tmp_path):
    from portal import create_app
    from tests.conftest import make_config

    app = create_app(make_config(migrated_db.url, tmp_path, production=True, auto_setup=False))
    client = app.server.test_client()
    client.get("/")
    assert app.server.config["SESSION_COOKIE_SECURE"] is True
    csrf_cookie = [v for k, v in client.get("/").headers.items() if k == "Set-Cookie" and "_csrf_token" in v]
    assert csrf_cookie and "Secure" in csrf_cookie[0]


def test_role_change_signs_the_user_out(app, client, portal_db):
    uid = make_user(portal_db, "demoted@example.org", Role.OFFICER)
    login(client, "demoted@example.org")
    assert client.get("/account").status_code == 200
    with portal_db.session() as session:
        user = session.get(User, uid)
        user.role = Role.CITIZEN
        user.session_version += 1
    assert client.get("/account").status_code == 302
