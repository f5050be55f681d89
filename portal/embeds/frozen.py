"""Frozen charts: a chart published as it was, so that an article's embed keeps showing the data it was written
about after the data changes (and says so). Officers freeze a chart; the figure, the data behind it and the
citation are stored with the date; `/embed/frozen/<id>` serves that copy."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.audit import record
from portal.embeds.kinds import Chart, Citation, build, figure_json
from portal.i18n import _, date
from portal.models import FrozenChart
from portal.participation import phases


def freeze(session: Session, actor: Any, kind: str, args: dict, city=None) -> FrozenChart:
    """Store the chart `kind` in the state `args` as it is now (officers only; public charts only)."""
    phases.require_officer(actor)
    chart = build(kind, args, session, city)
    row = FrozenChart(city=(city or _city()).slug, kind=chart.kind, query=chart.query, title=chart.title[:300],
                      summary=chart.summary, figure=figure_json(chart.figure),
                      data_csv=chart.data.to_csv(index=False, lineterminator="\n"),
                      citation=chart.citation.as_dict(), page_url=chart.page_url[:2000],
                      frozen_by_id=getattr(actor, "id", None))
    session.add(row)
    session.flush()
    record(session, "chart.freeze", {"frozen_id": row.id, "kind": row.kind, "query": row.query,
                                     "citation": row.citation}, target=row, actor=actor)
    return row


def get(session: Session, frozen_id: Any, city=None) -> FrozenChart | None:
    try:
        frozen_id = int(frozen_id)
    except (TypeError, ValueError):
        return None
    return session.scalar(select(FrozenChart).where(FrozenChart.id == frozen_id,
                                                    FrozenChart.city == (city or _city()).slug))


def as_chart(row: FrozenChart) -> Chart:
    """A stored chart in the shape the embed page and the exports take (its data as CSV text)."""
    import io

    import pandas as pd

    data = pd.read_csv(io.StringIO(row.data_csv)) if row.data_csv.strip() else pd.DataFrame()
    return Chart(kind=row.kind, query=row.query, page_url=row.page_url, title=row.title, summary=row.summary,
                 figure=row.figure, data=data, citation=Citation(**{k: str(v) for k, v in row.citation.items()}),
                 extra={"frozen_at": row.frozen_at, "frozen_id": row.id})


def note(row: FrozenChart) -> str:
    return _("Data as of {date}: this chart is frozen as it was published; the live data may have changed since."
             ).format(date=date(row.frozen_at))


def _city():
    from flask import current_app

    return current_app.config["CITY"]
