"""Adapter for Köln's NKF budget files (offenedaten-koeln.de), as the city publishes them.

Files are recognised by their header, in any order:

- `teilergebnisplan.csv` -> the operating statement per Produktbereich (fn1) and Teilplan (fn2), one
  line per NKF line (econ). Revenue: lines 01-09, 19 (Finanzerträge), 23 (außerordentliche Erträge).
  Expenditure: 11-16, 20 (Zinsen), 24 (außerordentliche Aufwendungen). Not imported: the subtotal
  lines `NN = ...`, and line 27 (internal allocations between Teilpläne, which sum to ±3 EUR over the
  city: counting them would count the same euro in the Teilplan that pays and the one that is paid).
- `teilfinanzplan.csv` (header typo `Teilpanzeile`) -> the capital statement. Revenue: investment receipts
  01-05; expenditure: investment payments 07-12. Not imported: the subtotals 06, 13 and 14, and the
  financing lines 15, 16, 18, 19 (taking up, repaying and granting loans): borrowing is not revenue and
  repaying it is not spending on anything, and the spending it finances is already in lines 07-12.
  With these choices the city totals equal the Gesamtfinanzplan lines 23 and 30.
- `bezirke_produktgruppen.csv` -> the district split of the operating lines (revenue stored negative
  there, SAP style; turned positive here).
- `bezirke_einzeldarstellung_2010-2015.csv` (optional) -> the city's per-district statement, the
  reference the district lines are reconciled to.
- `gesamtergebnisplan.csv`, `gesamtfinanzplan.csv` (optional) -> checks of the city totals, nothing stored.
- `ergebnisplan_produktbereiche.csv`, `finanzplan_produktbereiche.csv` -> aggregates of the Teilpläne:
  not imported (they would count every euro twice).

How districts are stored so that no euro is counted twice: a Teilplan line that the district file
breaks down becomes one budget line per Stadtbezirk (district_code 1-9) plus one city-wide line
(no district) holding the rest, the part not assigned to any district. The city total of every
Teilplan line is therefore exactly the Teilergebnisplan figure, and every district's lines are the
district file's figures. Both district files round each figure to the euro on their own, so their sums
differ by up to 3 EUR per district and line; with the per-district statement given, that residue is
moved onto the largest district line of the group (and taken off the same Teilplan's city-wide
line), so district sums match the city's statement exactly while city totals do not move.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from portal.budget.report import ImportReport, spreadsheet_rows
from portal.budget.schema import LINE_COLUMNS, check_lines
from portal.i18n import gettext, number, percent
from portal.tabular import read_csv_text

NAME = "koeln"
OPERATING_REVENUE = {f"{n:02d}" for n in (1, 2, 3, 4, 5, 6, 7, 8, 9, 19, 23)}
OPERATING_EXPENDITURE = {f"{n:02d}" for n in (11, 12, 13, 14, 15, 16, 20, 24)}
OPERATING_INTERNAL = {"27"}
CAPITAL_REVENUE = {f"{n:02d}" for n in (1, 2, 3, 4, 5)}
CAPITAL_EXPENDITURE = {f"{n:02d}" for n in (7, 8, 9, 10, 11, 12)}
CAPITAL_SUBTOTALS = {"06", "13", "14"}
CAPITAL_FINANCING = {"15", "16", "17", "18", "19"}
ROUNDING_TOLERANCE = 5  # EUR per district, line and year: more than that is not rounding
_LINE = re.compile(r"^\s*(\d{2})\s*([-=])\s*(.*)$")
_YEAR = re.compile(r"^(Ergebnis|Ist|Plan)\s+(\d{4})$")
PHASE_OF = {"Plan": "approved", "Ergebnis": "executed", "Ist": "executed"}


def classify(header: list[str], first_lines: pd.Series | None = None) -> str | None:
    """Which Köln file this is, from its columns (None: not a Köln NKF file)."""
    cols = set(header)
    years = any(_YEAR.match(c) for c in header)
    if not years:
        return None
    if "Wert" in cols and len(cols) <= 8:
        return "gesamtergebnisplan"
    if "Finanzplanzeile" in cols and "Produktbereich" in cols:
        return "finanzplan_produktbereiche"
    if "Teilpanzeile" in cols and "Teilplan" in cols:
        return "teilfinanzplan"
    if {"Bezirk", "Teilplan", "Teilplanzeile"} <= cols:
        return "bezirke_produktgruppen"
    if {"Bezirk", "Teilplanzeile"} <= cols:
        return "bezirke_einzeldarstellung"
    if {"Teilplan", "Teilplanbezeichnung", "Teilplanzeile"} <= cols:
        finance = first_lines is not None and first_lines.str.contains("zahlung", case=False).any()
        return "teilfinanzplan" if finance else "teilergebnisplan"
    if {"Produktbereich", "PB_BEZ", "Teilplanzeile"} <= cols:
        return "ergebnisplan_produktbereiche"
    if cols >= {"Teilplanzeile"} and len(cols) <= 8:
        finance = first_lines is not None and first_lines.str.contains("zahlung", case=False).any()
        return "gesamtfinanzplan" if finance else "gesamtergebnisplan"
    return None


def detect(files: list[tuple[str, bytes]]) -> bool:
    """True when every file is one of Köln's NKF files."""
    if not files:
        return False
    for name, data in files:
        kind = _kind_of(name, data)
        if kind is None:
            return False
    return True


