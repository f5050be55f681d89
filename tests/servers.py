"""Real app servers in their own processes (gunicorn), for the multi-server tests and the load script."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SECRET = "load-and-fault-secret-" + "k" * 40


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def server_env(database_url: str, instance: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PORTAL_", "DASH_"))}
    env.update({
        "PYTHONPATH": str(ROOT), "DATABASE_URL": database_url, "SECRET_KEY": SECRET, "PORTAL_ENV": "production",
        "PORTAL_AUTO_SETUP": "0", "PORTAL_SEED_DEMO": "0", "PORTAL_INSTANCE_PATH": str(instance),
        "PORTAL_LOG_LEVEL": "WARNING",
    })
    env.update(extra)
    return env


class Gunicorn:
    """`gunicorn app:server` with several workers on one port; stopped with the context."""

    def __init__(self, port: int, env: dict[str, str], workers: int = 2, threads: int = 4, log: Path | None = None):
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        self.env = env
        self.args = [sys.executable, "-m", "gunicorn", "app:server", "-b", f"127.0.0.1:{port}", "-w", str(workers),
                     "-k", "gthread", "--threads", str(threads), "--timeout", "60", "--graceful-timeout", "5",
                     "--keep-alive", "30", "--backlog", "2048"]
        self.log = log
        self.proc: subprocess.Popen | None = None

    def __enter__(self) -> Gunicorn:
        out = open(self.log, "ab") if self.log else subprocess.DEVNULL  # noqa: SIM115 - closed with the process
        self.proc = subprocess.Popen(self.args, cwd=ROOT, env=self.env, stdout=out, stderr=subprocess.STDOUT,
                                     start_new_session=True)
        wait_healthy(self.url, timeout=90, proc=self.proc)
        return self

    def worker_pids(self) -> list[int]:
        import psutil

        return [child.pid for child in psutil.Process(self.proc.pid).children()]

    def __exit__(self, *exc) -> None:
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=5)


def wait_healthy(url: str, timeout: float = 60, proc: subprocess.Popen | None = None) -> float:
    """Seconds until `/healthz` answers 200 (raises after `timeout`)."""
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"the server exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(url + "/healthz", timeout=2) as response:  # noqa: S310 - our own server
                if response.status == 200 and json.loads(response.read()).get("status") == "ok":
                    return time.monotonic() - start
        except OSError:
            pass
        time.sleep(0.2)
    raise TimeoutError(f"{url} did not become healthy in {timeout} s")


def signed_in_cookies(server, user) -> tuple[str, str]:
    """The session cookie and CSRF token of `user` signed in, as the log-in route would make them.

    The load script uses this to sign in thousands of voters without running the password hash thousands of
    times (log-in itself is measured by the tests, not by the ballot benchmark).
    """
    from flask import session
    from flask_login import login_user
    from flask_wtf.csrf import generate_csrf

    with server.test_request_context("/", environ_base={"REMOTE_ADDR": "127.0.0.1"}):
        login_user(user)
        token = generate_csrf()
        cookie = server.session_interface.get_signing_serializer(server).dumps(dict(session))
    return cookie, token


def ballot_body(cycle_id: int, approved: list[str]) -> dict:
    """The JSON the browser's renderer posts when a voter presses "Cast my ballot" on an approval ballot."""
    return {
        "output": "..ballot-result.children...ballot-form.style...ballot-submit.children..",
        "outputs": [{"id": "ballot-result", "property": "children"}, {"id": "ballot-form", "property": "style"},
                    {"id": "ballot-submit", "property": "children"}],
        "inputs": [{"id": "ballot-submit", "property": "n_clicks", "value": 1}],
        "state": [{"id": "ballot-cycle", "property": "data", "value": cycle_id},
                  {"id": "ballot-approve", "property": "value", "value": approved},
                  {"id": "ballot-points-store", "property": "data", "value": {}},
                  {"id": "ballot-ranking", "property": "data", "value": []}],
        "changedPropIds": ["ballot-submit.n_clicks"],
    }


def receipt_from(response_json: dict) -> str | None:
    """The receipt code in a ballot callback's answer, or None when the ballot was refused."""
    text = json.dumps(response_json.get("response", {}).get("ballot-result", {}))
    marker = '"id": "ballot-receipt-code"'
    if marker not in text:
        return None
    found = _find_receipt(response_json["response"]["ballot-result"]["children"])
    return found


def _find_receipt(node):
    if isinstance(node, list):
        for item in node:
            found = _find_receipt(item)
            if found:
                return found
        return None
    if isinstance(node, dict):
        props = node.get("props", {})
        if props.get("id") == "ballot-receipt-code":
            return props.get("children")
        return _find_receipt(props.get("children"))
    return None
