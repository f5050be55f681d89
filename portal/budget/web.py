"""Downloads of the budget: the lines behind any view as CSV, and the whole budget as a Fiscal Data Package."""

from __future__ import annotations

import json

from flask import Blueprint, Response, current_app, request

from portal.budget import explorer, fdp
from portal.db import get_session
from portal.security import route

bp = Blueprint("budget_web", __name__)


def _city():
    return current_app.config["CITY"]


def _csv_response(text: str, filename: str) -> Response:
    response = Response("\ufeff" + text, mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@bp.get("/budget/lines.csv")
@route("public")
def lines_csv():
    """The lines behind the view in the query string (same parameters as the page's address), searched by q."""
    city = _city()
    data = explorer.budget_data(get_session(), city.slug)
    view = explorer.parse_view(request.args.to_dict(flat=True), available=data.available, districts=city.districts,
                               preferred=data.own_available)
    search = request.args.get("q", "")[:200] or None
    lines = explorer.lines_export(data, view, search)
    name = "-".join(str(p) for p in (city.slug, view.year, view.phase, view.statement, view.direction, *view.path))
    return _csv_response(fdp.lines_csv(lines), f"{name}.csv")


@bp.get("/budget/budget.csv")
@route("public")
def budget_csv():
    """Every budget line of the city, in the portal's own format (the resource of the datapackage)."""
    city = _city()
    data = explorer.budget_data(get_session(), city.slug)
    return _csv_response(fdp.lines_csv(explorer.all_lines_export(data)), "budget.csv")


@bp.get("/budget/datapackage.json")
@route("public")
def datapackage():
    city = _city()
    descriptor = fdp.descriptor(city.slug, city.name, city.currency, resource="budget.csv",
                                attribution=city.attribution)
    return Response(json.dumps(descriptor, indent=2, ensure_ascii=False), mimetype="application/json")