def _kind_of(name: str, data: bytes) -> str | None:
    probe = ImportReport()
    head = b"\n".join(data[:100_000].splitlines()[:40])
    frame = read_csv_text(head, probe, name=name)
    if frame is None:
        return None
    line_col = _line_column(frame)
    return classify(list(frame.columns), frame[line_col] if line_col else None)


def _line_column(frame: pd.DataFrame) -> str | None:
    for col in ("Teilplanzeile", "Teilpanzeile", "Finanzplanzeile", "Wert"):
        if col in frame.columns:
            return col
    return None


def read(files: list[tuple[str, bytes]], report: ImportReport, *, districts: dict[str, str],
         currency: str = "EUR") -> pd.DataFrame | None:
    """All given Köln files -> budget lines (None when the report has errors)."""
    frames: dict[str, tuple[str, pd.DataFrame]] = {}
    statements: list[tuple[str, pd.DataFrame]] = []
    for name, data in files:
        frame = read_csv_text(data, report, name=name)
        if frame is None:
            continue
        line_col = _line_column(frame)
        kind = classify(list(frame.columns), frame[line_col] if line_col else None)
        if kind is None:
            report.error(gettext("not one of Köln's NKF budget files (unknown columns: %(columns)s)",
                                 columns=", ".join(frame.columns)), file=name)
            continue
        if kind == "bezirke_einzeldarstellung":
            statements.append((name, frame))
            continue
        if kind in frames:
            report.error(gettext("two files of the same kind (%(kind)s): %(first)s and %(second)s", kind=kind,
                                 first=frames[kind][0], second=name), file=name)
            continue
        frames[kind] = (name, frame)
    if not report.ok:
        return None
    _pick_district_statement(frames, statements, report)
    for kind in ("ergebnisplan_produktbereiche", "finanzplan_produktbereiche"):
        if kind in frames:
            report.info(gettext("aggregates of the Teilpläne: not imported (they would count every euro twice)"),
                        file=frames[kind][0])
    if "bezirke_produktgruppen" in frames and "teilergebnisplan" not in frames:
        report.error(gettext("the district file breaks down the Teilergebnisplan: import it together with "
                             "teilergebnisplan.csv"), file=frames["bezirke_produktgruppen"][0])
    if "teilergebnisplan" not in frames and "teilfinanzplan" not in frames:
        report.error(gettext("no Teilergebnisplan or Teilfinanzplan among the files: nothing to import"))
    if not report.ok:
        return None
    parts = []
    if "teilergebnisplan" in frames:
        name, frame = frames["teilergebnisplan"]
        operating = _long_lines(frame, name, report, statement="operating", revenue=OPERATING_REVENUE,
                                expenditure=OPERATING_EXPENDITURE, skipped=OPERATING_INTERNAL,
                                skipped_reason="internal allocations between Teilpläne (line 27)")
        if operating is not None and "bezirke_produktgruppen" in frames:
            operating = _split_by_district(operating, frames, report, districts)
        if operating is not None:
            if "gesamtergebnisplan" in frames:
                _check_city_totals(operating, frames["gesamtergebnisplan"], report,
                                   {"10": ("revenue", [f"{n:02d}" for n in range(1, 10)]),
                                    "17": ("expenditure", [f"{n:02d}" for n in range(11, 17)])})
            parts.append(operating)
    if "teilfinanzplan" in frames:
        name, frame = frames["teilfinanzplan"]
        capital = _long_lines(frame, name, report, statement="capital", revenue=CAPITAL_REVENUE,
                              expenditure=CAPITAL_EXPENDITURE, skipped=CAPITAL_FINANCING | CAPITAL_SUBTOTALS,
                              skipped_reason="subtotals 06, 13, 14 and the financing lines 15-19 (loans)")
        if capital is not None:
            if "gesamtfinanzplan" in frames:
                _check_city_totals(capital, frames["gesamtfinanzplan"], report,
                                   {"23": ("revenue", sorted(CAPITAL_REVENUE)),
                                    "30": ("expenditure", sorted(CAPITAL_EXPENDITURE))})
            parts.append(capital)
    if not report.ok or not parts:
        return None
    lines = pd.concat(parts, ignore_index=True)
    lines["currency"] = currency
    lines = check_lines(lines, report, name="Köln budget", districts=districts, subtotals="error")
    if not report.ok:
        return None
    return lines[LINE_COLUMNS].reset_index(drop=True)


