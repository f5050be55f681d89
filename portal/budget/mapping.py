"""The generic CSV importer: any city's budget file, described by a column mapping (a small JSON file).

Without a mapping a file must be in the portal's own format (columns named like the fields of
`portal.budget.schema.FIELDS`). The mapping format is documented in the README ("Budget files"):

    {
      "encoding": "auto", "separator": "auto", "decimal": "auto", "skip_rows": 0,
      "fields": {
        "fiscal_year": "Jahr",                                  # a column
        "phase": {"value": "approved"},                         # a constant
        "direction": {"column": "Art", "map": {"E": "revenue", "A": "expenditure"}},
        "econ_code": {"column": "Zeile", "pattern": "^(\\\\d{2})"},  # the first group of a regex
        "amount": "Betrag"
      },
      "amount_columns": {"pattern": "^(?P<phase>Plan|Ist) (?P<fiscal_year>\\\\d{4})$",
                         "map": {"phase": {"Plan": "approved", "Ist": "executed"}}},
      "skip": [{"column": "Zeile", "pattern": "^\\\\d{2} ="}],
      "revenue_sign": "negative", "direction_from_sign": false, "subtotals": "error", "drop_zero": true
    }
"""

from __future__ import annotations

import codecs
import json
import re
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from portal.budget.report import ImportReport
from portal.budget.schema import FIELDS, FN_CODES, LINE_COLUMNS, TEXT_FIELDS, check_lines
from portal.i18n import gettext
from portal.tabular import on_uniques, parse_numbers, read_csv_text, sniff_separator, to_cents

REQUIRED = ["fiscal_year", "phase", "direction", "fn1_code", "amount"]
DEFAULTS = {"statement": "operating"}
OPTIONS = {"encoding", "separator", "decimal", "skip_rows", "fields", "amount_columns", "skip", "revenue_sign",
           "direction_from_sign", "subtotals", "drop_zero", "name", "description", "currency"}


class MappingError(ValueError):
    """The mapping itself is malformed (not the data)."""


@dataclass
class FieldSpec:
    column: str | None = None
    value: Any = None
    pattern: re.Pattern | None = None
    map: dict[str, str] | None = None
    default: str | None = None

    @classmethod
    def parse(cls, name: str, spec: Any) -> FieldSpec:
        if isinstance(spec, str):
            return cls(column=spec)
        if isinstance(spec, (int, float)) and not isinstance(spec, bool):
            return cls(value=str(spec))
        if not isinstance(spec, dict):
            raise MappingError(f"field {name!r}: give a column name or an object")
        unknown = set(spec) - {"column", "value", "pattern", "map", "default"}
        if unknown:
            raise MappingError(f"field {name!r}: unknown keys {sorted(unknown)}")
        if ("column" in spec) == ("value" in spec):
            raise MappingError(f"field {name!r}: give exactly one of 'column' or 'value'")
        pattern = None
        if spec.get("pattern"):
            try:
                pattern = re.compile(spec["pattern"])
            except re.error as exc:
                raise MappingError(f"field {name!r}: bad pattern: {exc}") from exc
            if pattern.groups < 1:
                raise MappingError(f"field {name!r}: the pattern needs a group (...) for the value")
        mapping = spec.get("map")
        if mapping is not None and not isinstance(mapping, dict):
            raise MappingError(f"field {name!r}: 'map' must be an object")
        value = spec.get("value")
        return cls(column=spec.get("column"), value=None if value is None else str(value), pattern=pattern,
                   map={str(k): str(v) for k, v in (mapping or {}).items()} or None,
                   default=None if spec.get("default") is None else str(spec["default"]))


