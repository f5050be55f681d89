"""What the budget explorer shows: a view (year, phase, statement, direction, path, measure, district, and
whether to show the participatory budget only) and the aggregates behind it.

The lines of a city are loaded once per process into a compact pandas frame (categorical codes, int64
cents) keyed by the city's latest import; every request checks that key with one small query, so
several processes (or hosts) stay consistent with the database, and a new import is picked up at once.
Aggregation is a filter plus a group-by on the slice of one year, phase, statement and direction;
results are memoised per view, so a repeated view costs a dictionary lookup.
"""

from __future__ import annotations

import gc
import hashlib
import io
import logging
import os
import pickle
import re
import threading
from collections import OrderedDict
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import NamedTuple
from urllib.parse import urlencode

import numpy as np
import pandas as pd
from flask import current_app, has_app_context
from sqlalchemy import text
from sqlalchemy.orm import Session

from portal.budget.schema import DIRECTIONS, FN_CODES, FN_NAMES, LEVELS, PARTICIPATORY, PB_PROJECT, PHASES, STATEMENTS

MEASURES = ("total", "per_resident")
UNCLASSIFIED = "_"  # child id of the lines that end at a node whose other lines go deeper
OTHER = "~other"  # the smallest children summed, beyond MAX_CHILDREN
MAX_CHILDREN = 60
MAX_GRANDCHILDREN = 15
_CODE = re.compile(r"^[^/\x00-\x1f]{1,40}$")
MEMO_SIZE = 512
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class View:
    """The state of the budget page; it lives in the URL's query string."""

    year: int | None = None
    phase: str = "approved"
    statement: str = "operating"
    direction: str = "expenditure"
    path: tuple[str, ...] = ()
    measure: str = "total"
    district: str | None = None
    participatory: bool = False  # only the money of participatory-budgeting projects

    def query(self) -> str:
        params = {"year": self.year, "phase": self.phase, "statement": self.statement,
                  "direction": self.direction, "path": "/".join(self.path) or None,
                  "measure": self.measure if self.measure != "total" else None, "district": self.district,
                  "pb": "1" if self.participatory else None}
        return urlencode({k: v for k, v in params.items() if v is not None})

    def as_dict(self) -> dict:
        return {"year": self.year, "phase": self.phase, "statement": self.statement, "direction": self.direction,
                "path": list(self.path), "measure": self.measure, "district": self.district,
                "participatory": self.participatory}

    @classmethod
    def from_dict(cls, data: dict | None) -> View:
        data = data or {}
        return parse_view({**data, "path": "/".join(data.get("path") or [])})


def parse_view(query: dict | None, *, available: list[tuple[int, str]] | None = None,
               districts: dict[str, str] | None = None, preferred: list[tuple[int, str]] | None = None) -> View:
    """A view from untrusted input (URL query, callback state): anything unknown falls back to a default.

    Without a year, the view opens on the newest year of `preferred` (the years with the city's own lines,
    not only the portal's participatory lines of a year whose budget is not imported yet).
    """
    query = query or {}
    flag = query.get("pb", query.get("participatory"))
    flag = flag[0] if isinstance(flag, list) and flag else flag
    participatory = flag is True or (isinstance(flag, str) and flag.lower() in ("1", "true", "yes"))

    def pick(key: str, allowed, default):
        value = query.get(key)
        value = value[0] if isinstance(value, list) and value else value
        return value if isinstance(value, str) and value in allowed else default

    year = query.get("year")
    try:
        year = int(year[0] if isinstance(year, list) else year) if year not in (None, "") else None
    except (TypeError, ValueError):
        year = None
    phase = pick("phase", PHASES, None)
    if available:
        years = sorted({y for y, _ in available}, reverse=True)
        if year not in years:
            pool = preferred if preferred and not participatory else available
            approved = [y for y, p in pool if p == (phase or "approved")]
            year = max(approved) if approved else max(y for y, _ in pool)
        phases = [p for y, p in available if y == year]
        if phase not in phases:
            phase = "approved" if "approved" in phases else phases[0]
    raw_path = query.get("path") or ""
    raw_path = raw_path[0] if isinstance(raw_path, list) else raw_path
    path = tuple(p for p in str(raw_path).split("/") if p)[:LEVELS]
    if any(not _CODE.match(p) for p in path):
        path = ()
    district = query.get("district")
    district = district[0] if isinstance(district, list) and district else district
    if not isinstance(district, str) or (districts is not None and district not in districts):
        district = None
    return View(year=year, phase=phase or "approved", statement=pick("statement", STATEMENTS, "operating"),
                direction=pick("direction", DIRECTIONS, "expenditure"), path=path,
                measure=pick("measure", MEASURES, "total"), district=district, participatory=participatory)


