"""Deny by default: every callback and route is declared, checked on the server, CSRF and framing hold."""

import pytest
from dash import Input, Output

from portal.models import Role
from portal.security import DASH_PUBLIC_ENDPOINTS, Access, callback_access
from tests.helpers import callback_body, csrf_token, login, make_user, post_callback

RANK = {Access.PUBLIC: 0, Access.CITIZEN: 1, Access.OFFICER: 2, Access.ADMIN: 3}
ROLE_FOR_RANK = {1: Role.CITIZEN, 2: Role.OFFICER, 3: Role.ADMIN}


def server_callbacks(client):
    deps = client.get("/_dash-dependencies").get_json()
    return [d for d in deps if not d.get("clientside_function")]


def test_every_server_callback_declares_its_access(app, client):
    deps = server_callbacks(client)
    assert deps, "the app registers server callbacks"
    undeclared = [d["output"] for d in deps if callback_access(app, d["output"]) is None]
    assert undeclared == []


def test_every_protected_callback_refuses_anonymous_and_lower_roles(app, client, portal_db):
    token = csrf_token(client)
    deps = server_callbacks(client)
    protected = [(d, callback_access(app, d["output"])) for d in deps]
    protected = [(d, a) for d, a in protected if a is not Access.PUBLIC]
    assert protected, "some callbacks need a role"
    for role in ROLE_FOR_RANK.values():
        make_user(portal_db, f"{role.value}@example.org", role)
    clients = {0: client}
    for rank, role in ROLE_FOR_RANK.items():
        c = app.server.test_client()
        login(c, f"{role.value}@example.org")
        clients[rank] = c
    seen = []
    for dep, access in protected:
        body = callback_body(dep)
        for rank, c in clients.items():
            response = post_callback(c, body, c.get_cookie("_csrf_token").value if rank else token)
            if rank < RANK[access]:
                expected = 401 if rank == 0 else 403
                assert response.status_code == expected, (dep["output"], rank, response.status_code)
                assert "response" not in (response.get_json(silent=True) or {}), "no callback data on refusal"
            else:
                assert response.status_code not in (401, 403), (dep["output"], rank, response.data[:300])
        seen.append((dep["output"], access.value))
    print("\nprotected callbacks:", seen)


def test_forged_admin_callback_as_citizen_gets_403_and_changes_nothing(app, client, portal_db):
    make_user(portal_db, "admin@example.org", Role.ADMIN)
    victim = make_user(portal_db, "victim@example.org", Role.CITIZEN)
    make_user(portal_db, "mallory@example.org", Role.CITIZEN)
    login(client, "mallory@example.org")
    dep = next(d for d in server_callbacks(client) if "role-message" in d["output"])
    body = callback_body(dep)
    body["inputs"][0]["value"] = 1
    body["state"] = [{**body["state"][0], "value": victim}, {**body["state"][1], "value": "admin"}]
    response = post_callback(client, body, client.get_cookie("_csrf_token").value)
    assert response.status_code == 403
    with portal_db.session() as session:
        from portal.models import User

        assert session.get(User, victim).role == Role.CITIZEN
    # the same request by an administrator goes through: the refusal above was about the role
    admin = app.server.test_client()
    login(admin, "admin@example.org")
    response = post_callback(admin, body, admin.get_cookie("_csrf_token").value)
    assert response.status_code == 200
    with portal_db.session() as session:
        assert session.get(User, victim).role == Role.ADMIN


def test_undeclared_callback_is_refused(app, client):
    app.callback(Output("nowhere", "children"), Input("nothing", "n_clicks"))(lambda n: "secret data")
    try:
        token = csrf_token(client)
        body = {"output": "nowhere.children", "outputs": {"id": "nowhere", "property": "children"},
                "inputs": [{"id": "nothing", "property": "n_clicks", "value": 1}], "state": [],
                "changedPropIds": ["nothing.n_clicks"]}
        response = post_callback(client, body, token)
        assert response.status_code == 403
        assert b"secret data" not in response.data
    finally:
        app.callback_map.pop("nowhere.children")


