"""Account administration and profile changes, with audit events."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.accounts import AccountError
from portal.audit import record
from portal.i18n import LANGUAGES, _
from portal.models import Role, User


def list_users(session: Session) -> list[User]:
    return list(session.scalars(select(User).order_by(User.created_at, User.id)))


def role_label(role) -> str:
    """A role as people read it, in the current language."""
    value = getattr(role, "value", role)
    return {"citizen": _("citizen"), "officer": _("officer"), "admin": _("admin")}.get(value, str(value))


def change_role(session: Session, actor: User, user_id: int, role: str) -> User:
    """An administrator gives an account another role; signs that account out everywhere."""
    user = session.get(User, user_id)
    if user is None:
        raise AccountError("user_unknown", _("No such account."))
    if role not in {r.value for r in Role}:
        raise AccountError("role_unknown", _("No such role."))
    if user.id == actor.id and role != Role.ADMIN:
        raise AccountError("role_self", _("You cannot take away your own administrator role."))
    before = {"role": str(user.role)}
    user.role = Role(role)
    user.session_version = (user.session_version or 1) + 1
    record(session, "user.role", {"role": role}, before=before, target=user, actor=actor)
    return user


def update_profile(session: Session, user: User, display_name: str, language: str | None) -> User:
    if language is not None and language not in LANGUAGES:
        raise AccountError("language_unknown", _("No such language."))
    display_name = (display_name or "").strip()
    if len(display_name) > 120:
        raise AccountError("name_long", _("The name may have at most 120 characters."))
    before = {"display_name": user.display_name, "language": user.language}
    user.display_name = display_name
    user.language = language
    record(session, "user.profile", {"display_name": display_name, "language": language}, before=before,
           target=user, actor=user)
    return user