# The cached frame ---------------------------------------------------------------------------------

@dataclass
class BudgetData:
    """All lines of one city, compact; `slices` index them by (year, phase, statement, direction).

    `codes[col]` holds each line's category number in `categories[col]`, so filters and group-bys run on
    integer arrays with numpy instead of strings. `pb` marks the lines that pay for a participatory-budgeting
    project (the portal's own lines for funded projects, and the city's lines that name a project);
    `own_available` the (year, phase) pairs with lines of the city's own files.
    """

    key: tuple
    frame: pd.DataFrame
    names: list[dict[str, str]]  # per level: code -> name (fn1..fn4, then econ)
    slices: dict[tuple[int, str, str, str], np.ndarray]
    available: list[tuple[int, str]]
    codes: dict[str, np.ndarray] = field(default_factory=dict)
    categories: dict[str, np.ndarray] = field(default_factory=dict)
    index: dict[str, dict[str, int]] = field(default_factory=dict)
    cents: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype="int64"))
    pb: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool))
    own: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool))  # lines of the city's own files
    own_slices: set = field(default_factory=set)
    own_available: list[tuple[int, str]] = field(default_factory=list)
    memo: OrderedDict = field(default_factory=OrderedDict)
    tables: OrderedDict = field(default_factory=OrderedDict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def remember(self, key, compute):
        with self.lock:
            if key in self.memo:
                self.memo.move_to_end(key)
                return self.memo[key]
        value = compute()
        with self.lock:
            self.memo[key] = value
            if len(self.memo) > MEMO_SIZE:
                self.memo.popitem(last=False)
        return value


_CACHE: dict[tuple[str, str], BudgetData] = {}
_CACHE_LOCK = threading.Lock()
CODE_COLUMNS = [*FN_CODES, "econ_code", "district_code"]
LOAD_COLUMNS = ["id", "fiscal_year", "phase", "statement", "direction", *FN_CODES, *FN_NAMES, "econ_code",
                "econ_name", "admin_code", "admin_name", "district_code", "district_name", "currency", "source",
                PB_PROJECT]
CACHE_FORMAT = 2  # of the frame kept under instance/cache: bumped when LOAD_COLUMNS change


_KEY_SQL = text("SELECT id, sha256, created_at FROM budget_imports WHERE city = :city ORDER BY id DESC LIMIT 1")


def data_key(session: Session, city: str) -> tuple:
    """Identifies the city's current lines: the latest import (plain SQL: this runs on every request)."""
    row = session.execute(_KEY_SQL, {"city": city}).first()
    return (row[0], row[1], str(row[2])) if row else (0,)


def budget_data(session: Session, city: str) -> BudgetData:
    """The city's lines, reloaded when an import changed them (in this or any other process)."""
    url = str(session.get_bind().url)
    key = data_key(session, city)
    cached = _CACHE.get((url, city))
    if cached is not None and cached.key == key:
        return cached
    path = _disk_path(url, city, key)
    data = _read_disk(path, key) if path else None
    if data is None:
        data = load(session, city, key)
        if path and len(data.frame) >= DISK_CACHE_MIN_LINES:
            _write_disk(path, data)
    with _CACHE_LOCK:
        _CACHE[(url, city)] = data
    return data


DISK_CACHE_MIN_LINES = 50_000  # below this, reading the database is as fast as reading the cache file


def _disk_path(url: str, city: str, key: tuple) -> Path | None:
    """A file under instance/cache named after the import: processes on one host share the first load."""
    if not has_app_context() or key == (0,):
        return None
    digest = hashlib.sha256(repr((url, city, key, CACHE_FORMAT)).encode()).hexdigest()[:32]
    return Path(current_app.instance_path) / "cache" / f"budget-{city}-{digest}.pkl"


def _read_disk(path: Path, key: tuple) -> BudgetData | None:
    try:
        with path.open("rb") as fh:
            stored = pickle.load(fh)  # noqa: S301 - our own file under instance/, named after the import
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ValueError):
        return None
    if stored.get("key") != key or any(c not in stored["frame"].columns for c in LOAD_COLUMNS):
        return None
    return build(stored["frame"], key)