def _pick_district_statement(frames, statements, report: ImportReport) -> None:
    """Of several per-district statements, use the one covering the same years as the district split.

    The city published two (2010-2015 and 2011-2017); they hold different plan versions for the years
    they share, and only the one from the same budget as bezirke_produktgruppen reconciles with it.
    """
    if not statements:
        return
    split = frames.get("bezirke_produktgruppen")
    wanted = {c for c in split[1].columns if _YEAR.match(c)} if split else None
    chosen = None
    for name, frame in statements:
        years = {c for c in frame.columns if _YEAR.match(c)}
        if chosen is None and (wanted is None or years == wanted):
            chosen = (name, frame)
        else:
            report.info(gettext("per-district statement not used: its years are not those of the district split "
                                "(another budget version)"), file=name)
    if chosen is not None:
        frames["bezirke_einzeldarstellung"] = chosen


def _long_lines(frame: pd.DataFrame, name: str, report: ImportReport, *, statement: str, revenue: set[str],
                expenditure: set[str], skipped: set[str], skipped_reason: str) -> pd.DataFrame | None:
    """A Teilplan file (one row per Teilplan and NKF line, one column per year) -> long lines."""
    line_col = _line_column(frame)
    needed = ["Produktbereich", "Produktbereichsbezeichnung", "Teilplan", "Teilplanbezeichnung", line_col]
    missing = [c for c in needed if c not in frame.columns]
    if missing:
        report.error(gettext("missing columns %(columns)s", columns=", ".join(str(c) for c in missing)), file=name)
        return None
    parsed = frame[line_col].str.extract(_LINE)
    parsed.columns = ["econ_code", "kind", "econ_name"]
    unparsed = parsed["econ_code"].isna()
    if unparsed.any():
        report.error(gettext("not an NKF line ('NN - name' or 'NN = subtotal')"), file=name, column=line_col,
                     rows=spreadsheet_rows(np.flatnonzero(unparsed)[:5]), values=frame.loc[unparsed, line_col],
                     count=int(unparsed.sum()))
        return None
    subtotal = parsed["kind"].eq("=") | parsed["econ_code"].isin(CAPITAL_SUBTOTALS & skipped)
    ignored = parsed["econ_code"].isin(skipped) & ~subtotal
    unknown = ~subtotal & ~ignored & ~parsed["econ_code"].isin(revenue | expenditure)
    if unknown.any():
        report.error(gettext("NKF line number not known for this statement"), file=name, column=line_col,
                     rows=spreadsheet_rows(np.flatnonzero(unknown)[:5]), values=frame.loc[unknown, line_col],
                     count=int(unknown.sum()))
        return None
    report.info(gettext("%(subtotals)s subtotal rows dropped; %(ignored)s rows not imported: %(reason)s",
                        subtotals=int(subtotal.sum()), ignored=int(ignored.sum()), reason=skipped_reason), file=name)
    keep = ~subtotal & ~ignored
    year_cols = [c for c in frame.columns if _YEAR.match(c)]
    base = pd.concat([frame.loc[keep, needed[:4]], parsed.loc[keep, ["econ_code", "econ_name"]]], axis=1)
    base["row"] = np.flatnonzero(keep.to_numpy()) + 2
    lines = _melt_years(base, frame.loc[keep, year_cols], name, report, line_col)
    if lines is None:
        return None
    lines["statement"] = statement
    lines["direction"] = np.where(lines["econ_code"].isin(revenue), "revenue", "expenditure")
    lines = lines.rename(columns={"Produktbereich": "fn1_code", "Produktbereichsbezeichnung": "fn1_name",
                                  "Teilplan": "fn2_code", "Teilplanbezeichnung": "fn2_name"})
    for col in ("fn3_code", "fn3_name", "fn4_code", "fn4_name", "admin_code", "admin_name", "district_code",
                "district_name"):
        lines[col] = ""
    lines["econ_name"] = lines["econ_name"].str.strip()
    return lines


