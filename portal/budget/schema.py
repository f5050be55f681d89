"""The portal's budget-line format: the fields of a line, and the checks every importer's output passes.

This is the documented import format (README, "Budget files") and the shape every adapter produces:
one row per line item, year and phase, close to the Fiscal Data Package. Amounts are carried as
int64 cents (`amount_cents`) so that sums are exact.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from portal.budget.report import ImportReport, spreadsheet_rows
from portal.i18n import gettext
from portal.models import Direction, Phase, Statement
from portal.tabular import on_uniques

LEVELS = 4  # functional classification levels fn1..fn4 (ragged: deeper levels may be empty)
FN_CODES = [f"fn{i}_code" for i in range(1, LEVELS + 1)]
FN_NAMES = [f"fn{i}_name" for i in range(1, LEVELS + 1)]
TEXT_FIELDS = [
    *[c for pair in zip(FN_CODES, FN_NAMES, strict=True) for c in pair],
    "econ_code", "econ_name", "admin_code", "admin_name", "district_code", "district_name",
]
# optional: the participatory-budgeting project a line pays for (the project's number in the portal), so that a
# city's file that contains a funded project replaces the portal's own line for it instead of adding to it
PB_PROJECT = "pb_project"
FIELDS = ["fiscal_year", "phase", "statement", "direction", *TEXT_FIELDS, "amount", "currency", PB_PROJECT]
LINE_COLUMNS = ["fiscal_year", "phase", "statement", "direction", *TEXT_FIELDS, "amount_cents", "currency",
                "source", PB_PROJECT]
PARTICIPATORY = "participatory"  # the source of the lines the portal writes for funded projects
PHASES = [p.value for p in Phase]
STATEMENTS = [s.value for s in Statement]
DIRECTIONS = [d.value for d in Direction]
_CURRENCY = re.compile(r"^[A-Z]{3}$")


def empty_lines() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype="int64" if c in ("fiscal_year", "amount_cents") else "object")
                         for c in LINE_COLUMNS})


def check_lines(frame: pd.DataFrame, report: ImportReport, *, name: str, districts: dict[str, str],
                rows: pd.Series | None = None, subtotals: str = "error", skip_rows: int = 0) -> pd.DataFrame:
    """Validate typed lines (the output of an importer) in place of the database's constraints.

    `rows` holds each line's spreadsheet row for the report. Lines whose functional path is the
    prefix of another line's path in the same year, phase, statement and direction look like
    subtotals: an error, or dropped when `subtotals == "drop"`.
    """
    if rows is None:
        rows = pd.Series(spreadsheet_rows(range(len(frame)), skip_rows), index=frame.index)
    if PB_PROJECT not in frame.columns:
        frame[PB_PROJECT] = ""

    def flag(mask: pd.Series, column: str, message: str, values: pd.Series | None = None) -> None:
        if mask.any():
            vals = (values if values is not None else frame[column])[mask].astype(str).head(50)
            report.error(message, file=name, column=column, rows=rows[mask].head(5), values=vals,
                         count=int(mask.sum()))

    flag(~frame["phase"].isin(PHASES), "phase", gettext("phase must be one of %(choices)s", choices=", ".join(PHASES)))
    flag(~frame["statement"].isin(STATEMENTS), "statement",
         gettext("statement must be one of %(choices)s", choices=", ".join(STATEMENTS)))
    flag(~frame["direction"].isin(DIRECTIONS), "direction", gettext("direction must be revenue or expenditure"))
    flag(~on_uniques(frame["currency"], lambda v: v.str.match(_CURRENCY)).astype(bool), "currency",
         gettext("currency must be a three-letter ISO 4217 code such as EUR"))
    flag(frame["fn1_code"].eq(""), "fn1_code",
         gettext("every line needs a functional classification (fn1_code)"))
    for i in range(1, LEVELS):
        gap = frame[FN_CODES[i - 1]].eq("") & frame[FN_CODES[i]].ne("")
        flag(gap, FN_CODES[i], gettext("a level-%(level)s code without a level-%(parent)s code (a gap in "
                                       "the hierarchy)", level=i + 1, parent=i))
    for col in FN_CODES:
        flag(on_uniques(frame[col], lambda v: v.str.contains("/", regex=False)).astype(bool), col,
             gettext("codes may not contain '/'"))
    flag(on_uniques(frame[PB_PROJECT], lambda v: ~v.astype(str).str.fullmatch(r"[0-9]{0,12}")).astype(bool),
         PB_PROJECT, gettext("pb_project is the number of a participatory-budgeting project (digits only)"))
    if districts:
        known = _match_districts(frame["district_code"], districts)
        unknown = frame["district_code"].ne("").to_numpy() & known.isna().to_numpy()
        flag(pd.Series(unknown, index=frame.index), "district_code",
             gettext("unknown district (the city's districts are %(districts)s)",
                     districts=", ".join(sorted(districts, key=_natural))))
        codes = np.where(known.isna(), frame["district_code"].astype(object), known.astype(object))
        frame["district_code"] = pd.Categorical(codes)
        names = pd.Series(codes, index=frame.index).map(districts)
        frame["district_name"] = pd.Categorical(np.where(names.isna(), frame["district_name"].astype(object),
                                                         names.astype(object)))
    else:
        flag(frame["district_code"].ne(""), "district_code", gettext("this city has no districts in its profile"))
    for code_col, name_col in [*zip(FN_CODES, FN_NAMES, strict=True), ("econ_code", "econ_name"),
                               ("admin_code", "admin_name")]:
        missing = (frame[name_col].eq("") & frame[code_col].ne("")).to_numpy()
        if missing.any():
            frame[name_col] = pd.Categorical(np.where(missing, frame[code_col].astype(object),
                                                      frame[name_col].astype(object)))
        _warn_inconsistent_names(frame, code_col, name_col, report, name)
    if subtotals in ("error", "drop") and len(frame):
        prefix = _prefix_rows(frame)
        if prefix.any():
            if subtotals == "drop":
                report.info(gettext("lines whose classification has deeper lines below it were dropped as subtotals"),
                            file=name, rows=rows[prefix].head(5), count=int(prefix.sum()))
                frame = frame[~prefix]
            else:
                flag(prefix, "fn1_code", gettext("these lines have deeper lines below them: subtotals? (drop them, "
                                          "give them a deeper code, or set \"subtotals\": \"drop\" in the mapping)"),
                     values=frame[FN_CODES].apply(lambda r: "/".join(v for v in r if v), axis=1))
    return frame


def _natural(code: str):
    return (0, int(code), "") if code.isdigit() else (1, 0, code)


def _match_districts(codes: pd.Series, districts: dict[str, str]) -> pd.Series:
    """District codes joined on their number: '01' and '1' are the same district (None: unknown or empty)."""
    by_number = {int(k): k for k in districts if k.isdigit()}
    lowered = {k.lower(): k for k in districts}

    def match(code: str):
        if not code:
            return None
        if code in districts:
            return code
        if code.isdigit() and int(code) in by_number:
            return by_number[int(code)]
        return lowered.get(code.lower())

    return on_uniques(codes, lambda v: v.map(match)).replace({"": None})


def _warn_inconsistent_names(frame, code_col, name_col, report, name) -> None:
    """The same code with two names in one statement (economic codes differ between statements)."""
    names = frame.groupby(["statement", code_col], observed=True, sort=False)[name_col].nunique()
    codes = [str(code) for (_, code), n in names.items() if n > 1 and code != ""]
    if codes:
        report.warning(gettext("%(count)s codes have more than one name; the explorer shows one of them",
                               count=len(codes)),
                       file=name, column=name_col, values=codes[:5])


def _prefix_rows(frame: pd.DataFrame) -> pd.Series:
    """Rows whose functional path is a strict prefix of another row's path in the same slice."""
    key = ["fiscal_year", "phase", "statement", "direction"]
    depth = frame[FN_CODES].ne("").sum(axis=1).to_numpy()
    prefix = np.zeros(len(frame), dtype=bool)
    for d in range(1, LEVELS):
        at = depth == d
        if not at.any() or not (depth > d).any():
            continue
        ids = frame.groupby([*key, *FN_CODES[:d]], sort=False, observed=True).ngroup().to_numpy()
        prefix |= at & np.isin(ids, ids[depth > d])
    return pd.Series(prefix, index=frame.index)


def totals_preview(frame: pd.DataFrame) -> list[dict]:
    """Totals per year, phase, statement and direction: what an officer confirms before an import."""
    if frame.empty:
        return []
    grouped = frame.groupby(["fiscal_year", "phase", "statement", "direction"], sort=True,
                            observed=True)["amount_cents"]
    out = grouped.agg(["sum", "size"]).reset_index()
    rows = [
        {"fiscal_year": int(r.fiscal_year), "phase": str(r.phase), "statement": str(r.statement),
         "direction": str(r.direction), "amount": int(r.sum) / 100, "lines": int(r.size)}
        for r in out.itertuples(index=False)
    ]
    return sorted(rows, key=lambda r: (r["fiscal_year"], r["phase"], r["statement"], r["direction"]))
