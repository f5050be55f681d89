"""Adapter for Köln's NKF budget files (Teilergebnisplan): one long table of budget lines."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

NKF_REVENUE = {f"{n:02d}" for n in (1, 2, 3, 4, 5, 6, 7, 8, 9, 19, 23)}
NKF_EXPENDITURE = {f"{n:02d}" for n in (11, 12, 13, 14, 15, 16, 20, 24, 27)}
_LINE = re.compile(r"^\s*(\d{2})\s*([-=])\s*(.*)$")
_YEAR = re.compile(r"^(Ergebnis|Ist|Plan)\s+(\d{4})$")


def read_teilergebnisplan(path: Path | str) -> pd.DataFrame:
    """The operating statement per Produktbereich and Teilplan, subtotal lines dropped.

    Columns follow portal.models.BudgetLine; one row per (Teilplan, NKF line, year).
    """
    raw = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    line_col = next(c for c in raw.columns if c.startswith("Teilplanzeile") or c.startswith("Teilpanzeile"))
    parsed = raw[line_col].str.extract(_LINE)
    parsed.columns = ["econ_code", "kind", "econ_name"]
    raw = pd.concat([raw, parsed], axis=1)
    raw = raw[raw["kind"] == "-"]  # "NN = ..." are subtotals
    year_cols = [c for c in raw.columns if _YEAR.match(c)]
    long = raw.melt(
        id_vars=["Produktbereich", "Produktbereichsbezeichnung", "Teilplan", "Teilplanbezeichnung",
                 "econ_code", "econ_name"],
        value_vars=year_cols, var_name="column", value_name="amount",
    )
    year_parts = long["column"].str.extract(_YEAR)
    long["fiscal_year"] = year_parts[1].astype(int)
    long["phase"] = year_parts[0].map({"Plan": "approved", "Ergebnis": "executed", "Ist": "executed"})
    long["direction"] = long["econ_code"].map(
        lambda c: "revenue" if c in NKF_REVENUE else ("expenditure" if c in NKF_EXPENDITURE else None)
    )
    long = long[long["direction"].notna()]
    long["amount"] = pd.to_numeric(long["amount"].str.replace(".", "", regex=False), errors="raise")
    long = long[long["amount"] != 0]
    out = pd.DataFrame({
        "fiscal_year": long["fiscal_year"],
        "phase": long["phase"],
        "statement": "operating",
        "direction": long["direction"],
        "fn1_code": long["Produktbereich"],
        "fn1_name": long["Produktbereichsbezeichnung"],
        "fn2_code": long["Teilplan"],
        "fn2_name": long["Teilplanbezeichnung"],
        "econ_code": long["econ_code"],
        "econ_name": long["econ_name"].str.strip(),
        "amount": long["amount"],
        "currency": "EUR",
        "source": Path(path).name + ":" + long["column"],
    })
    return out.reset_index(drop=True)
