"""The OpenAPI 3 document of the public API, written as data next to the routes (`portal.api.v1`).

Tests keep it in step with the routes (every route documented, every documented path served) and run
schemathesis against it over real HTTP: every response must match its schema.
"""

from __future__ import annotations

from typing import Any

from portal.api.common import DEFAULT_LIMIT, MAX_ID, MAX_LIMIT, MAX_OFFSET
from portal.api.v1 import GROUP_BY
from portal.budget.schema import DIRECTIONS, FN_CODES, FN_NAMES, PHASES, STATEMENTS

S = dict[str, Any]
NO_CONTROL = r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*$"  # text parameters: no control characters (tab, CR, LF pass)


def _string(nullable: bool = False, **extra) -> S:
    return {"type": "string", **({"nullable": True} if nullable else {}), **extra}


def _integer(nullable: bool = False, **extra) -> S:
    return {"type": "integer", **({"nullable": True} if nullable else {}), **extra}


def _number(nullable: bool = False) -> S:
    return {"type": "number", **({"nullable": True} if nullable else {})}


def _object(properties: S, required: list[str] | None = None, extra: bool = False) -> S:
    return {"type": "object", "properties": properties, "required": list(properties) if required is None else required,
            "additionalProperties": extra}


def _ref(name: str) -> S:
    return {"$ref": f"#/components/schemas/{name}"}


def _param(name: str, schema: S, description: str, where: str = "query", required: bool = False) -> S:
    return {"name": name, "in": where, "required": required or where == "path", "description": description,
            "schema": schema}


def _page_of(item: S) -> S:
    return _object({"data": {"type": "array", "items": item}, "meta": _ref("Meta"), "links": _ref("Links")})


ERRORS = {
    "400": {"description": "A parameter is not valid: the message says which and why.",
            "content": {"application/json": {"schema": _ref("Error")}}},
    "404": {"description": "No such thing, or not public (yet).",
            "content": {"application/json": {"schema": _ref("Error")}}},
}
PAGING = [
    _param("limit", _integer(minimum=1, maximum=MAX_LIMIT, default=DEFAULT_LIMIT), "Items per page."),
    _param("offset", _integer(minimum=0, maximum=MAX_OFFSET, default=0), "Items to skip."),
    _param("format", _string(enum=["json", "csv"]), "json (default) or csv; also `Accept: text/csv`."),
]
BUDGET_FILTERS = [
    _param("year", _integer(minimum=1900, maximum=2200), "Fiscal year."),
    _param("phase", _string(enum=PHASES), "Phase: the plan (approved), the actual result (executed)..."),
    _param("statement", _string(enum=STATEMENTS), "operating or capital (investment)."),
    _param("direction", _string(enum=DIRECTIONS), "revenue or expenditure."),
    _param("classification", _string(pattern=r"^[^/\x00-\x1f\x7f]{1,40}(/[^/\x00-\x1f\x7f]{1,40}){0,3}$",
                                     maxLength=170),
           "A functional classification path, codes from the top level down: `05` or `05/0501`."),
    _param("district", _string(maxLength=32, pattern=NO_CONTROL), "A district code of the city."),
    _param("participatory", {"type": "boolean"},
           "true: only lines paying for participatory-budgeting projects; false: only the others."),
]
CYCLE_ID = _param("cycle_id", _integer(minimum=1, maximum=MAX_ID), "The cycle's number.", where="path")


def _list(summary: str, item: S, parameters: list[S], description: str = "", csv: bool = True) -> S:
    content = {"application/json": {"schema": _page_of(item)}}
    if csv:
        content["text/csv"] = {"schema": _string()}
    return {"get": {"summary": summary, "description": description, "parameters": parameters,
                    "responses": {"200": {"description": "One page of items, with the total and links.",
                                          "content": content}, **ERRORS}}}


def _one(summary: str, item: S, parameters: list[S], description: str = "", extra: S | None = None) -> S:
    content = {"application/json": {"schema": item}, **(extra or {})}
    return {"get": {"summary": summary, "description": description, "parameters": parameters,
                    "responses": {"200": {"description": "The item.", "content": content}, **ERRORS}}}


