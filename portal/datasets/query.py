"""Server-side work on a dataset: filters, pages, sorting and the aggregation behind the chart builder.

The browser only ever gets one page of rows or an aggregate of a bounded size, however large the
dataset: tables are paged here, charts are grouped here (at most MAX_GROUPS x values, MAX_SERIES
colours, MAX_POINTS raw points for scatter plots and maps).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from portal.datasets.frames import column_types
from portal.i18n import N_, _, number

AGGREGATIONS = ("sum", "mean", "median", "min", "max", "count")
CHART_TYPES = ("bar", "line", "area", "scatter", "box")
BUCKETS = ("day", "week", "month", "quarter", "year")
MAX_GROUPS = 400
MAX_SERIES = 12
MAX_POINTS = 5_000
OTHER = N_("(other)")
_PART = re.compile(
    r"^\s*\{(?P<col>[^{}]+)\}\s*(?P<op>is not blank|is blank|datestartswith|[si]?contains"
    r"|[si]?(?:eq|ne|lt|le|gt|ge)(?=\s)|[si]?(?:!=|<=|>=|=|<|>))\s*(?P<value>.*?)\s*$", re.IGNORECASE)
_OPS = {"eq": "=", "ne": "!=", "lt": "<", "le": "<=", "gt": ">", "ge": ">="}


class QueryError(ValueError):
    """A filter or a chart request the dataset cannot answer (a clear message for the user)."""


def parse_filter(query: str | None) -> list[tuple[str, str, str]]:
    """DataTable's filter syntax (`{col} > 5 && {name} contains abc`) -> [(column, op, value)]; no eval."""
    if not query or not str(query).strip():
        return []
    parts = []
    for raw in re.split(r"\s+&&\s+", str(query).strip()):
        m = _PART.match(raw)
        if not m:
            raise QueryError(_("cannot read the filter %(filter)s", filter=repr(raw)))
        op = m["op"].lower().strip()
        if op[:1] in ("s", "i") and not op.startswith("is ") and op[1:] in ("contains", "=", "!=", "<", "<=", ">",
                                                                             ">=", *_OPS):
            op = op[1:]
        op = _OPS.get(op, op)
        value = m["value"]
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'`":
            value = value[1:-1]
        elif not value and not op.startswith("is "):
            raise QueryError(_("the filter %(filter)s has no value", filter=repr(raw)))
        parts.append((m["col"].strip(), op, value))
    return parts


def apply_filter(frame: pd.DataFrame, query: str | None) -> pd.DataFrame:
    types = column_types(frame)
    mask = np.ones(len(frame), dtype=bool)
    for col, op, value in parse_filter(query):
        if col not in frame.columns:
            raise QueryError(_("no column %(column)s", column=repr(col)))
        series = frame[col]
        kind = types.get(col, "string")
        if op == "is blank":
            mask &= series.isna().to_numpy() | series.astype(str).eq("").to_numpy()
            continue
        if op == "is not blank":
            mask &= ~(series.isna().to_numpy() | series.astype(str).eq("").to_numpy())
            continue
        if op == "contains":
            mask &= _text_match(series, value, contains=True)
            continue
        if op == "datestartswith" or (kind == "date" and op == "="):
            mask &= series.dt.strftime("%Y-%m-%d").fillna("").str.startswith(value).to_numpy() if kind == "date" \
                else series.astype(str).str.startswith(value).to_numpy()
            continue
        if kind in ("integer", "number"):
            try:
                number = float(value.replace(",", "."))
            except ValueError as exc:
                raise QueryError(_("%(column)s: %(value)s is not a number", column=col, value=repr(value))) from exc
            values = series.astype("float64").to_numpy()
            mask &= _compare(values, op, number)
        elif kind == "date":
            try:
                when = pd.Timestamp(value)
            except (ValueError, TypeError) as exc:
                raise QueryError(_("%(column)s: %(value)s is not a date", column=col, value=repr(value))) from exc
            mask &= _compare(series.to_numpy(), op, np.datetime64(when))
        else:
            if op == "=":
                mask &= _text_match(series, value, contains=False)
            elif op == "!=":
                mask &= ~_text_match(series, value, contains=False)
            else:
                mask &= _compare(series.astype(str).to_numpy(), op, value)
    return frame[mask]


def _text_match(series: pd.Series, value: str, *, contains: bool) -> np.ndarray:
    needle = value.lower()
    if isinstance(series.dtype, pd.CategoricalDtype):
        cats = series.cat.categories.astype(str)
        lowered = cats.str.lower()
        hits = cats[lowered.str.contains(needle, regex=False)] if contains else cats[lowered == needle]
        return series.isin(hits).to_numpy()
    text = series.astype(str).str.lower()
    return (text.str.contains(needle, regex=False) if contains else text.eq(needle)).to_numpy()


