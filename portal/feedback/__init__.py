"""Results flow back: funded projects become budget lines of the following year, their delivery is tracked,
and the city's priorities (the votes) are set against its spending.

- `budget_lines`: the participatory lines of the budget, derived from the funded projects (`reconcile`).
- `delivery`: status, progress and money spent of each funded project, updated by officers (audited).
- `priorities`: vote and funding shares per category against the spending share of its functional area.

`on_publish` runs in the transaction that publishes a result.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from portal.models import Cycle, Result

__all__ = ["on_publish"]


def on_publish(session: Session, cycle: Cycle, result: Result, actor: Any = None) -> None:
    """Open a delivery record for every funded project and write their budget lines (idempotent)."""
    from portal.city import load_city
    from portal.feedback import budget_lines, delivery

    delivery.open_deliveries(session, cycle, result)
    session.flush()
    budget_lines.reconcile(session, load_city(cycle.city), actor=actor,
                           reason=f"result {result.id} of cycle {cycle.id} published")