def test_unknown_callback_output_is_refused(client):
    token = csrf_token(client)
    response = post_callback(client, {"output": "does-not-exist.children"}, token)
    assert response.status_code == 403


def test_undeclared_route_is_refused(migrated_db, tmp_path):
    from portal import create_app
    from tests.conftest import make_config

    server = create_app(make_config(migrated_db.url, tmp_path)).server
    server.add_url_rule("/undeclared-test-route", "undeclared_test_route", lambda: "secret data")
    response = server.test_client().get("/undeclared-test-route")
    assert response.status_code == 403
    assert b"secret data" not in response.data


def test_all_registered_routes_are_declared(server):
    from portal.security import ACCESS_ATTR

    undeclared = [
        endpoint for endpoint, view in server.view_functions.items()
        if endpoint not in DASH_PUBLIC_ENDPOINTS and endpoint != "/_dash-update-component"
        and getattr(view, ACCESS_ATTR, None) is None
    ]
    assert undeclared == []


def test_callback_post_without_csrf_token_is_refused(app, client, portal_db):
    make_user(portal_db, "c@example.org")
    login(client, "c@example.org")
    dep = next(d for d in server_callbacks(client) if d["output"] == "account-saved.children")
    body = callback_body(dep)
    body["inputs"][0]["value"] = 1
    body["state"][0]["value"] = "New Name"
    assert post_callback(client, body, None).status_code == 400
    assert post_callback(client, body, "forged-token").status_code == 400
    ok = post_callback(client, body, client.get_cookie("_csrf_token").value)
    assert ok.status_code == 200
    assert "Saved" in ok.get_data(as_text=True)


def test_plain_form_without_csrf_token_is_refused(client, portal_db):
    make_user(portal_db, "form@example.org")
    csrf_token(client)
    response = client.post("/auth/login", data={"email": "form@example.org", "password": "correct horse battery"})
    assert response.status_code == 400
    assert client.get_cookie("portal_session") is None or b"form@example.org" not in response.data


@pytest.mark.parametrize("path", ["/", "/login", "/_dash-layout", "/healthz"])
def test_framing_is_denied_outside_embeds(client, path):
    response = client.get(path)
    assert response.headers["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_restricted_page_redirects_anonymous_to_login(client):
    response = client.get("/account")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=%2Faccount")


def test_restricted_page_refuses_lower_role(client, portal_db):
    make_user(portal_db, "cit@example.org")
    login(client, "cit@example.org")
    assert client.get("/admin/users").status_code == 403
    assert client.get("/account").status_code == 200


def test_router_renders_refusal_for_restricted_layout(app, client):
    """Client-side navigation goes through Dash's router callback: it must not render the page."""
    token = csrf_token(client)
    dep = next(d for d in server_callbacks(client) if "_pages_content" in d["output"])
    body = callback_body(dep)
    body["inputs"] = [{**i, "value": "/admin/users" if i["property"] == "pathname" else ""} for i in dep["inputs"]]
    response = post_callback(client, body, token)
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    assert "access-refused" in text and "users-table" not in text


def test_mcp_server_stays_off_even_when_the_environment_asks(monkeypatch, tmp_path, migrated_db):
    from portal import create_app
    from tests.conftest import make_config

    monkeypatch.setenv("DASH_MCP_ENABLED", "true")
    app = create_app(make_config(migrated_db.url, tmp_path))
    assert app._enable_mcp is False
    assert not any("mcp" in rule.rule for rule in app.server.url_map.iter_rules())


def test_pages_carry_a_strict_content_security_policy(client):
    policy = client.get("/").headers["Content-Security-Policy"]
    directives = dict(d.strip().split(" ", 1) for d in policy.split(";"))
    assert "'unsafe-inline'" not in directives["script-src"] and "'unsafe-eval'" not in directives["script-src"]
    assert "'sha256-" in directives["script-src"], "Dash's inline renderer script is allowed by its hash"
    assert directives["object-src"] == "'none'" and directives["frame-ancestors"] == "'none'"
