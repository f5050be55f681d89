"""Log-in, registration and log-out as plain form posts (they work without JavaScript)."""

from __future__ import annotations

import logging
from urllib.parse import urlencode, urlsplit

from flask import Blueprint, Flask, redirect, request, session
from flask_login import LoginManager, login_user, logout_user

from portal import accounts
from portal.audit import record
from portal.db import get_session
from portal.models import User
from portal.security import route

log = logging.getLogger(__name__)
bp = Blueprint("auth", __name__)
login_manager = LoginManager()


def init_app(server: Flask) -> None:
    login_manager.init_app(server)
    login_manager.session_protection = "basic"
    server.register_blueprint(bp)


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    try:
        uid, version = (int(part) for part in user_id.split(":", 1))
    except (ValueError, AttributeError):
        return None
    user = get_session().get(User, uid)
    if user is None or not user.active or user.session_version != version:
        return None
    return user


def safe_next(target: str | None, default: str = "/") -> str:
    """Only local paths: never redirect a user to another site after log-in."""
    if not target:
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//") \
            or "\\" in target:
        return default
    return target


def _back(page: str, error: str, **extra) -> object:
    params = {"error": error, **{k: v for k, v in extra.items() if v}}
    return redirect(f"{page}?{urlencode(params)}", code=303)


@bp.post("/auth/login")
@route("public")
def login():
    db = get_session()
    next_url = safe_next(request.form.get("next"))
    user = accounts.authenticate(db, request.form.get("email", ""), request.form.get("password", ""))
    if user is None:
        db.commit()  # keep the failed-attempt count
        return _back("/login", "invalid", next=next_url if next_url != "/" else None)
    remember = request.form.get("remember") == "on"
    session.clear()  # a fresh session at log-in: nothing from before carries over
    login_user(user, remember=remember)
    record(db, "user.login", user, target=user, actor=user)
    db.commit()
    return redirect(next_url, code=303)


@bp.post("/auth/register")
@route("public")
def register():
    db = get_session()
    email = request.form.get("email", "")
    password = request.form.get("password", "")
    if password != request.form.get("password2", ""):
        return _back("/register", "password_mismatch", email=email)
    try:
        user = accounts.create_user(
            db, email, password, display_name=request.form.get("display_name", ""),
            language=request.cookies.get("lang"),
        )
    except accounts.AccountError as exc:
        return _back("/register", exc.code, email=email)
    record(db, "user.register", user, target=user, actor=user)
    db.commit()
    session.clear()
    login_user(user)
    return redirect(safe_next(request.form.get("next"), "/account"), code=303)


@bp.post("/auth/logout")
@route("public")
def logout():
    logout_user()
    session.clear()
    return redirect("/", code=303)
