"""Log-in, registration and log-out as plain form posts (they work without JavaScript)."""

from __future__ import annotations

import logging
from urllib.parse import urlencode, urlsplit

from flask import Blueprint, Flask, current_app, redirect, request, session
from flask_login import LoginManager, login_user, logout_user
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy.exc import IntegrityError
from werkzeug.security import generate_password_hash

from portal import accounts, mail, ratelimit
from portal.audit import record
from portal.db import get_session, retry_read
from portal.models import User
from portal.security import route

log = logging.getLogger(__name__)
bp = Blueprint("auth", __name__)
login_manager = LoginManager()
CONFIRM_MAX_AGE = 2 * 86400  # a registration link is valid for two days


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
    session = get_session()
    user = retry_read(session, lambda: session.get(User, uid))
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
    try:
        ratelimit.hit("login")  # per client address; the account itself locks after LOCK_AFTER failures
    except ratelimit.RateLimited:
        return _back("/login", "too_many", next=next_url if next_url != "/" else None)
    user = accounts.authenticate(db, request.form.get("email", ""), request.form.get("password", ""))
    if user is None:
        db.commit()  # keep the failed-attempt count
        return _back("/login", "invalid", next=next_url if next_url != "/" else None)
    remember = request.form.get("remember") == "on"
    _start_session(user, remember)
    record(db, "user.login", user, target=user, actor=user)
    db.commit()
    return redirect(next_url, code=303)


def _start_session(user: User, remember: bool = False) -> None:
    """A fresh session at log-in: nothing from before carries over (no fixation), a new CSRF token."""
    session.clear()
    login_user(user, remember=remember)
    session.permanent = False


def _confirmations() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="portal-register-confirm")


@bp.post("/auth/register")
@route("public")
def register():
    """Check the form, then always answer "we sent you a message": whether the address has an account already
    is told only to the owner of the address, by e-mail (no enumeration through messages or timing)."""
    db = get_session()
    email = accounts.normalise_email(request.form.get("email", ""))
    password = request.form.get("password", "")
    next_url = safe_next(request.form.get("next"), "")
    if password != request.form.get("password2", ""):
        return _back("/register", "password_mismatch", email=email)
    try:
        accounts.check_new_account(email, password)
    except accounts.AccountError as exc:
        return _back("/register", exc.code, email=email)
    try:
        ratelimit.hit("register")
    except ratelimit.RateLimited:
        return _back("/register", "too_many", email=email)
    password_hash = generate_password_hash(password)  # the same work whether or not the address is known
    link_base = request.host_url.rstrip("/")
    if accounts.find_user(db, email) is not None:
        mail.send(email, _mail_text("exists_subject"), _mail_text("exists_body").format(
            login=f"{link_base}/login"))
    else:
        token = _confirmations().dumps({
            "e": email, "h": password_hash, "n": (request.form.get("display_name") or "").strip()[:120],
            "l": request.cookies.get("lang"), "x": next_url,
        })
        mail.send(email, _mail_text("confirm_subject"), _mail_text("confirm_body").format(
            link=f"{link_base}/register?{urlencode({'token': token})}"))
    return redirect("/register?" + urlencode({"sent": "1"}), code=303)


@bp.post("/auth/confirm")
@route("public")
def confirm_registration():
    """The owner of the address confirms: the account is created and signed in."""
    try:
        data = _confirmations().loads(request.form.get("token", ""), max_age=CONFIRM_MAX_AGE)
        email, password_hash = str(data["e"]), str(data["h"])
    except (BadSignature, KeyError, TypeError, ValueError):
        return _back("/register", "token_invalid")
    db = get_session()
    if accounts.find_user(db, email) is not None:
        return _back("/login", "confirmed_already")
    try:
        from portal.i18n import LANGUAGES

        user = accounts.add_confirmed_user(db, email, password_hash, display_name=str(data.get("n") or ""),
                                           language=data.get("l") if data.get("l") in LANGUAGES else None)
        record(db, "user.register", user, target=user, actor=user)
        db.commit()
    except IntegrityError:  # confirmed twice at the same moment
        db.rollback()
        return _back("/login", "confirmed_already")
    _start_session(user)
    return redirect(safe_next(data.get("x") or None, "/account"), code=303)


def _mail_text(key: str) -> str:
    from portal.i18n import _

    return {
        "confirm_subject": _("Confirm your registration"),
        "confirm_body": _("Hello,\n\nsomeone (we hope you) registered with this e-mail address at the "
                          "participatory-budgeting portal. To finish, open this link within two days and "
                          "confirm:\n\n{link}\n\nIf it was not you, ignore this message: no account is "
                          "created.\n"),
        "exists_subject": _("Registration with your e-mail address"),
        "exists_body": _("Hello,\n\nsomeone (perhaps you) tried to register at the participatory-budgeting portal "
                         "with this e-mail address, which has an account already. Log in here:\n\n{login}\n\n"
                         "If it was not you, you need not do anything: your account is unchanged.\n"),
    }[key]


@bp.post("/auth/logout")
@route("public")
def logout():
    logout_user()
    session.clear()
    return redirect("/", code=303)