def _melt_years(base: pd.DataFrame, amounts: pd.DataFrame, name: str, report: ImportReport,
                line_col: str) -> pd.DataFrame | None:
    parts = []
    for col in amounts.columns:
        kind, year = _YEAR.match(col).groups()
        values = pd.to_numeric(amounts[col].str.replace(".", "", regex=False).str.strip(), errors="coerce")
        bad = values.isna() & amounts[col].str.strip().ne("")
        if bad.any():
            report.error(gettext("not a whole number of euros"), file=name, column=col,
                         rows=base.loc[bad, "row"].head(5), values=amounts.loc[bad, col], count=int(bad.sum()))
            return None
        part = base.copy()
        part["fiscal_year"] = int(year)
        part["phase"] = PHASE_OF[kind]
        part["amount_cents"] = (values.fillna(0) * 100).round().astype("int64")
        part["source"] = f"{name}:{col}"
        parts.append(part[part["amount_cents"] != 0])
    return pd.concat(parts, ignore_index=True)


def _district_frame(frame: pd.DataFrame, name: str, report: ImportReport, districts: dict[str, str],
                    by_teilplan: bool) -> pd.DataFrame | None:
    """A district file -> long rows (district, [Teilplan,] NKF line, year, phase, cents; revenue positive)."""
    parsed = frame["Teilplanzeile"].str.extract(_LINE)
    parsed.columns = ["econ_code", "kind", "econ_name"]
    keep = parsed["kind"].eq("-") & parsed["econ_code"].isin(OPERATING_REVENUE | OPERATING_EXPENDITURE)
    district = frame["Bezirk"].str.strip()
    known = {int(k): k for k in districts if k.isdigit()}
    code = district.map(lambda d: known.get(int(d)) if d.isdigit() else None)
    unknown = keep & code.isna()
    if unknown.any():
        report.error(gettext("unknown Stadtbezirk number"), file=name, column="Bezirk",
                     rows=spreadsheet_rows(np.flatnonzero(unknown)[:5]), values=district[unknown],
                     count=int(unknown.sum()))
        return None
    cols = ["Teilplan"] if by_teilplan else []
    base = pd.concat([frame.loc[keep, cols], parsed.loc[keep, ["econ_code"]]], axis=1)
    base["district_code"] = code[keep]
    base["row"] = np.flatnonzero(keep.to_numpy()) + 2
    year_cols = [c for c in frame.columns if _YEAR.match(c)]
    long = _melt_years(base, frame.loc[keep, year_cols], name, report, "Teilplanzeile")
    if long is None:
        return None
    if by_teilplan:  # revenue is stored negative in this file
        revenue = long["econ_code"].isin(OPERATING_REVENUE)
        long.loc[revenue, "amount_cents"] = -long.loc[revenue, "amount_cents"]
    return long