def schemas() -> S:
    line = {"fiscal_year": _integer(), "phase": _string(enum=PHASES), "statement": _string(enum=STATEMENTS),
            "direction": _string(enum=DIRECTIONS)}
    for code, name in zip(FN_CODES, FN_NAMES, strict=True):
        line[code] = _string(nullable=True)
        line[name] = _string(nullable=True)
    line.update({"econ_code": _string(nullable=True), "econ_name": _string(nullable=True),
                 "admin_code": _string(nullable=True), "admin_name": _string(nullable=True),
                 "district_code": _string(nullable=True), "district_name": _string(nullable=True),
                 "amount": _number(), "currency": _string(), "source": _string(),
                 "pb_project": _string(nullable=True), "participatory": {"type": "boolean"}})
    group = {"fiscal_year": _integer(), "phase": _string(), "statement": _string(), "direction": _string(),
             "participatory": {"type": "boolean"}}
    for code, name in zip(FN_CODES, FN_NAMES, strict=True):
        group[code] = _string(nullable=True)
        group[name] = _string(nullable=True)
    for prefix in ("econ", "admin", "district"):
        group[f"{prefix}_code"] = _string(nullable=True)
        group[f"{prefix}_name"] = _string(nullable=True)
    group.update({"amount": _number(), "lines": _integer()})
    update = _object({"at": _string(format="date-time"), "status": _ref("DeliveryStatus"), "progress": _integer(),
                      "spent": _number(), "note": _string(), "author": _string()})
    return {
        "Error": _object({"error": _string(), "message": _string()}),
        "Meta": _object({"total": _integer(minimum=0), "limit": _integer(), "offset": _integer()}),
        "Links": _object({"self": _string(), "next": _string(nullable=True), "prev": _string(nullable=True)}),
        "BudgetLine": _object(line),
        "BudgetGroup": _object(group, required=["amount", "lines"]),
        "BudgetVersion": _object({"id": _integer(), "adapter": _string(), "source_name": _string(),
                                  "sha256": _string(), "lines": _integer(), "created_at": _string(format="date-time")}),
        "Dataset": _object({
            "slug": _string(), "name": _string(), "description": _string(), "licence": _string(),
            "source": _string(), "origin": _string(enum=["shipped", "uploaded"]), "updated": _string(nullable=True),
            "version": _integer(), "rows": _integer(nullable=True),
            "columns": {"type": "array", "items": _object({"name": _string(), "description": _string(nullable=True)})},
            "links": _object({"rows": _string(), "csv": _string(), "page": _string()})}),
        "Row": {"type": "object", "additionalProperties": True,
                "description": "One row of a dataset: its columns and values (numbers, text, dates as text, null)."},
        "Cycle": _object({
            "id": _integer(), "year": _integer(), "title": _string(), "description": _string(),
            "phase": _string(enum=["proposals", "review", "voting", "counting", "results", "closed"]),
            "currency": _string(), "total_budget": _integer(), "ballot_type": _string(), "rule": _string(),
            "completion": _string(nullable=True), "demo": {"type": "boolean"}, "results_published": {"type": "boolean"},
            "categories": {"type": "array", "items": _object({
                "code": _string(), "name": _string(), "earmarked": _integer(nullable=True),
                "functional_area": _string(nullable=True)})},
            "districts": {"type": "array", "items": _object({"code": _string(), "name": _string(),
                                                             "budget": _integer()})},
            "phase_dates": {"type": "array", "items": _object({"phase": _string(), "starts_on": _string(format="date"),
                                                               "ends_on": _string(format="date")})},
            "links": _object({"proposals": _string(), "results": _string(), "delivery": _string(),
                              "ballots": _string(), "page": _string()})}),
        "Proposal": _object({
            "id": _integer(), "cycle_id": _integer(), "title": _string(), "description": _string(),
            "language": _string(nullable=True),
            "translations": {"type": "array", "items": _ref("ProposalTranslation"),
                             "description": "The city's translations of the title and description (JSON only)."},
            "category": _string(nullable=True), "district_code": _string(nullable=True),
            "latitude": _number(nullable=True), "longitude": _number(nullable=True), "estimated_cost": _integer(),
            "reviewed_cost": _integer(nullable=True),
            "status": _string(enum=["submitted", "accepted", "rejected", "merged", "funded"]),
            "rejection_reason": _string(nullable=True), "on_ballot": {"type": "boolean"}, "supports": _integer(),
            "created_at": _string(format="date-time")}),
        "ProposalTranslation": _object({"language": _string(), "title": _string(), "description": _string(),
                                        "updated_at": _string(format="date-time")}),
        "ResultProject": _object({
            "id": _string(), "title": _string(), "district": _string(), "category": _string(), "cost": _integer(),
            "votes": _integer(), "funded": {"type": "boolean"}, "round": _integer(nullable=True),
            "explanation": _string()}),
        "Result": _object({
            "cycle_id": _integer(), "result_id": _integer(), "rule": _string(), "completion": _string(nullable=True),
            "published_at": _string(format="date-time"), "ballot_count": _integer(),
            "ballot_file_sha256": _string(pattern="^[0-9a-f]{64}$"), "ballot_file": _string(),
            "total_cost": _integer(), "selected": {"type": "array", "items": _string()},
            "projects": {"type": "array", "items": _ref("ResultProject")}}),
        "DeliveryStatus": _string(enum=["planned", "in_progress", "delayed", "completed", "cancelled"]),
        "Delivery": _object({
            "proposal_id": _integer(), "title": _string(), "category": _string(), "district": _string(),
            "budget_year": _integer(), "status": _ref("DeliveryStatus"), "progress": _integer(minimum=0, maximum=100),
            "funded": _integer(), "spent": _number(), "actual": _number(nullable=True),
            "updated_at": _string(nullable=True), "updates": {"type": "array", "items": update}}),
    }


