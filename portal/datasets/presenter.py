"""What the open-data pages show: catalogue entries, a dataset's table page, chart and map (no components)."""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from urllib.parse import urlencode

import pandas as pd
from sqlalchemy.orm import Session

from portal.charts import datasets as dataset_charts
from portal.charts import empty
from portal.charts import maps as map_charts
from portal.city import DATA, CityProfile
from portal.datasets import catalogue, frames, query
from portal.datasets.catalogue import DatasetInfo
from portal.geo import boundaries

_PROFILE: dict = {}


@dataclass
class Entry:
    info: DatasetInfo
    columns: list[str]
    rows: int


def entries(session: Session, city: CityProfile) -> list[Entry]:
    """The catalogue, with columns and row counts (shipped files are counted, not parsed)."""
    out = []
    for info in catalogue.catalogue(session, city):
        if info.origin == "uploaded":
            out.append(Entry(info, list(info.columns), info.row_count or 0))
            continue
        if info.cache_key not in _PROFILE:
            data = (DATA / info.file).read_bytes()
            text = data.decode("utf-8-sig", errors="replace")
            first = text.split("\n", 1)[0]
            header = next(csv.reader([first], delimiter=";" if first.count(";") > first.count(",") else ","))
            rename = info.meta.get("rename", {})
            header = [rename.get(f"column_{i + 1}", h) if not h.strip() else h for i, h in enumerate(header)]
            _PROFILE[info.cache_key] = (header, sum(1 for line in text.splitlines()[1:] if line.strip()))
        columns, rows = _PROFILE[info.cache_key]
        out.append(Entry(info, columns, rows))
    return out


@dataclass
class ChartState:
    """The chart builder's state; it lives in the dataset page's address."""

    kind: str = "bar"
    x: str | None = None
    y: str | None = None
    agg: str = "sum"
    colour: str | None = None
    bucket: str | None = None
    filter: str = ""

    def query(self) -> str:
        params = {"type": self.kind, "x": self.x, "y": self.y, "agg": self.agg, "colour": self.colour,
                  "bucket": self.bucket, "filter": self.filter or None}
        return urlencode({k: v for k, v in params.items() if v})

    def as_dict(self) -> dict:
        return {"type": self.kind, "x": self.x, "y": self.y, "agg": self.agg, "colour": self.colour,
                "bucket": self.bucket, "filter": self.filter}


COUNT = "__count__"


def chart_state(info: DatasetInfo, frame: pd.DataFrame, params: dict | None) -> ChartState:
    """A valid chart state from untrusted parameters.

    With no parameters at all (a first visit) the catalogue's default chart is shown. Once the page
    has a state (the address has parameters, or a control changed), an absent colour, time step or
    filter means none, so that a visitor can clear them.
    """
    raw = params or {}
    params = {k: v for k, v in raw.items() if isinstance(v, str) and v}
    first_visit = not any(isinstance(v, str) and v for v in raw.values())
    default = info.meta.get("chart", {})
    types = frames.column_types(frame)
    numeric = [c for c, t in types.items() if t in ("integer", "number")]
    columns = list(frame.columns)

    def pick(key: str, allowed, fallback=None):
        value = params.get(key, default.get(key) if first_visit or key in ("type", "x", "y", "agg") else None)
        return value if value in allowed else fallback

    kind = pick("type", query.CHART_TYPES, "bar")
    agg = pick("agg", query.AGGREGATIONS, "sum")
    x = pick("x", columns) or (info.time or {}).get("column") or columns[0]
    x = x if x in columns else columns[0]
    y = params.get("y", default.get("y"))
    if agg == "count" or y == COUNT:
        y, agg = (y if y in columns else None), "count"
    elif y not in numeric:
        y = next((c for c in numeric if c != x), None)
        if y is None:
            agg = "count"
    colour = pick("colour", columns)
    bucket = pick("bucket", query.BUCKETS)
    filt = params.get("filter", default.get("filter", "") if first_visit else "")
    try:
        query.parse_filter(filt)
    except query.QueryError:
        filt = ""
    return ChartState(kind=kind, x=x, y=y, agg=agg, colour=colour, bucket=bucket, filter=filt[:2000])


@dataclass
class ChartResult:
    figure: dict
    note: str | None
    rows: int
    error: str | None = None
    map_figure: dict | None = None
    map_note: str | None = None
    extra: dict = field(default_factory=dict)


