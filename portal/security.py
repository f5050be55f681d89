"""Deny by default: every route and every Dash callback declares who may use it, checked on the server.

A callback is declared with `portal.security.callback(..., access=...)`; a Flask view with
`@route(access)`. A request to anything undeclared is refused with 403, an anonymous request to
something that needs an account with 401. Pages restricted to a role are declared with
`register_page(..., access=...)`: their layout is replaced by a refusal for other users, and a
direct GET of their URL redirects to the log-in page.
"""

from __future__ import annotations

import enum
import functools
import logging
import re
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

import dash
from flask import Flask, abort, g, jsonify, redirect, request
from flask_login import current_user
from flask_wtf.csrf import CSRFError, CSRFProtect, generate_csrf

from portal.i18n import _l

log = logging.getLogger(__name__)

ACCESS_ATTR = "_portal_access"
CSRF_COOKIE = "_csrf_token"
csrf = CSRFProtect()


class Access(enum.StrEnum):
    PUBLIC = "public"
    CITIZEN = "citizen"  # any signed-in account
    OFFICER = "officer"
    ADMIN = "admin"


_RANK = {Access.PUBLIC: 0, Access.CITIZEN: 1, Access.OFFICER: 2, Access.ADMIN: 3}

# Dash's own endpoints serve no data of ours: the app shell, component bundles, assets.
DASH_PUBLIC_ENDPOINTS = {
    "/", "/<path:path>", "/_dash-layout", "/_dash-dependencies", "/_reload-hash", "/_favicon.ico",
    "/_dash-component-suites/<string:package_name>/<path:fingerprinted_path>", "_dash_assets.static",
}
DASH_CALLBACK_ENDPOINT = "/_dash-update-component"
# Files the same for everybody: no cookie is set on them (it would make browsers and proxies keep them per visitor)
STATIC_PREFIXES = ("/assets/", "/_dash-component-suites/", "/vendor/", "/_favicon.ico")
# Dash's multi-page router: renders page layouts, each of which checks its own access.
DASH_INTERNAL_CALLBACK = re.compile(r"^\.\._pages_content\.children\.\.\._pages_store\.data\.\.$")


def role_rank(user: Any) -> int:
    if user is None or not getattr(user, "is_authenticated", False):
        return 0
    return _RANK[Access(str(user.role))]


def is_allowed(access: Access | str, user: Any = None) -> bool:
    user = current_user if user is None else user
    return role_rank(user) >= _RANK[Access(access)]


def refuse(access: Access | str) -> None:
    """Abort with 401 for an anonymous user, 403 for a signed-in user without the role."""
    if not getattr(current_user, "is_authenticated", False):
        abort(401)
    abort(403)


def require(access: Access | str) -> None:
    if not is_allowed(access):
        refuse(access)


def route(access: Access | str) -> Callable:
    """Declare who may call a Flask view; the guard refuses undeclared views."""
    access = Access(access)

    def deco(func):
        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            require(access)
            return func(*args, **kwargs)

        setattr(wrapper, ACCESS_ATTR, access)
        return wrapper

    return deco


def callback(*args, access: Access | str, **kwargs) -> Callable:
    """`dash.callback` that states who may run it; checked before Dash sees the request and inside."""
    access = Access(access)

    def deco(func):
        if kwargs.get("background"):
            # runs in another process: the guard checks the first and every polling request, the job
            # checks the account the guard saw again (portal.background.run_job)
            @functools.wraps(func)
            def wrapper(*a, **kw):
                from portal.background import run_job

                return run_job(func, access, a, kw)
        else:
            @functools.wraps(func)
            def wrapper(*a, **kw):
                require(access)
                return func(*a, **kw)

        setattr(wrapper, ACCESS_ATTR, access)
        return dash.callback(*args, **kwargs)(wrapper)

    return deco


# Pages ------------------------------------------------------------------------------------------

PAGE_ACCESS: dict[str, Access] = {}


def register_page(module: str, *, path: str, access: Access | str = Access.PUBLIC,
                  layout: Callable[..., Any], **kwargs) -> None:
    """`dash.register_page` with an access rule enforced on the server, both on GET and in the router."""
    access = Access(access)
    PAGE_ACCESS[path] = access

    @functools.wraps(layout)
    def guarded_layout(**query):
        if not is_allowed(access):
            from portal.ui import refusal  # late import: ui imports this module

            return refusal(access, path)
        return layout(**query)

    title = kwargs.get("title")
    if title is not None and not callable(title) and not isinstance(title, str):
        # a lazy (translatable) title: Dash calls a function for each request, in the visitor's language
        kwargs["title"] = lambda **_path: str(title)
    dash.register_page(module, path=path, layout=guarded_layout, **kwargs)


def _page_access_for(path: str) -> Access:
    path = path.rstrip("/") or "/"
    if path in PAGE_ACCESS:
        return PAGE_ACCESS[path]
    for registered, access in PAGE_ACCESS.items():
        if "<" in registered:
            pattern = "^" + re.sub(r"<[^>]+>", "[^/]+", registered.rstrip("/")) + "$"
            if re.match(pattern, path):
                return access
    return Access.PUBLIC


# The guard --------------------------------------------------------------------------------------