@dataclass
class Mapping:
    fields: dict[str, FieldSpec] = field(default_factory=dict)
    encoding: str = "auto"
    separator: str = "auto"
    decimal: str = "auto"
    skip_rows: int = 0
    amount_pattern: re.Pattern | None = None
    amount_maps: dict[str, dict[str, str]] = field(default_factory=dict)
    amount_list: list[dict[str, str]] = field(default_factory=list)
    skip: list[tuple[str, re.Pattern]] = field(default_factory=list)
    revenue_sign: str = "positive"
    direction_from_sign: bool = False
    subtotals: str = "error"
    drop_zero: bool = True
    raw: dict = field(default_factory=dict)

    @classmethod
    def from_json(cls, text: str | bytes | dict | None) -> Mapping:
        if text is None or text == "" or text == b"":
            return cls()
        if isinstance(text, dict):
            raw = text
        else:
            try:
                raw = json.loads(text)
            except (ValueError, UnicodeDecodeError) as exc:
                raise MappingError(f"the mapping is not valid JSON: {exc}") from exc
        if not isinstance(raw, dict):
            raise MappingError("the mapping must be a JSON object")
        unknown = set(raw) - OPTIONS
        if unknown:
            raise MappingError(f"unknown mapping keys: {sorted(unknown)} (known: {sorted(OPTIONS)})")
        fields_raw = raw.get("fields", {})
        if not isinstance(fields_raw, dict):
            raise MappingError("'fields' must be an object")
        bad = set(fields_raw) - set(FIELDS)
        if bad:
            raise MappingError(f"unknown fields {sorted(bad)}; the fields are {FIELDS}")
        out = cls(fields={k: FieldSpec.parse(k, v) for k, v in fields_raw.items()}, raw=raw)
        if "currency" in raw and "currency" not in out.fields:
            out.fields["currency"] = FieldSpec(value=str(raw["currency"]))
        out.encoding = str(raw.get("encoding", "auto"))
        if out.encoding != "auto":
            try:
                codecs.lookup(out.encoding)
            except LookupError as exc:
                raise MappingError(f"unknown 'encoding' {out.encoding!r}") from exc
        out.separator = str(raw.get("separator", "auto"))
        if out.separator in ("tab", "\\t"):
            out.separator = "\t"
        if out.separator != "auto" and (len(out.separator) != 1 or out.separator in "\"\r\n"):
            raise MappingError("'separator' must be one character (for example \";\", \",\" or \"tab\") or \"auto\"")
        out.decimal = str(raw.get("decimal", "auto"))
        if out.decimal not in ("auto", ".", ","):
            raise MappingError("'decimal' must be \".\", \",\" or \"auto\"")
        try:
            out.skip_rows = int(raw.get("skip_rows", 0))
        except (TypeError, ValueError) as exc:
            raise MappingError("'skip_rows' must be a number") from exc
        amount_columns = raw.get("amount_columns")
        if isinstance(amount_columns, dict):
            try:
                out.amount_pattern = re.compile(amount_columns["pattern"])
            except (KeyError, re.error) as exc:
                raise MappingError(f"'amount_columns' needs a valid 'pattern': {exc}") from exc
            maps = amount_columns.get("map") or {}
            if not isinstance(maps, dict) or not all(isinstance(v, dict) for v in maps.values()):
                raise MappingError("the 'map' of 'amount_columns' must map fields to objects of values")
            out.amount_maps = {k: {str(a): str(b) for a, b in v.items()} for k, v in maps.items()}
            groups = set(out.amount_pattern.groupindex)
            if not groups or groups - set(FIELDS):
                raise MappingError("the groups of the 'amount_columns' pattern must be named after fields, "
                                   "e.g. (?P<fiscal_year>\\d{4})")
        elif isinstance(amount_columns, list):
            for item in amount_columns:
                if not isinstance(item, dict) or "column" not in item:
                    raise MappingError("each 'amount_columns' item needs a 'column'")
            out.amount_list = [{k: str(v) for k, v in item.items()} for item in amount_columns]
        elif amount_columns is not None:
            raise MappingError("'amount_columns' must be an object with a pattern or a list")
        skip = raw.get("skip") or []
        if not isinstance(skip, list):
            raise MappingError("'skip' must be a list of {\"column\": ..., \"pattern\": ...}")
        for item in skip:
            try:
                out.skip.append((item["column"], re.compile(item["pattern"])))
            except (KeyError, TypeError, re.error) as exc:
                raise MappingError(f"each 'skip' item needs a 'column' and a valid 'pattern': {exc}") from exc
        out.revenue_sign = str(raw.get("revenue_sign", "positive"))
        if out.revenue_sign not in ("positive", "negative"):
            raise MappingError("'revenue_sign' must be \"positive\" or \"negative\"")
        out.direction_from_sign = bool(raw.get("direction_from_sign", False))
        out.subtotals = str(raw.get("subtotals", "error"))
        if out.subtotals not in ("error", "drop", "keep"):
            raise MappingError("'subtotals' must be \"error\", \"drop\" or \"keep\"")
        out.drop_zero = bool(raw.get("drop_zero", True))
        return out

    @property
    def wide(self) -> bool:
        return self.amount_pattern is not None or bool(self.amount_list)