def _write_disk(path: Path, data: BudgetData) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        prefix = path.name[: -len("0" * 32 + ".pkl")]
        for old in path.parent.glob(prefix + "*.pkl"):
            if re.fullmatch(r"[0-9a-f]{32}\.pkl", old.name[len(prefix):]):
                old.unlink(missing_ok=True)  # the cache of an earlier import of the same city
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        with tmp.open("wb") as fh:
            pickle.dump({"key": data.key, "frame": data.frame}, fh, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, path)
    except OSError:
        log.warning("could not write the budget cache %s", path, exc_info=True)


def invalidate(city: str | None = None) -> None:
    with _CACHE_LOCK:
        for k in [k for k in _CACHE if city is None or k[1] == city]:
            _CACHE.pop(k, None)


def load(session: Session, city: str, key: tuple = (0,)) -> BudgetData:
    """Read every line of the city straight from the driver (COPY on PostgreSQL), without ORM objects."""
    columns = ", ".join(LOAD_COLUMNS)
    sql = (f"SELECT {columns}, CAST(ROUND(amount * 100) AS BIGINT) AS cents FROM budget_lines "  # noqa: S608
           "WHERE city = {city} ORDER BY id")
    connection = session.connection()
    raw = connection.connection.driver_connection
    if connection.dialect.name == "postgresql":
        from psycopg import sql as pgsql

        buffer = io.BytesIO()
        statement = pgsql.SQL("COPY (" + sql.format(city="{}") + ") TO STDOUT WITH (FORMAT csv, HEADER true)")
        with raw.cursor() as cursor, cursor.copy(statement.format(pgsql.Literal(city))) as copy:
            for chunk in copy:
                buffer.write(chunk)
        buffer.seek(0)
        frame = pd.read_csv(buffer, dtype=str, keep_default_na=False, na_filter=False)
        frame["id"] = pd.to_numeric(frame["id"])
        frame["fiscal_year"] = pd.to_numeric(frame["fiscal_year"])
        frame["cents"] = pd.to_numeric(frame["cents"])
    else:
        names = [*LOAD_COLUMNS, "cents"]
        frame = {}
        gc_was_on = gc.isenabled()
        gc.disable()  # millions of row tuples: the cyclic collector would rescan them again and again
        try:
            cursor = raw.cursor()
            try:
                cursor.execute(sql.format(city="?"), (city,))
                rows = cursor.fetchall()
            finally:
                cursor.close()
            columns = list(zip(*rows, strict=True)) if rows else [() for _ in names]
            del rows
            for name in names:
                values = columns.pop(0)
                if name in ("id", "fiscal_year", "cents"):
                    frame[name] = np.asarray(values, dtype="int64")
                else:
                    frame[name] = _categorical(np.asarray(values, dtype=object))
                del values
        finally:
            if gc_was_on:
                gc.enable()
        frame = pd.DataFrame(frame)
    return build(frame, key)


