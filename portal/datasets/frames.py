"""Rows of a dataset as a typed pandas frame, loaded once per process and version.

Column types are inferred from the text (numbers in any common format, ISO or German dates) unless
the catalogue says otherwise; a value with a leading zero ("001") keeps its column a text column,
since it is a code and not a number.
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.budget.report import ImportReport, spreadsheet_rows
from portal.city import DATA
from portal.datasets.catalogue import DatasetInfo
from portal.i18n import gettext
from portal.models import DatasetFile
from portal.tabular import parse_numbers, read_csv_text

TYPES = ("integer", "number", "date", "string")


def _lost_values(kind: str) -> str:
    """What the import report says when values of a column do not fit its type, in the reader's language."""
    if kind == "integer":
        return gettext("values that are not a whole number are left empty")
    if kind == "date":
        return gettext("values that are not a date are left empty")
    return gettext("values that are not a number are left empty")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}([ T]\d{2}:\d{2}(:\d{2})?)?$")
_DE_DATE = re.compile(r"^\d{1,2}\.\d{1,2}\.\d{4}$")
_LEADING_ZERO = re.compile(r"^[-+]?0\d")
_CACHE: OrderedDict = OrderedDict()
_LOCK = threading.Lock()
CACHE_SIZE = 24


def infer_type(values: pd.Series, separator: str = ",") -> str:
    """integer | number | date | string, from the non-empty text values of a column."""
    s = values.astype(str).str.strip()
    s = s[s.ne("")]
    if s.empty:
        return "string"
    sample = s if len(s) <= 2_000 else pd.concat([s.head(1_000), s.sample(1_000, random_state=0)])
    if sample.str.match(_ISO_DATE).all() or sample.str.match(_DE_DATE).all():
        return "date"
    if sample.str.match(_LEADING_ZERO).any():
        return "string"
    parsed = parse_numbers(sample, "auto", separator)
    if parsed.invalid.any():
        return "string"
    vals = parsed.values.dropna()
    if len(vals) and (vals % 1 == 0).all() and not sample.str.contains(parsed.decimal, regex=False).any():
        return "integer"
    return "number"


def convert(frame: pd.DataFrame, types: dict[str, str], separator: str = ",") -> pd.DataFrame:
    out = {}
    for col in frame.columns:
        kind = types.get(col, "string")
        raw = frame[col]
        if kind in ("integer", "number"):
            values = parse_numbers(raw, "auto", separator).values
            out[col] = values.round().astype("Int64") if kind == "integer" else values
        elif kind == "date":
            text = raw.astype(str).str.strip()
            if text.str.match(_DE_DATE).any():
                out[col] = pd.to_datetime(text, format="%d.%m.%Y", errors="coerce")
            else:
                out[col] = pd.to_datetime(text.replace("", None), errors="coerce", format="mixed")
        else:
            out[col] = raw.astype(str).astype("category")
    return pd.DataFrame(out, index=frame.index)


def read_typed(data: bytes, name: str, report: ImportReport, *, overrides: dict[str, dict] | None = None,
               na_values: list[str] | None = None, rename: dict[str, str] | None = None) -> pd.DataFrame | None:
    """A CSV file -> typed frame (None with errors in the report)."""
    frame = read_csv_text(data, report, name=name)
    if frame is None:
        return None
    sep = frame.attrs.get("separator", ",")
    if rename:
        frame = frame.rename(columns=rename)
    if na_values:
        frame = frame.replace(dict.fromkeys(na_values, ""))
    types = {}
    for col in frame.columns:
        declared = (overrides or {}).get(col, {}).get("type")
        types[col] = declared if declared in TYPES else infer_type(frame[col], sep)
    typed = convert(frame, types, sep)
    for col, kind in types.items():
        if kind == "string":
            continue
        lost = typed[col].isna().to_numpy() & frame[col].astype(str).str.strip().ne("").to_numpy()
        if lost.any():
            positions = lost.nonzero()[0]
            report.warning(_lost_values(kind),
                           file=name, column=col,
                           rows=spreadsheet_rows(positions[:5]), values=frame[col].iloc[positions[:20]],
                           count=int(lost.sum()))
    typed.attrs["types"] = types
    return typed


def load(session: Session | None, info: DatasetInfo) -> pd.DataFrame:
    """The dataset's rows (cached per process by slug, version and checksum)."""
    key = info.cache_key
    with _LOCK:
        if key in _CACHE:
            _CACHE.move_to_end(key)
            return _CACHE[key]
    if info.origin == "shipped":
        data = (DATA / info.file).read_bytes()
    else:
        data = session.scalar(select(DatasetFile.content).where(DatasetFile.id == info.file_id))
        if data is None:
            raise LookupError(f"the file of dataset {info.slug} is missing")
    report = ImportReport()
    read = info.meta.get("read", {})
    frame = read_typed(bytes(data), info.slug, report, overrides=info.columns, na_values=read.get("na_values"),
                       rename=info.meta.get("rename"))
    if frame is None:
        raise ValueError(f"dataset {info.slug} cannot be read: {report.text()}")
    with _LOCK:
        _CACHE[key] = frame
        while len(_CACHE) > CACHE_SIZE:
            _CACHE.popitem(last=False)
    return frame


def column_types(frame: pd.DataFrame) -> dict[str, str]:
    types = frame.attrs.get("types")
    if types:
        return dict(types)
    out = {}
    for col in frame.columns:
        dtype = frame[col].dtype
        if pd.api.types.is_datetime64_any_dtype(dtype):
            out[col] = "date"
        elif pd.api.types.is_integer_dtype(dtype):
            out[col] = "integer"
        elif pd.api.types.is_numeric_dtype(dtype):
            out[col] = "number"
        else:
            out[col] = "string"
    return out


def numeric_columns(frame: pd.DataFrame) -> list[str]:
    return [c for c, t in column_types(frame).items() if t in ("integer", "number")]


def is_number(dtype) -> bool:
    return bool(pd.api.types.is_numeric_dtype(dtype)) and not pd.api.types.is_bool_dtype(dtype)