def read_generic(data: bytes, name: str, mapping: Mapping, report: ImportReport, *, districts: dict[str, str],
                 currency: str) -> pd.DataFrame | None:
    """One CSV file through a mapping -> checked budget lines (None when the report has errors)."""
    frame = read_csv_text(data, report, name=name, encoding=mapping.encoding, separator=mapping.separator,
                          skip_rows=mapping.skip_rows)
    if frame is None:
        return None
    errors_before = len(report.errors)
    rows = pd.Series(np.arange(len(frame)) + 2 + mapping.skip_rows, index=frame.index)
    for column, pattern in mapping.skip:
        if column not in frame.columns:
            report.error(gettext("the mapping skips rows by column %(column)s, which is not in the file "
                                 "(columns: %(columns)s)",
                                 column=repr(column), columns=", ".join(frame.columns)), file=name)
            return None
        drop = on_uniques(frame[column], lambda v, p=pattern: v.str.contains(p)).astype(bool)
        if drop.any():
            report.info(gettext("%(count)s rows skipped (pattern %(pattern)s)", count=int(drop.sum()),
                                pattern=repr(pattern.pattern)), file=name, column=column)
        frame, rows = frame[~drop], rows[~drop]
    specs = dict(mapping.fields)
    for f in FIELDS:  # the portal's own format needs no mapping: same-named columns are taken as they are
        if f not in specs and f in frame.columns:
            specs[f] = FieldSpec(column=f)
    if "currency" not in specs:
        specs["currency"] = FieldSpec(value=currency)
    for f, default in DEFAULTS.items():
        specs.setdefault(f, FieldSpec(value=default))
    # wide files: one amount column per year/phase, turned into one row per column
    if mapping.wide:
        frame, rows, specs = _melt(frame, rows, specs, mapping, report, name)
        if frame is None:
            return None
    columns = ", ".join(str(c) for c in frame.columns if not str(c).startswith("__"))
    missing = [f for f in REQUIRED if f not in specs and not (f == "direction" and mapping.direction_from_sign)]
    if missing:
        report.error(gettext("no column for %(fields)s: name them in the mapping (the file's columns: %(columns)s)",
                             fields=", ".join(missing), columns=columns), file=name)
    absent = sorted({s.column for s in specs.values() if s.column and s.column not in frame.columns})
    if absent:
        report.error(gettext("the mapping names columns that are not in the file: %(absent)s (the file's columns: "
                             "%(columns)s)", absent=", ".join(absent), columns=columns), file=name)
    if missing or absent:
        return None
    out = pd.DataFrame(index=frame.index)
    for f in FIELDS:
        spec = specs.get(f)
        out[f] = _resolve(frame, spec or FieldSpec(value=""), f, report, name, rows)
    # numbers
    years = pd.Series(on_uniques(out["fiscal_year"], lambda v: pd.to_numeric(v.str.strip(), errors="coerce")),
                      index=out.index).astype("float64")
    bad_year = years.isna() | (years % 1 != 0) | ~years.between(1900, 2200)
    if bad_year.any():
        report.error(gettext("the fiscal year must be a whole number such as 2024"), file=name,
                     column=_source(specs["fiscal_year"], "fiscal_year"), rows=rows[bad_year].head(5),
                     values=out.loc[bad_year, "fiscal_year"].head(20), count=int(bad_year.sum()))
    sep = sniff_separator(data[:20000].decode("latin-1"), mapping.separator)
    parsed = parse_numbers(out["amount"], mapping.decimal, sep)
    if parsed.invalid.any():
        report.error(gettext("not a number"), file=name, column=_source(specs["amount"], "amount"),
                     rows=rows[parsed.invalid].head(5), values=out.loc[parsed.invalid, "amount"].head(20),
                     count=int(parsed.invalid.sum()))
    if len(report.errors) > errors_before:
        return None
    lines = out.drop(columns=["amount"])
    lines["fiscal_year"] = years.astype("int64")
    lines["amount_cents"] = to_cents(parsed.values.fillna(0))
    for f in ("phase", "statement", "direction"):
        lines[f] = on_uniques(lines[f], lambda v: v.str.strip().str.lower(), categorical=True)
    lines["currency"] = on_uniques(lines["currency"], lambda v: v.str.strip().str.upper(), categorical=True)
    if mapping.direction_from_sign and "direction" not in mapping.fields:
        negative = lines["amount_cents"] < 0
        lines["direction"] = pd.Categorical(np.where(negative, "revenue", "expenditure"))
        lines["amount_cents"] = lines["amount_cents"].abs()
        report.info(gettext("direction taken from the sign: negative amounts are revenue"), file=name)
    elif mapping.revenue_sign == "negative":
        revenue = lines["direction"].eq("revenue")
        lines.loc[revenue, "amount_cents"] = -lines.loc[revenue, "amount_cents"]
    else:
        revenue = lines["direction"].eq("revenue")
        neg_share = (lines.loc[revenue, "amount_cents"] < 0).mean() if revenue.any() else 0
        if neg_share > 0.5:
            report.warning(gettext("most revenue amounts are negative: if the file stores revenue as negative numbers, "
                                   "set \"revenue_sign\": \"negative\" in the mapping"), file=name)
    keep = ~parsed.empty
    if mapping.drop_zero:
        keep &= lines["amount_cents"].ne(0)
    lines, rows = lines[keep], rows[keep]
    lines["source"] = name + (":" + frame.loc[keep, "__amount_column"] if "__amount_column" in frame else "")
    lines = check_lines(lines, report, name=name, districts=districts, rows=rows,
                        subtotals="none" if mapping.subtotals == "keep" else mapping.subtotals)
    if not report.ok:
        return None
    return lines[LINE_COLUMNS].reset_index(drop=True)