def _split_by_district(operating: pd.DataFrame, frames, report: ImportReport,
                       districts: dict[str, str]) -> pd.DataFrame | None:
    name, frame = frames["bezirke_produktgruppen"]
    parts = _district_frame(frame, name, report, districts, by_teilplan=True)
    if parts is None:
        return None
    key = ["fn2_code", "econ_code", "fiscal_year", "phase"]
    parts = parts.rename(columns={"Teilplan": "fn2_code"})
    parts = parts.groupby([*key, "district_code"], as_index=False)["amount_cents"].sum()
    parts = parts[parts["amount_cents"] != 0]
    unknown = parts.merge(operating[key].drop_duplicates(), on=key, how="left", indicator=True)
    orphan = unknown["_merge"].eq("left_only")
    if orphan.any():
        report.error(gettext("district lines for a Teilplan line the Teilergebnisplan does not have"), file=name,
                     values=(unknown.loc[orphan, "fn2_code"] + " line " + unknown.loc[orphan, "econ_code"] + " "
                             + unknown.loc[orphan, "fiscal_year"].astype(str)).head(20),
                     count=int(orphan.sum()))
        return None
    if "bezirke_einzeldarstellung" in frames:
        parts = _reconcile(parts, frames["bezirke_einzeldarstellung"], report, districts)
        if parts is None:
            return None
    # the part of each Teilplan line that no district file assigns stays a city-wide line
    assigned = parts.groupby(key, as_index=False)["amount_cents"].sum().rename(columns={"amount_cents": "assigned"})
    city = operating.merge(assigned, on=key, how="left")
    city["amount_cents"] = city["amount_cents"] - city["assigned"].fillna(0).astype("int64")
    city = city.drop(columns=["assigned"])
    descriptive = operating.drop(columns=["amount_cents", "district_code", "district_name", "row"]).drop_duplicates(key)
    district_lines = parts.merge(descriptive, on=key, how="left")
    district_lines["district_name"] = district_lines["district_code"].map(districts)
    district_lines["source"] = name + ":" + district_lines["phase"].map(
        {"approved": "Plan ", "executed": "Ergebnis "}) + district_lines["fiscal_year"].astype(str)
    out = pd.concat([city[city["amount_cents"] != 0], district_lines], ignore_index=True)
    share = district_lines["amount_cents"].abs().sum() / max(1, operating["amount_cents"].abs().sum())
    report.info(gettext("%(count)s operating lines assigned to a Stadtbezirk (%(share)s of the operating volume); "
                        "the rest stays city-wide", count=len(district_lines), share=percent(share)), file=name)
    return out.drop(columns=["row"], errors="ignore")


