"""Helpers for tests that talk to the app over HTTP (Flask test client or a live server)."""

from __future__ import annotations

import json
import re
from email import message_from_bytes
from pathlib import Path

from portal import accounts
from portal.models import Role

PASSWORD = "correct horse battery"


def make_user(portal_db, email: str, role: Role | str = Role.CITIZEN, password: str = PASSWORD):
    with portal_db.session() as session:
        user = accounts.create_user(session, email, password, role=role)
        return user.id


def csrf_token(client) -> str:
    """Visit the portal once to get the session and the CSRF cookie, and return the token."""
    client.get("/")
    cookie = client.get_cookie("_csrf_token")
    assert cookie is not None, "the portal did not set the CSRF cookie"
    return cookie.value


def login(client, email: str, password: str = PASSWORD):
    token = csrf_token(client)
    response = client.post("/auth/login", data={"email": email, "password": password, "csrf_token": token})
    assert response.status_code == 303, response.data
    return response


def callback_body(dep: dict) -> dict:
    """A well-formed callback request for one entry of /_dash-dependencies, all values None."""

    def split(spec: str):
        ident, _, prop = spec.rpartition(".")
        if ident.startswith("{"):
            ident = json.loads(ident)
        return {"id": ident, "property": prop}

    output = dep["output"]
    if output.startswith(".."):
        outputs = [split(o) for o in output.strip(".").split("...")]
    else:
        outputs = split(output.split("@")[0])
    return {
        "output": output,
        "outputs": outputs,
        "inputs": [{**i, "value": None} for i in dep["inputs"]],
        "state": [{**s, "value": None} for s in dep["state"]],
        "changedPropIds": [],
    }


def post_callback(client, body: dict, token: str | None, timeout: float = 120):
    """POST a callback as the renderer does; a background callback is polled (same body, with its signed
    handles) until its job answers, and that answer is returned. `progress_seen` lists the progress updates."""
    import time

    headers = {"X-CSRFToken": token} if token else {}
    response = client.post("/_dash-update-component", json=body, headers=headers)
    data = response.get_json(silent=True) if response.status_code == 200 else None
    if not (isinstance(data, dict) and "cacheKey" in data and "job" in data):
        return response
    progress_seen = []
    deadline = time.monotonic() + timeout
    query = {"cacheKey": data["cacheKey"], "job": data["job"]}
    while time.monotonic() < deadline:
        time.sleep(0.1)
        response = client.post("/_dash-update-component", json=body, headers=headers, query_string=query)
        polled = response.get_json(silent=True) if response.status_code == 200 else None
        if isinstance(polled, dict) and polled.get("progress"):
            progress_seen.append(polled["progress"])
        if response.status_code != 200 or (isinstance(polled, dict) and "response" in polled):
            response.progress_seen = progress_seen
            return response
    raise TimeoutError("the background callback did not answer")


def outbox_messages(instance_path, to: str) -> list:
    """The messages the portal kept in instance/outbox for `to` (no SMTP server in tests), oldest first."""
    folder = Path(instance_path) / "outbox"
    found = []
    for path in sorted(folder.glob("*.eml"), key=lambda p: p.stat().st_mtime_ns) if folder.is_dir() else []:
        message = message_from_bytes(path.read_bytes())
        if message["To"] == to:
            found.append(message)
    return found


def confirmation_token(instance_path, to: str) -> str:
    """The token of the last registration link sent to `to`."""
    body = outbox_messages(instance_path, to)[-1].get_payload(decode=True).decode()
    match = re.search(r"/register\?token=([A-Za-z0-9_.\-]+)", body)
    assert match, body
    return match.group(1)
