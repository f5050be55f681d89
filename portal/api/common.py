"""What every API route shares: checked query parameters, pages with links and totals, JSON or CSV, errors as
JSON with a message."""

from __future__ import annotations

import csv
import io
import json
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from flask import Response, request

MAX_LIMIT = 1000
DEFAULT_LIMIT = 100
MAX_OFFSET = 100_000_000
MAX_ID = 2_147_483_647
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class ApiError(Exception):
    """A request the API refuses: an HTTP status, a short error code and a message for people."""

    def __init__(self, status: int, error: str, message: str):
        super().__init__(message)
        self.status, self.error, self.message = status, error, message


def bad(message: str) -> ApiError:
    return ApiError(400, "bad_request", message)


def not_found(message: str = "not found") -> ApiError:
    return ApiError(404, "not_found", message)


def error_response(exc: ApiError) -> Response:
    return json_response({"error": exc.error, "message": exc.message}, status=exc.status)


# Parameters --------------------------------------------------------------------------------------------------

def text(name: str, *, max_length: int = 200, pattern: str | None = None) -> str | None:
    """A text parameter; an empty one counts as absent unless it has a pattern (which it cannot match)."""
    value = request.args.get(name)
    if value is None or (value == "" and pattern is None):
        return None
    if len(value) > max_length or _CONTROL.search(value):
        raise bad(f"{name}: at most {max_length} characters, no control characters")
    if pattern and not re.fullmatch(pattern, value):
        raise bad(f"{name}: {value!r} is not valid here")
    return value


def integer(name: str, *, minimum: int, maximum: int, default: int | None = None) -> int | None:
    value = request.args.get(name)
    if value is None:
        return default
    if not re.fullmatch(r"-?[0-9]{1,12}", value.strip()):
        raise bad(f"{name} must be a whole number")
    number = int(value)
    if not minimum <= number <= maximum:
        raise bad(f"{name} must be between {minimum} and {maximum}")
    return number


def choice(name: str, options: Iterable[str], default: str | None = None) -> str | None:
    value = request.args.get(name)
    if value is None:
        return default
    options = list(options)
    if value not in options:
        raise bad(f"{name} must be one of {', '.join(options)}")
    return value


def boolean(name: str) -> bool | None:
    value = request.args.get(name)
    if value is None:
        return None
    if value.lower() in ("true", "1"):
        return True
    if value.lower() in ("false", "0"):
        return False
    raise bad(f"{name} must be true or false")


def identifier(value: int) -> int:
    """A path id within the range the database holds (larger ones are simply not found)."""
    if not 0 < value <= MAX_ID:
        raise not_found()
    return value


@dataclass
class Paging:
    limit: int
    offset: int


def paging() -> Paging:
    return Paging(limit=integer("limit", minimum=1, maximum=MAX_LIMIT, default=DEFAULT_LIMIT),
                  offset=integer("offset", minimum=0, maximum=MAX_OFFSET, default=0))


def wants_csv() -> bool:
    fmt = choice("format", ("json", "csv"))
    if fmt is not None:
        return fmt == "csv"
    best = request.accept_mimetypes.best_match(["application/json", "text/csv"], default="application/json")
    return best == "text/csv"


# Values and responses ------------------------------------------------------------------------------------------

def clean(value: Any) -> Any:
    """A value JSON can carry: NaN and infinities -> None, decimals -> float, dates -> ISO strings."""
    if value is None or isinstance(value, bool | str | int):
        return value
    if isinstance(value, float):
        return None if math.isnan(value) or math.isinf(value) else value
    if isinstance(value, Decimal):
        return clean(float(value))
    if isinstance(value, datetime):  # stored in UTC; SQLite gives them back without the zone
        return (value if value.tzinfo else value.replace(tzinfo=UTC)).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [clean(v) for v in value]
    if hasattr(value, "item"):  # numpy scalars
        return clean(value.item())
    return str(value)


def json_response(body: Any, status: int = 200) -> Response:
    response = Response(json.dumps(clean(body), ensure_ascii=False, allow_nan=False), status=status,
                        mimetype="application/json")
    return response


def csv_response(rows: list[dict], columns: list[str], name: str) -> Response:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow(["" if row.get(c) is None else _cell(row.get(c)) for c in columns])
    response = Response("\ufeff" + buffer.getvalue(), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="{name}.csv"'
    return response


def _cell(value: Any) -> Any:
    value = clean(value)
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@") and not _is_number(value):
        return "'" + value  # a spreadsheet must not run a formula from a title
    return value


def _is_number(value: str) -> bool:
    try:
        float(value)
    except ValueError:
        return False
    return True


def _link(offset: int, limit: int) -> str:
    args = request.args.to_dict(flat=True)
    args.update({"limit": str(limit), "offset": str(offset)})
    return request.path + "?" + urlencode(args)


def page(rows: list[dict], total: int, paged: Paging, *, columns: list[str], name: str) -> Response:
    """One page of a collection as JSON (data, meta with the total, links) or as CSV (the page's rows)."""
    if wants_csv():
        response = csv_response(rows, columns, name)
        response.headers["X-Total-Count"] = str(total)
        return response
    next_offset = paged.offset + paged.limit
    body = {
        "data": rows,
        "meta": {"total": total, "limit": paged.limit, "offset": paged.offset},
        "links": {"self": _link(paged.offset, paged.limit),
                  "next": _link(next_offset, paged.limit) if next_offset < total else None,
                  "prev": _link(max(0, paged.offset - paged.limit), paged.limit) if paged.offset > 0 else None},
    }
    return json_response(body)