def _source(spec: FieldSpec, field_name: str) -> str:
    return spec.column or field_name


def _resolve(frame: pd.DataFrame, spec: FieldSpec, name: str, report: ImportReport, file: str,
             rows: pd.Series) -> pd.Series:
    if spec.value is not None:
        return pd.Series(pd.Categorical.from_codes(np.zeros(len(frame), dtype="int8"), categories=[spec.value]),
                         index=frame.index)

    def transform(values: pd.Series) -> pd.Series:
        values = values.astype(str).str.strip()
        if spec.pattern is not None:
            extracted = values.str.extract(spec.pattern, expand=True)
            group = "value" if "value" in spec.pattern.groupindex else 0
            values = extracted[group] if group == "value" else extracted.iloc[:, 0]
            values = values.fillna("").astype(str).str.strip()
        if spec.map is not None:
            mapped = values.map(spec.map)
            values = mapped.fillna(values) if spec.default is None else mapped.fillna(spec.default)
        if spec.default is not None:
            values = values.mask(values.eq(""), spec.default)
        return values

    return on_uniques(frame[spec.column], transform, categorical=True)


def _melt(frame, rows, specs, mapping: Mapping, report: ImportReport, name: str):
    """Wide -> long: each amount column becomes rows with the fields its header names (year, phase...)."""
    columns: dict[str, dict[str, str]] = {}
    if mapping.amount_pattern is not None:
        for col in frame.columns:
            m = mapping.amount_pattern.match(str(col))
            if m:
                columns[col] = {k: mapping.amount_maps.get(k, {}).get(v, v) for k, v in m.groupdict().items()}
    for item in mapping.amount_list:
        if item["column"] not in frame.columns:
            report.error(gettext("amount column %(column)s is not in the file", column=repr(item["column"])), file=name)
            return None, None, None
        columns[item["column"]] = {k: v for k, v in item.items() if k != "column"}
    if not columns:
        report.error(gettext("no column matches the amount columns of the mapping (the file's columns: %(columns)s)",
                             columns=", ".join(frame.columns)), file=name)
        return None, None, None
    parts, part_rows = [], []
    for col, fixed in columns.items():
        part = frame.drop(columns=list(columns)).copy()
        part["__amount"] = frame[col]
        part["__amount_column"] = col
        for key, value in fixed.items():
            part["__fixed_" + key] = value
        parts.append(part)
        part_rows.append(rows)
    long = pd.concat(parts, ignore_index=True)
    long_rows = pd.concat(part_rows, ignore_index=True)
    specs = dict(specs)
    specs["amount"] = FieldSpec(column="__amount")
    for key in {k for fixed in columns.values() for k in fixed}:
        if key in FIELDS:
            specs[key] = FieldSpec(column="__fixed_" + key)
    return long, long_rows, specs


__all__ = ["Mapping", "MappingError", "read_generic", "TEXT_FIELDS", "FN_CODES"]