def _reconcile(parts: pd.DataFrame, reference, report: ImportReport, districts) -> pd.DataFrame | None:
    """Make each district's lines add up to the city's per-district statement (rounding residue only)."""
    name, frame = reference
    ref = _district_frame(frame, name, report, districts, by_teilplan=False)
    if ref is None:
        return None
    group = ["district_code", "econ_code", "fiscal_year", "phase"]
    ref = ref.groupby(group, as_index=False)["amount_cents"].sum().rename(columns={"amount_cents": "reference"})
    ours = parts.groupby(group, as_index=False)["amount_cents"].sum()
    both = ref.merge(ours, on=group, how="outer").fillna({"reference": 0, "amount_cents": 0})
    both = both[both["fiscal_year"].isin(parts["fiscal_year"].unique())]
    both["residue"] = (both["reference"] - both["amount_cents"]).astype("int64")
    too_big = both["residue"].abs() > ROUNDING_TOLERANCE * 100
    if too_big.any():
        worst = both.loc[too_big].sort_values("residue", key=abs, ascending=False).head(5)
        report.error(gettext("the per-district statement does not match the per-Teilplan district file beyond "
                             "rounding: are both from the same budget?"), file=name,
                     values=[f"Bezirk {r.district_code} line {r.econ_code} {r.phase} {r.fiscal_year}: "
                             f"{r.residue / 100:+,.0f} EUR" for r in worst.itertuples()],
                     count=int(too_big.sum()))
        return None
    residue = both[both["residue"] != 0]
    if residue.empty:
        return parts
    parts = parts.copy()
    order = parts.assign(size=parts["amount_cents"].abs()).sort_values("size", ascending=False)
    largest = order.drop_duplicates(group)[[*group]].reset_index()  # index of the largest line per group
    target = residue.merge(largest, on=group, how="left")
    placed = target["index"].notna()
    for r in target[placed].itertuples():
        parts.loc[int(r.index), "amount_cents"] += int(r.residue)
    if (~placed).any():
        report.warning(gettext("district statement amounts with no matching district line were left out"), file=name,
                       count=int((~placed).sum()))
    report.info(gettext("%(count)s district lines adjusted by the files' rounding residue (at most %(amount)s EUR "
                        "each) to match the district statement", count=int(placed.sum()),
                        amount=number(residue["residue"].abs().max() / 100)), file=name)
    return parts


def _check_city_totals(lines: pd.DataFrame, reference, report: ImportReport, checks: dict) -> None:
    """Compare the imported totals with the city's own Gesamtplan lines; differences are reported, not fixed.

    Each Teilplan figure is rounded to the euro on its own, so sums over about a hundred Teilpläne may
    differ from the Gesamtplan by a few euros (2 EUR in the 2015 plan); more than half a euro per
    Teilplan is not rounding and is reported as a warning.
    """
    name, frame = reference
    line_col = _line_column(frame)
    codes = frame[line_col].str.extract(_LINE)[0]
    teilplaene = max(1, lines["fn2_code"].nunique())
    worst = 0.0
    for col in [c for c in frame.columns if _YEAR.match(c)]:
        kind, year = _YEAR.match(col).groups()
        for code, (direction, members) in checks.items():
            row = frame[codes == code]
            if row.empty:
                continue
            expected = int(str(row.iloc[0][col]).replace(".", ""))
            mask = (lines["fiscal_year"] == int(year)) & (lines["phase"] == PHASE_OF[kind]) \
                & (lines["direction"] == direction) & lines["econ_code"].isin(members)
            if not mask.any():
                continue
            diff = int(lines.loc[mask, "amount_cents"].sum()) / 100 - expected
            worst = max(worst, abs(diff))
            if abs(diff) > teilplaene / 2:
                report.warning(gettext("%(column)s: the Teilpläne's lines %(first)s-%(last)s sum to %(sum)s EUR, the "
                                       "city's line %(code)s says %(expected)s EUR: the city's files disagree (the "
                                       "Teilplan figures are imported)", column=col, first=members[0], last=members[-1],
                                       sum=number(expected + diff), code=code, expected=number(expected)), file=name)
    report.info(gettext("city totals checked against the city's own Gesamtplan (largest rounding difference within "
                        "rounding: %(amount)s EUR)", amount=number(worst if worst <= teilplaene / 2 else 0)), file=name)