def document(server_url: str = "/") -> S:
    """The OpenAPI document the routes of `portal.api.v1` follow."""
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "Participatory-budgeting portal: public data API", "version": "1.0.0",
            "description": "Read-only, public data: the city's budget (lines and aggregates), open datasets, "
                           "participatory-budgeting cycles, proposals, published results, the delivery of funded "
                           "projects and the anonymised ballot files. JSON or CSV; pages with totals and links. "
                           "Errors are JSON with a message. Amounts are in the currency of the line or the cycle.",
        },
        "servers": [{"url": server_url}],
        "paths": {
            "/api/v1/budget/lines": _list(
                "Budget lines", _ref("BudgetLine"), [*BUDGET_FILTERS, *PAGING],
                "One line per item, year, phase and statement, in the portal's own format. Lines with source "
                "`participatory` are the portal's lines for funded participatory-budgeting projects."),
            "/api/v1/budget/aggregate": _list(
                "Budget totals grouped by any levels", _ref("BudgetGroup"),
                [_param("group_by", _string(pattern=f"^{GROUP_BY}$", default="fn1"),
                        "Comma-separated: year, phase, statement, direction, fn1..fn4 (functional levels), econ, "
                        "admin, district, participatory."), *BUDGET_FILTERS, *PAGING],
                "Sums of the filtered lines, largest first."),
            "/api/v1/budget/versions": _list("Budget imports (data versions)", _ref("BudgetVersion"), PAGING),
            "/api/v1/datasets": _list("Open datasets", _ref("Dataset"), PAGING),
            "/api/v1/datasets/{slug}": _one("One dataset", _ref("Dataset"), [
                _param("slug", _string(maxLength=80), "The dataset's name in addresses.", where="path")]),
            "/api/v1/datasets/{slug}/rows": _list("The rows of a dataset", _ref("Row"), [
                _param("slug", _string(maxLength=80), "The dataset's name in addresses.", where="path"),
                _param("filter", _string(maxLength=2000, pattern=NO_CONTROL),
                       "The table's filter syntax, e.g. `{jahr} > 2010 && {stadtbezirk} contains Kalk`."), *PAGING]),
            "/api/v1/cycles": _list("Participatory-budgeting cycles", _ref("Cycle"), PAGING,
                                    "Cycles the public may see (not drafts), newest first."),
            "/api/v1/cycles/{cycle_id}": _one("One cycle", _ref("Cycle"), [CYCLE_ID]),
            "/api/v1/cycles/{cycle_id}/proposals": _list(
                "The public proposals of a cycle", _ref("Proposal"),
                [CYCLE_ID, _param("status", _string(enum=["submitted", "accepted", "rejected", "merged", "funded"]),
                                  "Only proposals with this status."), *PAGING],
                "Never drafts, never their authors."),
            "/api/v1/cycles/{cycle_id}/results": _one(
                "The published result of a cycle", _ref("Result"),
                [CYCLE_ID, _param("format", _string(enum=["json", "csv"]), "csv: the projects as a table.")],
                "Not found before the result is published (never while voting is open).",
                extra={"text/csv": {"schema": _string()}}),
            "/api/v1/cycles/{cycle_id}/delivery": _list(
                "Delivery of the funded projects", _ref("Delivery"), [CYCLE_ID, *PAGING],
                "Status, progress, money reported by officers, and what the city's executed budget shows."),
            "/api/v1/cycles/{cycle_id}/ballots.pb": {"get": {
                "summary": "The anonymised ballot file (Pabulib)", "parameters": [CYCLE_ID],
                "description": "The file the result was counted from; its SHA-256 is in `X-Content-SHA256`.",
                "responses": {"200": {"description": "The .pb file.", "content": {"text/plain": {"schema": _string()}},
                                      "headers": {"X-Content-SHA256": {"schema": _string(pattern="^[0-9a-f]{64}$")}}},
                              **ERRORS}}},
        },
        "components": {"schemas": schemas()},
    }