def callback_access(dash_app: dash.Dash, output: str) -> Access | None:
    """The declared access of the callback with this output id, or None when undeclared."""
    entry = dash_app.callback_map.get(output)
    if entry is None:
        return None
    func = entry.get("callback")
    declared = getattr(func, ACCESS_ATTR, None)
    if declared is None and DASH_INTERNAL_CALLBACK.match(output):
        return Access.PUBLIC
    return declared


def install(server: Flask, dash_app: dash.Dash, *, production: bool, embed_origins: list[str]) -> None:
    """Register the guard before CSRF, so that a forged request learns nothing but 401/403."""

    @server.before_request
    def _guard():
        endpoint = request.endpoint
        if endpoint is None:
            return None  # no such route: Flask answers 404
        if endpoint == DASH_CALLBACK_ENDPOINT:
            body = request.get_json(silent=True)
            output = body.get("output") if isinstance(body, dict) else None
            access = callback_access(dash_app, output) if isinstance(output, str) else None
            if access is None:
                log.warning("refused undeclared callback %r from %s", output, request.remote_addr)
                abort(403)
            g.callback_access = access
            require(access)
            return None
        if endpoint in DASH_PUBLIC_ENDPOINTS:
            if endpoint in ("/", "/<path:path>"):
                page_access = _page_access_for(request.path)
                if not is_allowed(page_access):
                    if not current_user.is_authenticated:
                        return redirect("/login?" + urlencode({"next": request.full_path.rstrip("?")}))
                    abort(403)
            return None
        view = server.view_functions.get(endpoint)
        access = getattr(view, ACCESS_ATTR, None)
        if access is None:
            log.warning("refused undeclared route %s (%s)", endpoint, request.path)
            abort(403)
        require(access)
        return None

    csrf.init_app(server)

    @server.after_request
    def _csrf_cookie_and_headers(response):
        if request.endpoint and not request.path.startswith(("/api/", "/embed/") + STATIC_PREFIXES):
            response.set_cookie(
                CSRF_COOKIE, generate_csrf(), samesite="Lax", secure=production, httponly=False, path="/"
            )
        apply_security_headers(response, request.path, embed_origins, _page_policy())
        return response

    policy_cache: list[str] = []

    def _page_policy() -> str:
        """The Content-Security-Policy of the portal's pages: scripts only from here or hashed inline."""
        if not policy_cache:
            policy_cache.append(page_csp(dash_app.csp_hashes()))
        return policy_cache[0]

    @server.errorhandler(CSRFError)
    def _csrf_error(exc: CSRFError):
        if _wants_json():
            return jsonify(error="csrf", message=exc.description), 400
        return exc.description, 400

    for status, message in ((401, _l("Please log in.")), (403, _l("You do not have access to this.")),
                            (413, _l("The upload is too large.")),
                            (429, _l("Too many requests. Please wait a little and try again."))):
        server.register_error_handler(status, _error_handler(status, message))

    from sqlalchemy.exc import DBAPIError

    @server.errorhandler(DBAPIError)
    def _database_unavailable(exc: DBAPIError):
        """The database went away mid-request (restart, fail-over): nothing half-written (the transaction is
        rolled back), and the client is told to try again shortly instead of seeing a crash."""
        from portal.db import is_disconnect

        if not is_disconnect(exc):
            raise exc
        log.warning("database unavailable: %s", exc.__class__.__name__)
        message = str(_l("The service is briefly unavailable. Please try again in a moment."))
        response = (jsonify(error=503, message=message), 503) if _wants_json() else (message, 503)
        return response[0], response[1], {"Retry-After": "2"}


def _error_handler(status: int, message: str):
    def handler(_exc):
        if _wants_json():
            return jsonify(error=status, message=str(message)), status
        return error_page(str(message)), status

    return handler


def error_page(message: str) -> str:
    """A small HTML page for a refusal: in the visitor's language, with a title, a heading and a way home."""
    from markupsafe import escape

    from portal.i18n import _, current_language

    text = escape(message)
    return (f'<!doctype html><html lang="{escape(current_language())}"><head><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{text}</title></head><body><main><h1>{text}</h1>"
            f'<p><a href="/">{escape(_("Home"))}</a></p></main></body></html>')


def _wants_json() -> bool:
    return request.path.startswith(("/api/", "/_dash")) or request.is_json


def page_csp(script_hashes: list[str]) -> str:
    return "; ".join([
        "default-src 'self'",
        "script-src 'self' " + " ".join(script_hashes),
        "style-src 'self' 'unsafe-inline'",  # plotly.js injects <style> elements
        "img-src 'self' data: blob:",
        "font-src 'self' data:",
        "connect-src 'self'",
        "worker-src 'self' blob:",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ])


def apply_security_headers(response, path: str, embed_origins: list[str], page_policy: str = "") -> None:
    headers = response.headers
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
    headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=(self)")
    if path.startswith("/embed/"):
        ancestors = " ".join(embed_origins) if embed_origins else "'none'"
        own = headers.get("Content-Security-Policy", "")  # an embed page's own policy (scripts from here only)
        own = "; ".join(d.strip() for d in own.split(";")
                        if d.strip() and not d.strip().startswith("frame-ancestors"))
        headers["Content-Security-Policy"] = (own + "; " if own else "") + f"frame-ancestors {ancestors}"
        headers.pop("X-Frame-Options", None)
    else:
        headers["X-Frame-Options"] = "DENY"
        headers.setdefault("Content-Security-Policy", page_policy or "frame-ancestors 'none'")
