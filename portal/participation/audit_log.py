"""The audit log for officers and administrators: filter, page through and export every recorded action."""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from portal.models import AuditEvent
from portal.participation.phases import require_officer

COLUMNS = ["id", "at", "actor_email", "action", "target_type", "target_id", "before", "after", "remote_addr"]


def events(session: Session, actor: Any, *, action: str | None = None, actor_email: str | None = None,
           target: str | None = None, since: datetime | None = None, limit: int | None = 200,
           offset: int = 0) -> list[AuditEvent]:
    """Audit events newest first, filtered by action prefix, actor e-mail and target ("cycle:3" or "3")."""
    require_officer(actor)
    query = select(AuditEvent)
    if action:
        query = query.where(AuditEvent.action.like(f"{action.strip()}%"))
    if actor_email:
        query = query.where(AuditEvent.actor_email.like(f"%{actor_email.strip().lower()}%"))
    if target:
        kind, _sep, ident = target.strip().rpartition(":")
        if kind:
            query = query.where(AuditEvent.target_type == kind, AuditEvent.target_id == ident)
        else:
            query = query.where(or_(AuditEvent.target_id == ident, AuditEvent.target_type == ident))
    if since is not None:
        query = query.where(AuditEvent.at >= since)
    query = query.order_by(AuditEvent.at.desc(), AuditEvent.id.desc()).offset(offset)
    if limit is not None:
        query = query.limit(limit)
    return list(session.scalars(query))


def as_row(event: AuditEvent) -> dict[str, Any]:
    return {
        "id": event.id, "at": event.at.isoformat() if event.at else "", "actor_email": event.actor_email or "",
        "action": event.action, "target_type": event.target_type or "", "target_id": event.target_id or "",
        "before": json.dumps(event.before, ensure_ascii=False, sort_keys=True) if event.before is not None else "",
        "after": json.dumps(event.after, ensure_ascii=False, sort_keys=True) if event.after is not None else "",
        "remote_addr": event.remote_addr or "",
    }


def export_csv(session: Session, actor: Any, **filters) -> str:
    """The whole (filtered) log as CSV, oldest last, one event a line."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    for event in events(session, actor, limit=None, **filters):
        row = as_row(event)
        writer.writerow({k: safe_cell(v) for k, v in row.items()})
    return out.getvalue()


def safe_cell(value: Any) -> Any:
    """Keep spreadsheet programs from running a cell as a formula (CSV injection)."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value
