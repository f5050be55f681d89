"""The audit log: who did what, when, with the state before and after."""

from __future__ import annotations

from typing import Any

from flask import has_request_context, request
from flask_login import current_user
from sqlalchemy.orm import Session

from portal.models import AuditEvent


def record(session: Session, action: str, after: Any = None, *, before: Any = None, target: Any = None,
           actor: Any = None) -> AuditEvent:
    """Add an audit event to the session (committed with the change it describes)."""
    if actor is None and has_request_context() and getattr(current_user, "is_authenticated", False):
        actor = current_user
    event = AuditEvent(
        actor_id=getattr(actor, "id", None),
        actor_email=getattr(actor, "email", None),
        action=action,
        target_type=type(target).__name__.lower() if target is not None else None,
        target_id=str(getattr(target, "id", "")) or None if target is not None else None,
        before=snapshot(before),
        after=snapshot(after),
        remote_addr=request.remote_addr if has_request_context() else None,
    )
    session.add(event)
    return event


SECRET_FIELDS = {"password_hash", "code_hash", "token_hash"}


def snapshot(obj: Any) -> dict | None:
    """A JSON-ready view of a model instance (or a dict), without secrets."""
    if obj is None:
        return None
    if isinstance(obj, dict):
        return {k: _jsonable(v) for k, v in obj.items() if k not in SECRET_FIELDS}
    table = getattr(obj, "__table__", None)
    if table is None:
        return {"value": _jsonable(obj)}
    return {c.key: _jsonable(getattr(obj, c.key)) for c in table.columns if c.key not in SECRET_FIELDS}


def _jsonable(value: Any) -> Any:
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    return str(value)
