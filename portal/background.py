"""Long jobs (counting a large cycle, importing a large file) as Dash background callbacks, with progress.

The manager is Celery on Redis when `REDIS_URL` is set (run a worker: `celery -A app:celery_app worker`), a
diskcache folder under `instance/` otherwise (`PORTAL_BACKGROUND=diskcache|celery` chooses explicitly).

A background callback runs in another process, without the browser's request. Its access is checked twice:
by the guard on the first request and on every polling request (they all go to `/_dash-update-component` with
the callback's output), and inside the job, where the account the guard saw (taken from the signed session on
the server, never from the browser's arguments) is loaded again and must still hold the role.
"""

from __future__ import annotations

import hashlib
import logging
import os
from pathlib import Path
from typing import Any

import dash
from flask import Flask, g, has_request_context

log = logging.getLogger(__name__)

NAMESPACE = "portal"
_SERVERS: dict[str, Flask] = {}  # app key -> server, for jobs running in this process
_POOL_PID: dict[str, int] = {}


def app_key(database_url: str) -> str:
    return hashlib.sha256(database_url.encode()).hexdigest()[:16]


def make_manager(server: Flask, cfg):
    """The background-callback manager for this configuration, and the Celery app when there is one."""
    kind = cfg.background
    if kind == "auto":
        kind = "celery" if cfg.redis_url else "diskcache"
    _SERVERS[app_key(cfg.database_url)] = server
    _install_identity_hook()
    if kind == "celery":
        if not cfg.redis_url:
            from portal.config import ConfigError

            raise ConfigError("PORTAL_BACKGROUND=celery needs REDIS_URL.")
        from celery import Celery
        from dash import CeleryManager

        celery_app = Celery("portal", broker=cfg.redis_url, backend=cfg.redis_url)
        celery_app.conf.update(task_serializer="json", result_serializer="json", accept_content=["json"],
                               broker_connection_retry_on_startup=True, result_expires=3600,
                               task_default_queue=f"{cfg.redis_prefix}-jobs")  # portals sharing a Redis stay apart
        server.extensions["portal_celery"] = celery_app
        return CeleryManager(celery_app, expire=3600)
    import diskcache
    from dash import DiskcacheManager

    folder = Path(cfg.instance_path) / "background-jobs"
    folder.mkdir(parents=True, exist_ok=True)
    return DiskcacheManager(diskcache.Cache(str(folder)), expire=3600)


_HOOK_INSTALLED: list[bool] = []


def _install_identity_hook() -> None:
    """Put the server-side identity of the request into the callback context that travels with the job."""
    if _HOOK_INSTALLED:
        return
    _HOOK_INSTALLED.append(True)

    @dash.hooks.custom_data(NAMESPACE)
    def _identity(_context) -> dict:
        from flask import current_app
        from flask_login import current_user

        from portal.i18n import current_language

        if not has_request_context():
            return {}
        cfg = current_app.config["PORTAL"]
        authenticated = getattr(current_user, "is_authenticated", False)
        return {
            "app": app_key(cfg.database_url),
            "pid": os.getpid(),
            "user_id": current_user.id if authenticated else None,
            "session_version": current_user.session_version if authenticated else None,
            "language": current_language(),
        }


def run_job(func, access, args: tuple, kwargs: dict) -> Any:
    """Run a background callback's body inside an app context as the account the guard saw."""
    from dash.exceptions import PreventUpdate
    from flask_babel import force_locale

    from portal.models import User
    from portal.security import role_rank

    identity = (getattr(dash.ctx, "custom_data", None) or {}).get(NAMESPACE) or {}
    if has_request_context() and identity.get("pid", os.getpid()) == os.getpid():
        from portal.security import require  # called synchronously, inside the request: the usual check

        require(access)
        return func(*args, **kwargs)
    # In a job: a Celery worker, or a process forked from the request's (which inherits a copy of the request's
    # context and database connection: neither may be used here, so the job gets contexts of its own).
    server = _SERVERS.get(identity.get("app")) or (next(iter(_SERVERS.values())) if len(_SERVERS) == 1 else None)
    if server is None:
        raise PreventUpdate
    db = server.extensions["portal_db"]
    key = app_key(db.url)
    if _POOL_PID.get(key) != os.getpid():  # a forked job must not use its parent's connections
        db.engine.dispose(close=False)
        _POOL_PID[key] = os.getpid()
    with server.app_context(), server.test_request_context("/_background-job"):  # a new `g`, a new session
        user = None
        if identity.get("user_id") is not None:
            from portal.db import get_session

            user = get_session().get(User, identity["user_id"])
            if user is None or not user.active or user.session_version != identity.get("session_version"):
                user = None
        if role_rank(user) < role_rank_for(access):
            log.warning("background job refused: the account lost the role %s", access)
            raise PreventUpdate
        if user is not None:
            g._login_user = user
        with force_locale(identity.get("language") or "en"):
            return func(*args, **kwargs)


def role_rank_for(access) -> int:
    from portal.security import _RANK, Access

    return _RANK[Access(access)]