def build(frame: pd.DataFrame, key: tuple = (0,)) -> BudgetData:
    """Compact a frame of lines (LOAD_COLUMNS + cents) and index its slices."""
    frame = frame.copy()
    if PB_PROJECT not in frame.columns:
        frame[PB_PROJECT] = ""
    frame["fiscal_year"] = frame["fiscal_year"].astype("int32")
    frame["cents"] = frame["cents"].astype("int64")
    for col in LOAD_COLUMNS[2:]:
        if not isinstance(frame[col].dtype, pd.CategoricalDtype):
            frame[col] = _categorical(frame[col].to_numpy(dtype=object))
    names = []
    for code_col, name_col in [*zip(FN_CODES, FN_NAMES, strict=True), ("econ_code", "econ_name")]:
        pairs = frame[[code_col, name_col]].drop_duplicates(code_col)
        names.append(dict(zip(pairs[code_col].astype(str), pairs[name_col].astype(str), strict=True)))
    slices: dict = {}
    if len(frame):
        groups = frame.groupby(["fiscal_year", "phase", "statement", "direction"], observed=True, sort=False).indices
        slices = {(int(y), str(p), str(s), str(d)): idx for (y, p, s, d), idx in groups.items()}
    available = sorted({(y, p) for y, p, _, _ in slices}, key=lambda t: (-t[0], t[1]))
    pb_cats = frame[PB_PROJECT].cat.categories.astype(str)
    pb = np.isin(frame[PB_PROJECT].cat.codes.to_numpy(), np.flatnonzero(pb_cats != "")) if len(frame) else \
        np.zeros(0, dtype=bool)
    source_cats = frame["source"].cat.categories.astype(str)
    own = ~np.isin(frame["source"].cat.codes.to_numpy(), np.flatnonzero(source_cats == PARTICIPATORY))
    own_slices = {k for k, idx in slices.items() if own[idx].any()}
    own_available = sorted({(y, p) for y, p, _, _ in own_slices}, key=lambda t: (-t[0], t[1]))
    data = BudgetData(key=key, frame=frame, names=names, slices=slices, available=available,
                      cents=frame["cents"].to_numpy(), pb=pb, own=own, own_slices=own_slices,
                      own_available=own_available)
    for col in CODE_COLUMNS:
        cats = frame[col].cat.categories.astype(str).to_numpy()
        data.codes[col] = frame[col].cat.codes.to_numpy().astype("int32")
        data.categories[col] = cats
        data.index[col] = {c: i for i, c in enumerate(cats)}
    return data


def _categorical(values: np.ndarray) -> pd.Categorical:
    """Text (with None for NULL) -> categorical of strings, "" for NULL, in one factorisation."""
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    cats = [str(getattr(u, "value", u)) for u in uniques]
    if (codes < 0).any():
        if "" in cats:
            codes = np.where(codes < 0, cats.index(""), codes)
        else:
            codes = np.where(codes < 0, len(cats), codes)
            cats.append("")
    if len(set(cats)) != len(cats):  # e.g. an enum member and its string value
        return pd.Categorical(np.asarray(cats, dtype=object)[codes])
    return pd.Categorical.from_codes(codes, categories=pd.Index(cats, dtype=object))


# Aggregates ------------------------------------------------------------------------------------------

def positions(data: BudgetData, view: View, *, district: bool = True, year: int | None = None,
              phase: str | None = None) -> np.ndarray:
    """Row positions of the lines in a view (its slice, under its path, in its district)."""
    idx = data.slices.get((year or view.year, phase or view.phase, view.statement, view.direction))
    if idx is None:
        return np.zeros(0, dtype="int64")
    for col, code in zip(FN_CODES, view.path, strict=False):
        idx = idx[data.codes[col][idx] == data.index[col].get(code, -2)]
    if district and view.district:
        idx = idx[data.codes["district_code"][idx] == data.index["district_code"].get(view.district, -2)]
    if view.participatory:
        idx = idx[data.pb[idx]]
    return idx


def divider(data: BudgetData, idx: np.ndarray, level: int) -> str:
    """The column that divides lines at this depth: the next functional level, or the economic line."""
    if level < LEVELS:
        col = FN_CODES[level]
        empty = data.index[col].get("", -1)
        if (data.codes[col][idx] != empty).any():
            return col
    return "econ_code"


def node_name(data: BudgetData, level: int, code: str) -> str:
    if code in (UNCLASSIFIED, OTHER):
        return code  # the charts put a translated label on these
    return data.names[level].get(code, code) if level < len(data.names) else code


class Node(NamedTuple):
    id: str  # "child" or "child/grandchild"
    parent: str  # "" for children
    code: str
    label: str
    cents: int
    depth: int  # 1 = child of the current node, 2 = grandchild
    clickable: bool  # a functional node one can drill into
    participatory: int = 0  # of `cents`, the money of participatory-budgeting projects


