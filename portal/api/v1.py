"""The public data API, version 1: budget lines and aggregates, datasets and their rows, cycles, proposals,
results, delivery and the anonymised ballot files. Read-only, public data only, the same services as the
pages. Every route is described in `portal.api.openapi` (a test keeps the two in step)."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
from flask import Blueprint, Response, current_app, request
from sqlalchemy import func, select

from portal.api import common
from portal.api.common import bad, not_found
from portal.budget import explorer
from portal.budget.schema import DIRECTIONS, FN_CODES, FN_NAMES, LEVELS, PHASES, STATEMENTS
from portal.db import get_session
from portal.models import BudgetImport, Category, Cycle, Proposal, ProposalTranslation, Support
from portal.security import route

bp = Blueprint("api_v1", __name__, url_prefix="/api/v1")

LINE_FIELDS = ["fiscal_year", "phase", "statement", "direction", *[c for p in zip(FN_CODES, FN_NAMES, strict=True)
                                                                   for c in p],
               "econ_code", "econ_name", "admin_code", "admin_name", "district_code", "district_name", "amount",
               "currency", "source", "pb_project", "participatory"]
GROUPS = {"year": ["fiscal_year"], "phase": ["phase"], "statement": ["statement"], "direction": ["direction"],
          **{f"fn{i}": [f"fn{i}_code", f"fn{i}_name"] for i in range(1, LEVELS + 1)},
          "econ": ["econ_code", "econ_name"], "admin": ["admin_code", "admin_name"],
          "district": ["district_code", "district_name"], "participatory": ["participatory"]}
CODE_PATH = r"[^/\x00-\x1f\x7f]{1,40}(/[^/\x00-\x1f\x7f]{1,40}){0,3}"
GROUP_BY = "(" + "|".join(GROUPS) + ")(,(" + "|".join(GROUPS) + "))*"


def _city():
    return current_app.config["CITY"]


def _run(handler):
    try:
        return handler()
    except common.ApiError as exc:
        return common.error_response(exc)


# Budget ------------------------------------------------------------------------------------------------------

def _budget_filters() -> tuple:
    """The budget filters of the query string, checked: (year, phase, statement, direction, path, district, pb)."""
    return (common.integer("year", minimum=1900, maximum=2200), common.choice("phase", PHASES),
            common.choice("statement", STATEMENTS), common.choice("direction", DIRECTIONS),
            common.text("classification", max_length=170, pattern=CODE_PATH), common.text("district", max_length=32),
            common.boolean("participatory"))


def _budget_positions(data: explorer.BudgetData, filters: tuple) -> np.ndarray:
    """Row positions of the lines matching the filters (in the order of their ids)."""
    year, phase, statement, direction, path, district, participatory = filters
    keys = [k for k in data.slices if (year is None or k[0] == year) and (phase is None or k[1] == phase)
            and (statement is None or k[2] == statement) and (direction is None or k[3] == direction)]
    if not keys:
        return np.zeros(0, dtype="int64")
    idx = np.sort(np.concatenate([data.slices[k] for k in keys]))
    for col, code in zip(FN_CODES, path.split("/") if path else [], strict=False):
        idx = idx[data.codes[col][idx] == data.index[col].get(code, -2)]
    if district is not None:
        idx = idx[data.codes["district_code"][idx] == data.index["district_code"].get(district, -2)]
    if participatory is not None:
        idx = idx[data.pb[idx] == participatory]
    return idx


def _line_records(data: explorer.BudgetData, idx: np.ndarray) -> list[dict]:
    frame = data.frame.iloc[idx]
    columns = {c: frame[c].astype(str).tolist() for c in LINE_FIELDS if c in frame.columns and c != "fiscal_year"}
    years = frame["fiscal_year"].astype(int).tolist()
    cents = data.cents[idx].tolist()
    pb = data.pb[idx].tolist()
    out = []
    for i in range(len(idx)):
        row = {"fiscal_year": years[i]}
        for c in LINE_FIELDS[1:]:
            if c == "amount":
                row[c] = cents[i] / 100
            elif c == "participatory":
                row[c] = bool(pb[i])
            else:
                value = columns[c][i]
                row[c] = value if value != "" else (None if c not in ("phase", "statement", "direction",
                                                                      "currency", "source") else value)
        out.append(row)
    return out


@bp.get("/budget/lines")
@route("public")
def budget_lines():
    """Budget lines, filtered by year, phase, statement, direction, classification path, district, source."""

    def handle():
        filters = _budget_filters()
        paged = common.paging()
        data = explorer.budget_data(get_session(), _city().slug)
        idx = data.remember(("api-lines", filters), lambda: _budget_positions(data, filters))
        chunk = idx[paged.offset:paged.offset + paged.limit]
        return common.page(_line_records(data, chunk), len(idx), paged, columns=LINE_FIELDS, name="budget-lines")

    return _run(handle)


@bp.get("/budget/aggregate")
@route("public")
def budget_aggregate():
    """Sums of the filtered lines grouped by any levels (year, phase, functional levels, economic, district...)."""

    def handle():
        raw = request.args.get("group_by")
        if raw is not None and not re.fullmatch(GROUP_BY, raw):
            raise bad("group_by: a comma-separated list of " + ", ".join(GROUPS))
        groups = list(dict.fromkeys((raw or "fn1").split(",")))  # in order, each once
        filters = _budget_filters()
        paged = common.paging()
        data = explorer.budget_data(get_session(), _city().slug)
        records = data.remember(("api-aggregate", tuple(groups), filters),
                                lambda: _aggregate(data, groups, _budget_positions(data, filters)))
        columns = [c for g in groups for c in GROUPS[g]]
        return common.page(records[paged.offset:paged.offset + paged.limit], len(records), paged,
                           columns=[*columns, "amount", "lines"], name="budget-aggregate")

    return _run(handle)


def _aggregate(data: explorer.BudgetData, groups: list[str], idx: np.ndarray) -> list[dict]:
    """Sums and line counts of the lines at idx per group, largest first (memoised with the city's lines)."""
    columns = [c for g in groups for c in GROUPS[g]]
    keys = [c for g in groups for c in GROUPS[g][:1]]
    chosen = data.frame.iloc[idx]
    frame = pd.DataFrame({c: (data.pb[idx] if c == "participatory" else
                              chosen[c].to_numpy() if c == "fiscal_year" else
                              chosen[c].astype(str).to_numpy()) for c in columns})
    frame["cents"] = data.cents[idx]
    if len(frame):
        grouped = frame.groupby(keys, sort=False, dropna=False).agg(
            **{c: (c, "first") for c in columns if c not in keys}, cents=("cents", "sum"),
            lines=("cents", "size")).reset_index()
        grouped = grouped.sort_values(["cents", *keys], ascending=[False, *[True] * len(keys)], kind="stable")
    else:
        grouped = pd.DataFrame(columns=[*columns, "cents", "lines"])
    records = []
    for row in grouped.to_dict("records"):
        item = {}
        for c in columns:
            value = row[c]
            if c == "fiscal_year":
                item[c] = int(value)
            elif c == "participatory":
                item[c] = bool(value)
            else:
                item[c] = value if value != "" else None
        item["amount"] = int(row["cents"]) / 100
        item["lines"] = int(row["lines"])
        records.append(item)
    return records


@bp.get("/budget/versions")
@route("public")
def budget_versions():
    """The imports that made the budget (the data version a chart's citation names), newest first."""

    def handle():
        session = get_session()
        paged = common.paging()
        city = _city().slug
        total = session.scalar(select(func.count(BudgetImport.id)).where(BudgetImport.city == city)) or 0
        rows = session.scalars(select(BudgetImport).where(BudgetImport.city == city)
                               .order_by(BudgetImport.id.desc()).offset(paged.offset).limit(paged.limit))
        records = [{"id": r.id, "adapter": r.adapter, "source_name": r.source_name, "sha256": r.sha256,
                    "lines": r.row_count, "created_at": r.created_at} for r in rows]
        return common.page(records, total, paged, columns=["id", "adapter", "source_name", "sha256", "lines",
                                                           "created_at"], name="budget-versions")

    return _run(handle)


# Open data ---------------------------------------------------------------------------------------------------

DATASET_FIELDS = ["slug", "name", "description", "licence", "source", "origin", "updated", "version", "rows"]


def _dataset_record(entry) -> dict:
    info = entry.info
    types = info.columns
    return {"slug": info.slug, "name": info.name, "description": info.description, "licence": info.licence,
            "source": info.source, "origin": info.origin, "updated": info.updated or None, "version": info.version,
            "rows": entry.rows, "columns": [{"name": c, "description": (types.get(c) or {}).get("description")}
                                            for c in entry.columns],
            "links": {"rows": f"/api/v1/datasets/{info.slug}/rows", "csv": f"/data/{info.slug}.csv",
                      "page": f"/data/{info.slug}"}}


@bp.get("/datasets")
@route("public")
def datasets():
    def handle():
        from portal.datasets import presenter

        paged = common.paging()
        entries = presenter.entries(get_session(), _city())
        records = [_dataset_record(e) for e in entries]
        return common.page(records[paged.offset:paged.offset + paged.limit], len(records), paged,
                           columns=DATASET_FIELDS, name="datasets")

    return _run(handle)


def _entry(slug: str):
    from portal.datasets import presenter
    from portal.datasets.catalogue import SLUG

    if not SLUG.match(slug):
        raise not_found("there is no such dataset")
    entry = next((e for e in presenter.entries(get_session(), _city()) if e.info.slug == slug), None)
    if entry is None:
        raise not_found("there is no such dataset")
    return entry


@bp.get("/datasets/<slug>")
@route("public")
def dataset(slug: str):
    return _run(lambda: common.json_response(_dataset_record(_entry(slug))))


@bp.get("/datasets/<slug>/rows")
@route("public")
def dataset_rows(slug: str):
    """The rows of a dataset, filtered with the table's filter syntax (`{column} > 5 && {name} contains x`)."""

    def handle():
        from portal.datasets import frames, query

        entry = _entry(slug)
        filter_text = common.text("filter", max_length=2000)
        paged = common.paging()
        frame = frames.load(get_session(), entry.info)
        try:
            rows = query.apply_filter(frame, filter_text) if filter_text else frame
        except query.QueryError as exc:
            raise bad(f"filter: {exc}") from None
        records = query.records(rows.iloc[paged.offset:paged.offset + paged.limit])
        return common.page(records, len(rows), paged, columns=[str(c) for c in frame.columns], name=slug)

    return _run(handle)


# Participation -------------------------------------------------------------------------------------------------

CYCLE_FIELDS = ["id", "year", "title", "phase", "currency", "total_budget", "ballot_type", "rule", "completion",
                "results_published"]


def _cycle_record(cycle: Cycle) -> dict:
    from portal.participation import phases

    return {
        "id": cycle.id, "year": cycle.year, "title": cycle.title, "description": cycle.description or "",
        "phase": str(cycle.phase), "currency": cycle.currency, "total_budget": int(cycle.total_budget),
        "ballot_type": str(cycle.ballot_type), "rule": cycle.rule,
        "completion": cycle.completion if cycle.rule == "mes" else None, "demo": bool(cycle.is_demo),
        "results_published": phases.allows(cycle, "see_results"),
        "categories": [{"code": c.code, "name": c.name, "earmarked": c.earmarked, "functional_area": c.functional_code}
                       for c in cycle.categories],
        "districts": [{"code": d.code, "name": d.name, "budget": int(d.budget or 0)} for d in cycle.districts],
        "phase_dates": [{"phase": str(d.phase), "starts_on": d.starts_on, "ends_on": d.ends_on}
                        for d in cycle.phase_dates],
        "links": {"proposals": f"/api/v1/cycles/{cycle.id}/proposals", "results": f"/api/v1/cycles/{cycle.id}/results",
                  "delivery": f"/api/v1/cycles/{cycle.id}/delivery",
                  "ballots": f"/api/v1/cycles/{cycle.id}/ballots.pb", "page": f"/cycle/{cycle.id}"},
    }


def _cycle(cycle_id: int) -> Cycle:
    from portal.participation.cycles import get_cycle
    from portal.participation.errors import NotFound

    common.identifier(cycle_id)
    try:
        cycle = get_cycle(get_session(), cycle_id)  # as the public: a draft is not found
    except NotFound:
        raise not_found("there is no such cycle") from None
    if cycle.city != _city().slug:
        raise not_found("there is no such cycle")
    return cycle


@bp.get("/cycles")
@route("public")
def cycles():
    def handle():
        from portal.participation.cycles import list_cycles

        paged = common.paging()
        records = [_cycle_record(c) for c in list_cycles(get_session(), _city().slug)]
        return common.page(records[paged.offset:paged.offset + paged.limit], len(records), paged,
                           columns=CYCLE_FIELDS, name="cycles")

    return _run(handle)


@bp.get("/cycles/<int:cycle_id>")
@route("public")
def cycle(cycle_id: int):
    return _run(lambda: common.json_response(_cycle_record(_cycle(cycle_id))))


PROPOSAL_FIELDS = ["id", "cycle_id", "title", "description", "language", "category", "district_code", "latitude",
                   "longitude", "estimated_cost", "reviewed_cost", "status", "rejection_reason", "on_ballot",
                   "supports", "created_at"]  # CSV columns; JSON adds the city's translations


@bp.get("/cycles/<int:cycle_id>/proposals")
@route("public")
def proposals(cycle_id: int):
    """The public proposals of a cycle (never drafts, never who wrote them), as written, with the city's
    translations (never who translated them)."""

    def handle():
        from portal.models import ProposalStatus
        from portal.participation.proposals import PUBLIC_STATUSES

        the_cycle = _cycle(cycle_id)
        status = common.choice("status", [s.value for s in PUBLIC_STATUSES])
        paged = common.paging()
        session = get_session()
        wanted = [ProposalStatus(status)] if status else list(PUBLIC_STATUSES)
        where = [Proposal.cycle_id == the_cycle.id, Proposal.status.in_(wanted)]
        total = session.scalar(select(func.count(Proposal.id)).where(*where)) or 0
        supports = (select(Support.proposal_id, func.count(Support.id).label("n")).group_by(Support.proposal_id)
                    .subquery())
        rows = session.execute(select(Proposal, func.coalesce(supports.c.n, 0))
                               .outerjoin(supports, supports.c.proposal_id == Proposal.id).where(*where)
                               .order_by(Proposal.id).offset(paged.offset).limit(paged.limit)).all()
        categories = {c.id: c.code for c in session.scalars(select(Category).where(Category.cycle_id == the_cycle.id))}
        translations: dict[int, list[dict]] = {}
        for t in session.scalars(select(ProposalTranslation).where(
                ProposalTranslation.proposal_id.in_([p.id for p, _n in rows])).order_by(ProposalTranslation.language)):
            translations.setdefault(t.proposal_id, []).append({
                "language": t.language, "title": t.title, "description": t.description or "",
                "updated_at": t.updated_at})
        records = [{
            "id": p.id, "cycle_id": p.cycle_id, "title": p.title, "description": p.description or "",
            "language": p.language, "translations": translations.get(p.id, []),
            "category": categories.get(p.category_id), "district_code": p.district_code,
            "latitude": float(p.latitude) if p.latitude is not None else None,
            "longitude": float(p.longitude) if p.longitude is not None else None,
            "estimated_cost": int(p.estimated_cost), "reviewed_cost": int(p.reviewed_cost)
            if p.reviewed_cost is not None else None, "status": str(p.status),
            "rejection_reason": p.rejection_reason, "on_ballot": bool(p.on_ballot), "supports": int(n),
            "created_at": p.created_at,
        } for p, n in rows]
        return common.page(records, total, paged, columns=PROPOSAL_FIELDS, name=f"cycle-{the_cycle.id}-proposals")

    return _run(handle)


RESULT_PROJECT_FIELDS = ["id", "title", "district", "category", "cost", "votes", "funded", "round", "explanation"]


@bp.get("/cycles/<int:cycle_id>/results")
@route("public")
def results(cycle_id: int):
    """The published result of a cycle (404 before publication, and always while voting is open)."""

    def handle():
        from portal.participation.results import results_view

        the_cycle = _cycle(cycle_id)
        view = results_view(get_session(), the_cycle)
        if view is None:
            raise not_found("the results of this cycle are not published")
        projects = [{"id": str(r["id"]), "title": r["title"], "district": r["district"], "category": r["category"],
                     "cost": int(r["cost"] or 0), "votes": int(r["votes"] or 0), "funded": bool(r["funded"]),
                     "round": int(r["round"]) if r["round"] == r["round"] and r["round"] is not None else None,
                     "explanation": r["explanation"]} for _, r in view.projects.iterrows()]
        if common.wants_csv():
            return common.csv_response(projects, RESULT_PROJECT_FIELDS, f"cycle-{the_cycle.id}-results")
        result = view.result
        return common.json_response({
            "cycle_id": the_cycle.id, "result_id": result.id, "rule": result.rule, "completion": result.completion,
            "published_at": result.published_at, "ballot_count": int(result.ballot_count),
            "ballot_file_sha256": result.ballot_file_sha256,
            "ballot_file": f"/api/v1/cycles/{the_cycle.id}/ballots.pb",
            "total_cost": int(sum(p["cost"] for p in projects if p["funded"])),
            "selected": [str(p) for p in result.selected or []], "projects": projects,
        })

    return _run(handle)


DELIVERY_FIELDS = ["proposal_id", "title", "category", "district", "budget_year", "status", "progress", "funded",
                   "spent", "actual", "updated_at"]


@bp.get("/cycles/<int:cycle_id>/delivery")
@route("public")
def delivery(cycle_id: int):
    """How the funded projects of a cycle are getting on: status, progress, money reported and accounted."""

    def handle():
        from portal.feedback import delivery as service

        the_cycle = _cycle(cycle_id)
        if not service.is_public(the_cycle):
            raise not_found("the results of this cycle are not published")
        paged = common.paging()
        session = get_session()
        rows = service.deliveries(session, the_cycle)
        frame = service.delivery_frame(rows)
        records = frame.to_dict("records")
        for record, row in zip(records, rows, strict=True):
            record["updates"] = [{"at": u.at, "status": str(u.status), "progress": u.progress, "spent": u.spent,
                                  "note": u.note, "author": author}
                                 for u, author in service.updates_of(session, row.delivery.id)]
        return common.page(records[paged.offset:paged.offset + paged.limit], len(records), paged,
                           columns=DELIVERY_FIELDS, name=f"cycle-{the_cycle.id}-delivery")

    return _run(handle)


@bp.get("/cycles/<int:cycle_id>/ballots.pb")
@route("public")
def ballots(cycle_id: int):
    """The anonymised ballot file (Pabulib) of a cycle with a published result, with its SHA-256."""

    def handle():
        from portal.participation import results as results_service
        from portal.participation.errors import NotFound

        the_cycle = _cycle(cycle_id)
        try:
            text, digest = results_service.published_file(get_session(), the_cycle)
        except NotFound:
            raise not_found("the results of this cycle are not published") from None
        response = Response(text.encode("utf-8"), mimetype="text/plain")
        response.headers["Content-Disposition"] = f'attachment; filename="{results_service.file_name(the_cycle)}"'
        response.headers["X-Content-SHA256"] = digest
        return response

    return _run(handle)