def _compare(values, op: str, other) -> np.ndarray:
    with np.errstate(invalid="ignore"):
        if op == "=":
            out = values == other
        elif op == "!=":
            out = values != other
        elif op == "<":
            out = values < other
        elif op == "<=":
            out = values <= other
        elif op == ">":
            out = values > other
        elif op == ">=":
            out = values >= other
        else:
            raise QueryError(_("unknown operator %(operator)s", operator=op))
    return np.asarray(out, dtype=bool)


def sort(frame: pd.DataFrame, sort_by: list[dict] | None) -> pd.DataFrame:
    if not sort_by:
        return frame
    cols, ascending = [], []
    for item in sort_by[:3]:
        if isinstance(item, dict) and item.get("column_id") in frame.columns:
            cols.append(item["column_id"])
            ascending.append(item.get("direction") != "desc")
    if not cols:
        return frame
    keyed = frame.copy()
    for col in cols:
        if isinstance(keyed[col].dtype, pd.CategoricalDtype):
            keyed[col] = keyed[col].astype(str)
    return frame.loc[keyed.sort_values(cols, ascending=ascending, kind="stable").index]


def page(frame: pd.DataFrame, number: int, size: int) -> tuple[list[dict], int]:
    """One page of rows as JSON-ready records, and the number of pages."""
    size = max(1, min(int(size or 20), 200))
    pages = max(1, -(-len(frame) // size))
    number = min(max(0, int(number or 0)), pages - 1)
    chunk = frame.iloc[number * size:(number + 1) * size]
    return records(chunk), pages


def records(chunk: pd.DataFrame) -> list[dict]:
    out = {}
    for col in chunk.columns:
        series = chunk[col]
        if pd.api.types.is_datetime64_any_dtype(series.dtype):
            text = series.dt.strftime("%Y-%m-%d")
            out[col] = text.where(series.notna(), None).tolist()
        elif pd.api.types.is_numeric_dtype(series.dtype):
            out[col] = [None if pd.isna(v) else (int(v) if float(v).is_integer() else float(v))
                        for v in series.tolist()]
        else:
            out[col] = series.astype(str).tolist()
    return [dict(zip(out, row, strict=True)) for row in zip(*out.values(), strict=True)] if out else []


@dataclass
class ChartRequest:
    kind: str = "bar"
    x: str | None = None
    y: str | None = None
    agg: str = "sum"
    colour: str | None = None
    bucket: str | None = None  # for date x: day | week | month | quarter | year (None: chosen by the range)

    @classmethod
    def from_dict(cls, data: dict | None) -> ChartRequest:
        data = data or {}
        return cls(kind=data.get("type") or data.get("kind") or "bar", x=data.get("x"), y=data.get("y"),
                   agg=data.get("agg") or "sum", colour=data.get("colour") or None, bucket=data.get("bucket"))


@dataclass
class ChartData:
    """An aggregate small enough for the browser, with a note when it had to be cut."""

    frame: pd.DataFrame  # columns: x, y, [colour]
    request: ChartRequest
    x_type: str
    y_label: str
    note: str | None = None
    rows: int = 0


def chart_data(frame: pd.DataFrame, request: ChartRequest) -> ChartData:
    types = column_types(frame)
    if request.kind not in CHART_TYPES:
        raise QueryError(_("chart type must be one of %(choices)s", choices=", ".join(CHART_TYPES)))
    if request.x not in frame.columns:
        raise QueryError(_("choose a column for the x axis"))
    if request.agg not in AGGREGATIONS:
        raise QueryError(_("aggregation must be one of %(choices)s", choices=", ".join(AGGREGATIONS)))
    if request.agg != "count" and (request.y not in frame.columns or types.get(request.y) not in ("integer", "number")):
        raise QueryError(_("choose a numeric column for the y axis, or count rows"))
    if request.colour and request.colour not in frame.columns:
        raise QueryError(_("no column %(column)s", column=repr(request.colour)))
    x_type = types.get(request.x, "string")
    colour = request.colour if request.colour and request.colour != request.x else None
    work = pd.DataFrame({"x": frame[request.x]})
    if request.agg != "count" or request.y in frame.columns:
        work["y"] = frame[request.y].astype("float64") if request.y in frame.columns and \
            types.get(request.y) in ("integer", "number") else 1.0
    else:
        work["y"] = 1.0
    note = None
    if colour:
        work["colour"] = frame[colour].astype(str)
        top = work.groupby("colour", observed=True)["y"].size().sort_values(ascending=False)
        if len(top) > MAX_SERIES:
            keep = set(top.index[: MAX_SERIES - 1])
            other = _(OTHER)  # the series label people read, in their language
            work["colour"] = work["colour"].where(work["colour"].isin(keep), other)
            note = _("%(count)s smaller series are shown together as %(other)s",
                     count=number(len(top) - MAX_SERIES + 1), other=other)
    y_label = f"{request.agg}({request.y})" if request.agg != "count" else "count"
    if request.kind == "scatter" and request.agg != "count" and x_type in ("integer", "number", "date") \
            and request.bucket is None:
        work = work.dropna(subset=["x", "y"])
        rows = len(work)
        if rows > MAX_POINTS:
            work = work.sample(MAX_POINTS, random_state=0).sort_values("x")
            note = _("a random sample of %(sample)s of %(total)s points", sample=number(MAX_POINTS), total=number(rows))
        return ChartData(work.reset_index(drop=True), request, x_type, str(request.y), note, rows)
    if request.kind == "box":
        rows = len(work)
        if rows > MAX_POINTS:
            work = work.sample(MAX_POINTS, random_state=0)
            note = _("computed in the browser from a random sample of %(sample)s of %(total)s rows",
                     sample=number(MAX_POINTS), total=number(rows))
        return ChartData(work.reset_index(drop=True), request, x_type, str(request.y), note, rows)
    if x_type == "date":
        bucket = request.bucket if request.bucket in BUCKETS else _bucket_for(work["x"])
        work["x"] = work["x"].dt.to_period({"day": "D", "week": "W", "month": "M", "quarter": "Q",
                                            "year": "Y"}[bucket]).dt.start_time
        request.bucket = bucket
    keys = ["x", "colour"] if colour else ["x"]
    grouped = work.groupby(keys, observed=True, dropna=True)["y"]
    agg = "size" if request.agg == "count" else request.agg
    out = getattr(grouped, agg)().reset_index(name="y").dropna(subset=["y"])
    if x_type not in ("date", "integer", "number"):
        totals = out.groupby("x", observed=True)["y"].sum().sort_values(ascending=False)
        if len(totals) > MAX_GROUPS:
            keep = set(totals.index[:MAX_GROUPS])
            out = out[out["x"].isin(keep)]
            note = _("the %(count)s largest of %(total)s values of %(column)s", count=number(MAX_GROUPS),
                     total=number(len(totals)), column=request.x)
        order = {v: i for i, v in enumerate(totals.index)}
        out = out.assign(_o=out["x"].map(order)).sort_values("_o").drop(columns="_o")
        out["x"] = out["x"].astype(str)
    else:
        out = out.sort_values("x")
        if out["x"].nunique() > MAX_GROUPS * 10:
            raise QueryError(_("%(column)s has too many values to plot one by one: choose a bar chart with a "
                               "coarser column, or a date column", column=request.x))
    return ChartData(out.reset_index(drop=True), request, x_type, y_label, note, len(frame))


def _bucket_for(dates: pd.Series) -> str:
    dates = dates.dropna()
    if dates.empty:
        return "day"
    span = (dates.max() - dates.min()).days
    if span <= 120:
        return "day"
    if span <= 3 * 365:
        return "week"
    if span <= 25 * 365:
        return "month"
    return "year"


def points(frame: pd.DataFrame, lat: str, lon: str, label: str | None = None) -> tuple[pd.DataFrame, int]:
    """Coordinates to draw (a random sample beyond MAX_POINTS) and how many rows have coordinates."""
    work = pd.DataFrame({"lat": pd.to_numeric(frame[lat], errors="coerce"),
                         "lon": pd.to_numeric(frame[lon], errors="coerce")})
    work["label"] = frame[label].astype(str) if label and label in frame.columns else ""
    work = work.dropna(subset=["lat", "lon"])
    total = len(work)
    if total > MAX_POINTS:
        work = work.sample(MAX_POINTS, random_state=0)
    return work.reset_index(drop=True), total


def per_district(frame: pd.DataFrame, spec: dict, districts: dict[str, str], y: str | None,
                 agg: str) -> pd.DataFrame:
    """An aggregate per district of the city (joined by code or by name, as the catalogue says)."""
    col = spec["column"]
    work = frame
    for key, value in (spec.get("where") or {}).items():
        if key in work.columns:
            work = work[work[key].astype(str) == str(value)]
    keys = work[col].astype(str).str.strip()
    if spec.get("by") == "name":
        by_name = {v.lower(): k for k, v in districts.items()}
        codes = keys.str.lower().map(by_name)
    else:
        by_number = {int(k): k for k in districts if k.isdigit()}
        codes = keys.map(lambda k: k if k in districts else by_number.get(int(k)) if k.isdigit() else None)
    values = work[y].astype("float64") if y and y in work.columns and agg != "count" else pd.Series(1.0,
                                                                                                 index=work.index)
    grouped = pd.DataFrame({"district_code": codes, "y": values}).dropna(subset=["district_code"])
    fn = "size" if agg == "count" else agg
    out = getattr(grouped.groupby("district_code")["y"], fn)().reset_index(name="value")
    return out