@dataclass
class Drilldown:
    """The current node, its children and grandchildren (in cents; negative amounts kept)."""

    view: View
    total: int
    nodes: list[Node]
    crumbs: list[tuple[str, tuple[str, ...]]]  # (label, path) from the root down to the current node
    level_kind: str  # "functional" | "economic"
    lines: int
    participatory: int = 0  # of `total`, the money of participatory-budgeting projects


def drilldown(data: BudgetData, view: View) -> Drilldown:
    return data.remember(("drill", view), lambda: _drilldown(data, view))


def _sums(data: BudgetData, idx: np.ndarray, col: str) -> tuple[np.ndarray, np.ndarray]:
    """(category numbers, sums in cents) of the lines at idx grouped by col, largest first."""
    codes = data.codes[col][idx]
    n = len(data.categories[col])
    sums = np.rint(np.bincount(codes, weights=data.cents[idx], minlength=n)).astype("int64")
    present = np.bincount(codes, minlength=n) > 0
    which = np.flatnonzero(present)
    order = np.argsort(-sums[which], kind="stable")
    return which[order], sums[which][order]


def _pb_sums(data: BudgetData, idx: np.ndarray, col: str) -> np.ndarray:
    """Participatory cents per category number of col (indexable by the numbers `_sums` returns)."""
    codes = data.codes[col][idx]
    weights = np.where(data.pb[idx], data.cents[idx], 0)
    return np.rint(np.bincount(codes, weights=weights, minlength=len(data.categories[col]))).astype("int64")


def _with_other(kids: list[tuple[str, int]], pb_of: dict[str, int], pb_total: int) -> dict[str, int]:
    """Participatory cents per shown node, the capped rest ('other') getting what the shown ones lack."""
    out = {code: pb_of.get(code, 0) for code, _ in kids if code != OTHER}
    if any(code == OTHER for code, _ in kids):
        out[OTHER] = pb_total - sum(out.values())
    return out


def _code(data: BudgetData, col: str, number: int) -> str:
    code = str(data.categories[col][number])
    return UNCLASSIFIED if code == "" else code


def _drilldown(data: BudgetData, view: View) -> Drilldown:
    idx = positions(data, view)
    level = len(view.path)
    crumbs = [("", ())]
    for i, code in enumerate(view.path):
        crumbs.append((node_name(data, i, code), view.path[: i + 1]))
    records: list[Node] = []
    child_col = divider(data, idx, level) if len(idx) else "econ_code"
    pb_total = int(data.cents[idx][data.pb[idx]].sum()) if len(idx) else 0
    if len(idx):
        numbers, sums = _sums(data, idx, child_col)
        kids = _cap([(_code(data, child_col, n), int(v)) for n, v in zip(numbers, sums, strict=True)], MAX_CHILDREN)
        pb_sums = _pb_sums(data, idx, child_col) if pb_total else None
        pb_of = ({_code(data, child_col, int(n)): int(pb_sums[n]) for n in numbers} if pb_sums is not None else {})
        pb_kids = _with_other(kids, pb_of, pb_total)
        kid_level = FN_CODES.index(child_col) if child_col in FN_CODES else LEVELS
        for code, cents in kids:
            clickable = child_col != "econ_code" and code not in (OTHER, UNCLASSIFIED)
            records.append(Node(code, "", code, node_name(data, kid_level, code), cents, 1, clickable,
                                pb_kids.get(code, 0)))
        if child_col != "econ_code":
            records.extend(_grandchildren(data, idx, level, child_col, {code for code, _ in kids}))
    return Drilldown(view=view, total=int(data.cents[idx].sum()), nodes=records, crumbs=crumbs,
                     level_kind="economic" if child_col == "econ_code" else "functional", lines=len(idx),
                     participatory=pb_total)


