"""Reading CSV files as cities publish them: any common encoding, separator and number format.

Used by the budget importers and the open-data uploads. Everything is read as text first (codes
with leading zeros stay codes); numbers are parsed per column, with the decimal separator decided
from the whole column (`-22.000,00`, `1,234.50`, `1.234-`, `(1 234,5)`, `12 345 €` all work).
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from portal.budget.report import ImportReport, spreadsheet_rows
from portal.i18n import gettext

SEPARATORS = [",", ";", "\t", "|"]
ENCODINGS = ["utf-8", "cp1252", "latin-1"]
MAX_AMOUNT = 10**13  # in currency units: beyond this cents no longer fit exactly in a float


@dataclass
class CsvText:
    """A decoded CSV file with the separator found in it."""

    text: str
    encoding: str
    separator: str


def decode(data: bytes, encoding: str = "auto") -> tuple[str, str]:
    """Bytes -> (text, encoding): UTF-8 (with or without BOM) first, then Windows-1252, then Latin-1."""
    if encoding and encoding != "auto":
        return data.decode(encoding), encoding
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8"), "utf-8-sig"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16"), "utf-16"
    for candidate in ENCODINGS:
        try:
            return data.decode(candidate), candidate
        except UnicodeDecodeError:
            continue
    raise AssertionError("latin-1 decodes any bytes")  # pragma: no cover


def sniff_separator(text: str, preferred: str = "auto") -> str:
    """The separator that splits the first lines into the same, largest number of fields."""
    if preferred and preferred != "auto":
        return "\t" if preferred in ("tab", "\\t") else preferred
    sample = text[:64_000]
    lines = sample.splitlines()[:50]
    if len(sample) == 64_000 and len(lines) > 1:
        lines = lines[:-1]  # the last line may be cut
    best, best_score = ",", (-1, -1)
    for sep in SEPARATORS:
        try:
            counts = [len(row) for row in csv.reader(lines, delimiter=sep) if row]
        except csv.Error:
            continue
        if not counts:
            continue
        fields = counts[0]
        consistent = sum(1 for c in counts if c == fields)
        score = (1 if fields > 1 else 0, consistent * 1000 + fields)
        if score > best_score:
            best, best_score = sep, score
    return best


def read_csv_text(data: bytes, report: ImportReport, *, name: str, encoding: str = "auto",
                  separator: str = "auto", skip_rows: int = 0) -> pd.DataFrame | None:
    """Parse a CSV file into a frame of strings; None (with errors in the report) when it cannot be read."""
    if not data or not data.strip():
        report.error(gettext("the file is empty"), file=name)
        return None
    try:
        text, used = decode(data, encoding)
    except (UnicodeDecodeError, LookupError) as exc:
        report.error(gettext("cannot be read as %(encoding)s: %(error)s", encoding=encoding, error=exc), file=name)
        return None
    if "\x00" in text[:10_000]:
        report.error(gettext("this is not a text (CSV) file"), file=name)
        return None
    sep = sniff_separator(text, separator)
    report.info(gettext("read as %(encoding)s, separator %(separator)s", encoding=used, separator=_sep_name(sep)),
                file=name)
    head_lines = text[:200_000].splitlines()
    header_line = head_lines[skip_rows] if len(head_lines) > skip_rows else ""
    header = next(csv.reader([header_line], delimiter=sep), [])
    header = [h.strip() for h in header]
    if not any(header):
        report.error(gettext("the file has no header row"), file=name)
        return None
    duplicates = sorted({h for h in header if h and header.count(h) > 1})
    if duplicates:
        report.error(gettext("the header names a column more than once: %(columns)s", columns=", ".join(duplicates)),
                     file=name)
        return None
    try:
        frame = pd.read_csv(io.StringIO(text), sep=sep, dtype=str, keep_default_na=False, na_filter=False,
                            skiprows=skip_rows, skipinitialspace=False, engine="c")
    except (pd.errors.ParserError, csv.Error, ValueError) as exc:
        bad = _ragged_rows(text, sep, skip_rows, len(header))
        if bad:
            rows, counts = zip(*bad, strict=True)
            report.error(gettext("rows have a different number of fields than the header (%(count)s)",
                                 count=len(header)), file=name, rows=rows,
                         values=[gettext("%(count)s fields", count=c) for c in counts], count=len(bad))
        else:
            report.error(gettext("cannot be parsed as CSV: %(error)s", error=exc), file=name)
        return None
    frame.columns = [str(c).strip() for c in frame.columns]
    short = frame.iloc[:, -1].isna()  # a short row lacks its last fields
    if short.any():
        positions = np.flatnonzero(short.to_numpy())
        report.error(gettext("rows have fewer fields than the header (%(count)s)", count=len(header)), file=name,
                     rows=spreadsheet_rows(positions[:5], skip_rows), count=len(positions))
        return None
    unnamed = [c for c in frame.columns if c.startswith("Unnamed: ")]
    if unnamed:
        frame = frame.rename(columns={c: f"column_{int(c.split(': ')[1]) + 1}" for c in unnamed})
    frame.attrs.update(separator=sep, encoding=used)
    return frame


def _sep_name(sep: str) -> str:
    return {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}.get(sep, repr(sep))


def _ragged_rows(text: str, sep: str, skip_rows: int, width: int) -> list[tuple[int, int]]:
    bad = []
    reader = csv.reader(io.StringIO(text), delimiter=sep)
    for number, row in enumerate(reader, start=1):
        if number <= skip_rows + 1 or not row:
            continue
        if len(row) != width:
            bad.append((number, len(row)))
    return bad


def on_uniques(series: pd.Series, func, *, categorical: bool = False) -> pd.Series:
    """Apply a string transformation to each distinct value once (budget columns repeat a lot).

    With `categorical`, the result stays a categorical column (cheap to compare and to group).
    """
    if isinstance(series.dtype, pd.CategoricalDtype):
        codes = series.cat.codes.to_numpy()
        uniques = series.cat.categories.astype(object)
    else:
        codes, uniques = pd.factorize(series, use_na_sentinel=True)
    mapped = func(pd.Series(uniques, dtype=object)).to_numpy(dtype=object) if len(uniques) else np.array([],
                                                                                                         dtype=object)
    mapped = np.append(mapped, "")  # code -1 (missing) -> ""
    if categorical:
        new_codes, new_uniques = pd.factorize(pd.Series(mapped, dtype=object))
        return pd.Series(pd.Categorical.from_codes(new_codes[codes], categories=pd.Index(new_uniques, dtype=object)),
                         index=series.index)
    return pd.Series(mapped[codes], index=series.index, dtype=object)


# Numbers ---------------------------------------------------------------------------------------

_CLEAN = re.compile(r"[\s\u00a0\u202f'’€$£¥]|EUR|GBP|USD|CHF", re.IGNORECASE)


@dataclass
class ParsedNumbers:
    values: pd.Series  # float64, NaN where empty or invalid
    invalid: pd.Series  # bool: a non-empty value that is not a number
    decimal: str
    empty: pd.Series | None = None  # bool: no value at all


def parse_numbers(raw: pd.Series, decimal: str = "auto", separator: str = ",") -> ParsedNumbers:
    """Parse a text column of amounts; the decimal mark is decided for the whole column.

    Handles `-22.000,00` (German, Spanish), `1,234.50`, `1 234,5`, trailing minus `1.234-` (SAP exports),
    parentheses `(1,234)` and unicode minus. A column with only ambiguous values such as `22.000`
    follows the file's convention: `;`-separated files use the decimal comma, others the point.
    """
    s = raw.astype(str).str.strip()
    empty = s.eq("") | s.str.lower().isin(["-", "–", "n/a", "na", "nan", "null", "none"])
    if decimal in ("auto", ".") and separator != ";":
        # fast path: plain numbers ("1234", "-12.5") need no locale handling
        direct = pd.to_numeric(s.where(~empty), errors="coerce")
        if direct.notna().sum() == int((~empty).sum()) and np.isfinite(direct.dropna()).all() \
                and not s.str.contains(",", regex=False).any():
            too_big = direct.abs() >= MAX_AMOUNT
            return ParsedNumbers(values=direct.where(~too_big).astype("float64"), invalid=too_big.fillna(False),
                                 decimal=".", empty=empty)
    s = s.str.replace(_CLEAN, "", regex=True).str.replace("\u2212", "-", regex=False)
    negative = s.str.startswith("-") | s.str.endswith("-") | (s.str.startswith("(") & s.str.endswith(")"))
    s = s.str.strip("-+()")
    if decimal in ("auto", "", None):
        decimal = _decide_decimal(s[~empty], separator)
    thousands = "." if decimal == "," else ","
    grouped = re.compile(rf"^\d{{1,3}}(?:{re.escape(thousands)}\d{{3}})+(?:{re.escape(decimal)}\d+)?$")
    plain = re.compile(rf"^\d*(?:{re.escape(decimal)}\d+)?$|^\d+{re.escape(decimal)}$")
    valid = s.str.match(grouped) | (s.str.match(plain) & s.ne(""))
    normal = s.str.replace(thousands, "", regex=False)
    if decimal != ".":
        normal = normal.str.replace(decimal, ".", regex=False)
    values = pd.to_numeric(normal.where(valid & ~empty), errors="coerce").astype("float64")
    values = values.where(~negative, -values)
    invalid = ~empty & (~valid | values.isna())
    too_big = values.abs() >= MAX_AMOUNT
    invalid = invalid | too_big.fillna(False)
    values = values.where(~invalid)
    return ParsedNumbers(values=values, invalid=invalid, decimal=decimal, empty=empty)


def _decide_decimal(s: pd.Series, separator: str) -> str:
    both = s[s.str.contains(".", regex=False) & s.str.contains(",", regex=False)]
    comma_last = both.str.rfind(",") > both.str.rfind(".")
    votes_comma = int(comma_last.sum())
    votes_point = int((~comma_last).sum())
    only_comma = s[s.str.contains(",", regex=False) & ~s.str.contains(".", regex=False)]
    only_point = s[s.str.contains(".", regex=False) & ~s.str.contains(",", regex=False)]
    # one separator followed by other than 3 digits can only be a decimal mark; two or more: thousands
    votes_comma += int(only_comma.str.match(r"^\d*,(\d{1,2}|\d{4,})$").sum())
    votes_point += int(only_comma.str.count(",").gt(1).sum())
    votes_point += int(only_point.str.match(r"^\d*\.(\d{1,2}|\d{4,})$").sum())
    votes_comma += int(only_point.str.count(r"\.").gt(1).sum())
    if votes_comma > votes_point:
        return ","
    if votes_point > votes_comma:
        return "."
    return "," if separator == ";" else "."


def to_cents(values: pd.Series) -> pd.Series:
    """Amounts in currency units -> int64 cents (exact for every amount with at most two decimals)."""
    return pd.Series(np.rint(values.to_numpy(dtype="float64") * 100).astype("int64"), index=values.index)