def chart(city: CityProfile, info: DatasetInfo, frame: pd.DataFrame, state: ChartState, *, language: str,
          text: dict) -> ChartResult:
    try:
        rows = query.apply_filter(frame, state.filter)
    except query.QueryError as exc:
        return ChartResult(empty(str(exc), language), None, 0, error=str(exc))
    request = query.ChartRequest(kind=state.kind, x=state.x, y=state.y, agg=state.agg, colour=state.colour,
                                 bucket=state.bucket)
    try:
        data = query.chart_data(rows, request)
    except query.QueryError as exc:
        return ChartResult(empty(str(exc), language), None, len(rows), error=str(exc))
    figure = dataset_charts.dataset_chart(data, language=language, empty_text=text.get("no_rows", "No rows"),
                                          range_labels={"1y": text.get("1y", "1y"), "5y": text.get("5y", "5y"),
                                                        "all": text.get("all", "all")})
    result = ChartResult(figure, data.note, len(rows))
    result.extra["frame"] = data.frame  # the data behind the chart (its CSV export and API)
    result.map_figure, result.map_note = map_for(city, info, rows, state, language=language, text=text,
                                                 out=result.extra)
    return result


def map_for(city: CityProfile, info: DatasetInfo, rows: pd.DataFrame, state: ChartState, *, language: str,
            text: dict, out: dict | None = None) -> tuple[dict | None, str | None]:
    """Points where the dataset has coordinates, else its aggregate per district, on the city's map (its data
    goes into `out["map_frame"]` when given)."""
    out = {} if out is None else out
    if not city.districts:
        return None, None
    coords = info.coordinates
    colour = city.colours.get("primary", "#1f3a60")
    if coords and coords.get("lat") in rows.columns and coords.get("lon") in rows.columns:
        label = next((c for c in ("name", "standort", "station", "station_name") if c in rows.columns), None)
        pts, total = query.points(rows, coords["lat"], coords["lon"], label)
        out["map_frame"] = pts
        note = text.get("points_note", "{shown} of {total} rows with coordinates").format(shown=f"{len(pts):,}",
                                                                                       total=f"{total:,}")
        figure = map_charts.choropleth(boundaries(city), {}, colour=colour, language=language, points=pts,
                                       no_data="", height=480)
        return figure, note
    spec = info.district
    if spec and spec.get("column") in rows.columns:
        agg = state.agg if state.y else "count"
        table = query.per_district(rows, spec, city.districts, state.y, agg)
        out["map_frame"] = table
        values = dict(zip(table["district_code"], table["value"].astype(float), strict=True))
        label = f"{agg}({state.y})" if state.y and agg != "count" else text.get("rows", "rows")
        figure = map_charts.choropleth(boundaries(city), values, colour=colour, language=language,
                                       value_format=",.2f", unit=label, no_data=text.get("no_rows", "No rows"),
                                       height=480)
        return figure, text.get("district_note", "{what} per district").format(what=label)
    return None, None


def table_page(frame: pd.DataFrame, filter_query: str | None, page: int, size: int,
               sort_by: list | None) -> tuple[list[dict], int, int, str | None]:
    """(rows of one page, number of pages, number of matching rows, error message)."""
    try:
        rows = query.apply_filter(frame, filter_query)
    except query.QueryError as exc:
        return [], 1, 0, str(exc)
    rows = query.sort(rows, sort_by)
    data, pages = query.page(rows, page, size)
    return data, pages, len(rows), None


def table_columns(frame: pd.DataFrame) -> list[dict]:
    kinds = {"integer": "numeric", "number": "numeric", "date": "datetime", "string": "text"}
    return [{"name": str(c), "id": str(c), "type": kinds.get(t, "text")} for c, t in frames.column_types(frame).items()]


def chart_labels() -> dict:
    """Labels of the dataset figures, translated at render time."""
    from portal.i18n import _

    return {"no_rows": _("No rows"), "1y": _("1 year"), "5y": _("5 years"), "all": _("all"), "rows": _("rows"),
            "points_note": _("{shown} of {total} rows with coordinates"),
            "district_note": _("{what} per district")}


def csv_href(slug: str, filter_query: str | None) -> str:
    return f"/data/{slug}.csv" + ("?" + urlencode({"filter": filter_query}) if filter_query else "")