def _grandchildren(data: BudgetData, idx: np.ndarray, level: int, child_col: str, shown: set[str]) -> list[Node]:
    """The children of every child in one pass: by the next functional level where a child has one,
    else by economic line (ragged hierarchies mix both)."""
    child = data.codes[child_col][idx]
    n_child = len(data.categories[child_col])
    grand_fn = FN_CODES[level + 1] if level + 1 < LEVELS else None
    econ = data.codes["econ_code"][idx]
    n_econ = len(data.categories["econ_code"])
    if grand_fn is not None:
        fn = data.codes[grand_fn][idx]
        n_fn = len(data.categories[grand_fn])
        empty = data.index[grand_fn].get("", -1)
        deeper = np.bincount(child, weights=(fn != empty), minlength=n_child) > 0  # per child: any deeper line
        use_fn = deeper[child]
        grand = np.where(use_fn, fn, n_fn + econ)
    else:
        n_fn, grand = 0, econ
    width = n_fn + n_econ
    key = child.astype("int64") * width + grand
    uniques, inverse = np.unique(key, return_inverse=True)
    sums = np.rint(np.bincount(inverse, weights=data.cents[idx])).astype("int64")
    pb_mask = data.pb[idx]
    pb_sums = (np.rint(np.bincount(inverse, weights=np.where(pb_mask, data.cents[idx], 0))).astype("int64")
               if pb_mask.any() else np.zeros(len(uniques), dtype="int64"))
    parents, grands = np.divmod(uniques, width)
    out: list[Node] = []
    order = np.lexsort((-sums, parents))
    by_parent: dict[int, list[tuple[str, int]]] = {}
    pb_by_parent: dict[int, dict[str, int]] = {}
    for i in order:
        code = _code(data, child_col, int(parents[i]))
        if code not in shown or code == UNCLASSIFIED:
            continue
        g = int(grands[i])
        g_code = _code(data, grand_fn, g) if g < n_fn else _code(data, "econ_code", g - n_fn)
        g_key = g_code if g < n_fn else "\x00" + g_code
        by_parent.setdefault(int(parents[i]), []).append((g_key, int(sums[i])))
        pb_by_parent.setdefault(int(parents[i]), {})[g_key] = int(pb_sums[i])
    for parent, items in by_parent.items():
        code = _code(data, child_col, parent)
        capped = _cap(items, MAX_GRANDCHILDREN)
        pb_of = _with_other(capped, pb_by_parent[parent], sum(pb_by_parent[parent].values()))
        for g_key, cents in capped:
            is_econ = g_key.startswith("\x00") or g_key == OTHER
            g_code = g_key.lstrip("\x00")
            g_level = LEVELS if is_econ else FN_CODES.index(grand_fn)
            out.append(Node(code + "/" + g_code, code, g_code, node_name(data, g_level, g_code), cents, 2, False,
                            pb_of.get(g_key, 0)))
    return out


def _cap(items: list[tuple[str, int]], limit: int) -> list[tuple[str, int]]:
    """The largest `limit` nodes, and the rest summed into one 'other' node (the treemap stays legible)."""
    if len(items) <= limit:
        return items
    return [*items[: limit - 1], (OTHER, sum(v for _, v in items[limit - 1:]))]


def over_years(data: BudgetData, view: View) -> pd.DataFrame:
    """Totals of the current node for every year and phase (the change-over-time chart)."""

    def compute():
        out = []
        for (year, phase, statement, direction) in data.slices:
            if statement != view.statement or direction != view.direction:
                continue
            if not view.participatory and (year, phase, statement, direction) not in data.own_slices:
                continue  # a year whose own budget is not imported yet: its few participatory lines are no total
            idx = positions(data, view, year=year, phase=phase)
            out.append({"fiscal_year": year, "phase": phase, "cents": int(data.cents[idx].sum())})
        frame = pd.DataFrame(out, columns=["fiscal_year", "phase", "cents"])
        return frame.sort_values(["phase", "fiscal_year"]).reset_index(drop=True)

    return data.remember(("years", replace(view, year=None, phase="")), compute)


def compare_phases(data: BudgetData, view: View) -> pd.DataFrame:
    """The children of the current node in every phase of the selected year (plan vs actual)."""

    def compute():
        level = len(view.path)
        records = []
        for phase in PHASES:
            idx = positions(data, view, phase=phase)
            if not len(idx):
                continue
            col = divider(data, idx, level)
            col_level = FN_CODES.index(col) if col in FN_CODES else LEVELS
            numbers, sums = _sums(data, idx, col)
            for code, cents in _cap([(_code(data, col, n), int(v)) for n, v in zip(numbers, sums, strict=True)],
                                    MAX_CHILDREN):
                records.append((code, node_name(data, col_level, code), cents, phase))
        return pd.DataFrame(records, columns=["code", "label", "cents", "phase"])

    return data.remember(("compare", replace(view, phase="")), compute)


