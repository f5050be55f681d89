"""Downloads of open data: a dataset's rows as CSV, optionally filtered like its table on the page."""

from __future__ import annotations

from flask import Blueprint, Response, abort, current_app, request

from portal.datasets import catalogue, frames
from portal.datasets.query import QueryError, apply_filter
from portal.db import get_session
from portal.security import route

bp = Blueprint("datasets_web", __name__)


@bp.get("/data/<slug>.csv")
@route("public")
def dataset_csv(slug: str):
    city = current_app.config["CITY"]
    session = get_session()
    info = catalogue.get(session, city, slug)
    if info is None:
        abort(404)
    frame = frames.load(session, info)
    query = request.args.get("filter", "")[:2000]
    try:
        rows = apply_filter(frame, query) if query else frame
    except QueryError as exc:
        return Response(f"filter: {exc}\n", status=400, mimetype="text/plain")
    out = rows.copy()
    for col in out.columns:
        if str(out[col].dtype).startswith("datetime"):
            out[col] = out[col].dt.strftime("%Y-%m-%d")
    response = Response("\ufeff" + out.to_csv(index=False, lineterminator="\n"), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="{slug}.csv"'
    return response
