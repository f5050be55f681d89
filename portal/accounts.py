"""Accounts: registration, password checks, log-in bookkeeping. No web code here."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from portal.models import Role, User

EMAIL_RE = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]{2,}$")
MIN_PASSWORD = 10
MAX_PASSWORD = 256
LOCK_AFTER = 5
LOCK_FOR = timedelta(minutes=15)
COMMON_PASSWORDS = {
    "password123", "1234567890", "qwertyuiop", "passwort123", "wachtwoord1", "salasana123",
    "iloveyou123", "letmein1234", "administrator", "password1234", "0987654321", "abcdefghij",
}
# A fixed hash to compare against when the e-mail is unknown, so that timing tells nothing.
_DUMMY_HASH = generate_password_hash("not-a-real-password-0")


class AccountError(ValueError):
    """A user-presentable problem with account data; `code` is stable for translation."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code


def normalise_email(email: str) -> str:
    return (email or "").strip().lower()


def check_password_policy(password: str, email: str = "") -> None:
    if len(password) < MIN_PASSWORD:
        raise AccountError("password_short", f"The password needs at least {MIN_PASSWORD} characters.")
    if len(password) > MAX_PASSWORD:
        raise AccountError("password_long", f"The password may have at most {MAX_PASSWORD} characters.")
    lowered = password.lower()
    if lowered in COMMON_PASSWORDS or len(set(password)) < 4:
        raise AccountError("password_common", "This password is too easy to guess.")
    local = normalise_email(email).split("@")[0]
    if local and len(local) >= 4 and local in lowered:
        raise AccountError("password_email", "The password must not contain your e-mail name.")


def check_new_account(email: str, password: str) -> None:
    """The checks of a registration that do not look at the database (so they tell nothing about others)."""
    email = normalise_email(email)
    if not EMAIL_RE.match(email) or len(email) > 254:
        raise AccountError("email_invalid", "Please give a valid e-mail address.")
    check_password_policy(password, email)


def add_confirmed_user(session: Session, email: str, password_hash: str, *, display_name: str = "",
                       language: str | None = None) -> User:
    """A citizen account from a confirmed registration (the password was checked and hashed at registration)."""
    user = User(email=normalise_email(email), password_hash=password_hash, role=Role.CITIZEN,
                display_name=(display_name or "").strip()[:120], language=language)
    session.add(user)
    session.flush()
    return user


def find_user(session: Session, email: str) -> User | None:
    return session.scalar(select(User).where(User.email == normalise_email(email)))


def create_user(session: Session, email: str, password: str, *, role: Role | str = Role.CITIZEN,
                display_name: str = "", language: str | None = None) -> User:
    """Add a user (not committed). Raises AccountError for an invalid e-mail, weak password or duplicate."""
    email = normalise_email(email)
    check_new_account(email, password)
    if find_user(session, email) is not None:
        raise AccountError("email_taken", "An account with this e-mail address exists already.")
    user = User(
        email=email, password_hash=generate_password_hash(password), role=Role(role),
        display_name=(display_name or "").strip()[:120], language=language,
    )
    session.add(user)
    session.flush()
    return user


def authenticate(session: Session, email: str, password: str, now: datetime | None = None) -> User | None:
    """The user when e-mail and password match and the account is usable; None otherwise.

    Unknown e-mail, wrong password and a locked account look the same from outside, and cost
    the same time (a hash is always checked). Failed attempts lock the account for a while.
    """
    now = now or datetime.now(UTC)
    user = find_user(session, email)
    if user is None:
        check_password_hash(_DUMMY_HASH, password or "")
        return None
    ok = check_password_hash(user.password_hash, password or "")
    locked = user.locked_until is not None and _aware(user.locked_until) > now
    if ok and not locked and user.active:
        user.failed_logins = 0
        user.locked_until = None
        user.last_login_at = now
        return user
    if not ok:
        user.failed_logins = (user.failed_logins or 0) + 1
        if user.failed_logins >= LOCK_AFTER:
            user.locked_until = now + LOCK_FOR
            user.failed_logins = 0
    return None


def set_password(user: User, password: str) -> None:
    check_password_policy(password, user.email)
    user.password_hash = generate_password_hash(password)
    user.session_version = (user.session_version or 1) + 1  # signs out every other session


def count_users(session: Session) -> int:
    return session.scalar(select(func.count(User.id))) or 0


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)