def by_district(data: BudgetData, view: View) -> tuple[pd.DataFrame, int]:
    """The current node per district, and the part of it no district is assigned (city-wide)."""

    def compute():
        idx = positions(data, view, district=False)
        numbers, sums = _sums(data, idx, "district_code") if len(idx) else ([], [])
        rows = [(str(data.categories["district_code"][n]), int(v)) for n, v in zip(numbers, sums, strict=True)]
        city_wide = sum(v for c, v in rows if c == "")
        frame = pd.DataFrame([r for r in rows if r[0] != ""], columns=["district_code", "cents"])
        return frame, city_wide

    return data.remember(("districts", replace(view, district=None, measure="total")), compute)


TABLE_COLUMNS = ["fiscal_year", "phase", "statement", "direction", *FN_CODES, *FN_NAMES, "econ_code", "econ_name",
                 "admin_code", "admin_name", "district_code", "district_name", "currency", "source", PB_PROJECT]


def line_positions(data: BudgetData, view: View, search: str | None = None) -> np.ndarray:
    """Row positions of the lines behind the current view (optionally searched), largest amount first."""
    idx = positions(data, view)
    needle = (search or "").strip().lower()
    if needle and len(idx):
        hit = np.zeros(len(idx), dtype=bool)
        for col in [*FN_CODES, *FN_NAMES, "econ_code", "econ_name", "admin_name", "district_name"]:
            cats = data.frame[col].cat.categories
            matching = np.flatnonzero(cats.str.lower().str.contains(needle, regex=False))
            if len(matching):
                hit |= np.isin(data.frame[col].cat.codes.to_numpy()[idx], matching)
        idx = idx[hit]
    return idx[np.argsort(-data.cents[idx], kind="stable")]


def lines(data: BudgetData, view: View, search: str | None = None) -> pd.DataFrame:
    return data.frame.iloc[line_positions(data, view, search)]


def lines_page(data: BudgetData, view: View, search: str | None, page: int, size: int) -> tuple[list[dict], int]:
    """One page of the lines table (the browser never gets more than a page) and the number of pages."""
    key = (view, (search or "").strip().lower())
    with data.lock:
        found = data.tables.get(key)
    if found is None:
        found = line_positions(data, view, search)
        with data.lock:  # a few recent searches only: a position array can be large
            data.tables[key] = found
            while len(data.tables) > 16:
                data.tables.popitem(last=False)
    pages = max(1, -(-len(found) // size))
    page = min(max(0, page), pages - 1)
    chunk = data.frame.iloc[found[page * size:(page + 1) * size]]
    records = []
    for r in chunk.itertuples(index=False):
        path = " / ".join(getattr(r, n) for n, c in zip(FN_NAMES, FN_CODES, strict=True) if getattr(r, c))
        records.append({"classification": path, "econ": f"{r.econ_code} {r.econ_name}".strip(),
                        "district": r.district_name or "", "amount": r.cents / 100, "source": r.source})
    return records, pages


def lines_export(data: BudgetData, view: View, search: str | None = None) -> pd.DataFrame:
    """The lines behind a view in the portal's own format (amount in currency units)."""
    found = lines(data, view, search)
    out = pd.DataFrame({c: found[c].astype(str) if c != "fiscal_year" else found[c] for c in TABLE_COLUMNS})
    out.insert(out.columns.get_loc("currency"), "amount", [f"{c / 100:.2f}" for c in found["cents"].tolist()])
    return out


def all_lines_export(data: BudgetData, years: list[int] | None = None) -> pd.DataFrame:
    frame = data.frame if not years else data.frame[data.frame["fiscal_year"].isin(years)]
    out = pd.DataFrame({c: frame[c].astype(str) if c != "fiscal_year" else frame[c] for c in TABLE_COLUMNS})
    out["amount"] = [f"{c / 100:.2f}" for c in frame["cents"].tolist()]
    return out
