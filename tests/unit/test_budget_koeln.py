"""The Köln adapter on the city's real files, checked against the city's own totals.

Oracles: the figures the issue quotes (3,469,196,999 and 3,739,352,824 EUR), and the city's other
files read here with the csv module, independently of the importer: the Gesamtfinanzplan, the
Teilergebnisplan itself and the per-district statement (bezirke_einzeldarstellung_2010-2015.csv).
"""

import csv
from collections import defaultdict
from functools import cache

import pytest

from portal.budget import importer, koeln
from portal.budget.report import ImportReport
from portal.city import DATA, load_city

BUDGET = DATA / "koeln" / "budget"
KOELN = load_city("koeln")


def rows(name):
    with (BUDGET / name).open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


@cache
def lines():
    plan = importer.prepare(importer.read_paths([DATA / f for f in KOELN.budget["files"]]), KOELN)
    assert plan.ok, plan.report.text()
    return plan.lines


def total(frame, **where):
    mask = frame["amount_cents"].notna()
    for key, value in where.items():
        mask = mask & (frame[key].isin(value) if isinstance(value, (list, set)) else frame[key] == value)
    return int(frame.loc[mask, "amount_cents"].sum()) / 100


def codes(first, last):
    return [f"{n:02d}" for n in range(first, last + 1)]


def test_operating_2015_reconciles_with_the_city_totals():
    frame = lines()
    plan_2015 = {"fiscal_year": 2015, "phase": "approved", "statement": "operating"}
    revenue = total(frame, **plan_2015, direction="revenue", econ_code=codes(1, 9))
    expenditure = total(frame, **plan_2015, direction="expenditure", econ_code=codes(11, 16))
    assert abs(revenue - 3_469_196_999) <= 2
    assert abs(expenditure - 3_739_352_824) <= 2
    # and the Gesamtergebnisplan's own lines 10 and 17, read from the file
    gesamt = {r["Wert"][:2]: int(r["Plan 2015"]) for r in rows("gesamtergebnisplan.csv")}
    assert abs(revenue - gesamt["10"]) <= 2 and abs(expenditure - gesamt["17"]) <= 2


def test_every_teilplan_line_keeps_its_city_total_after_the_district_split():
    frame = lines()
    ours = frame[frame["statement"] == "operating"].groupby(["fn2_code", "econ_code", "fiscal_year"])[
        "amount_cents"].sum()
    checked = 0
    for r in rows("teilergebnisplan.csv"):
        code, kind = r["Teilplanzeile"][:2], r["Teilplanzeile"][3]
        if kind == "=" or code == "27":
            continue
        for column, year in (("Ergebnis 2010", 2010), ("Plan 2013", 2013), ("Plan 2015", 2015)):
            expected = int(r[column]) * 100
            assert int(ours.get((r["Teilplan"], code, year), 0)) == expected, (r["Teilplan"], code, year)
            checked += 1
    assert checked > 5000


def district_statement():
    out = defaultdict(int)
    for r in rows("bezirke_einzeldarstellung_2010-2015.csv"):
        code, kind = r["Teilplanzeile"][:2], r["Teilplanzeile"][3]
        if kind == "=" or code == "27":
            continue
        for column, value in r.items():
            if column.startswith(("Plan ", "Ergebnis ")):
                out[(r["Bezirk"], code, int(column[-4:]))] += int(value)
    return out


def test_every_district_sum_matches_the_district_statement_within_one_euro():
    frame = lines()
    ours = frame[frame["district_code"] != ""].groupby(["district_code", "econ_code", "fiscal_year"])[
        "amount_cents"].sum()
    reference = district_statement()
    assert len(reference) == 9 * 19 * 6  # 9 districts, NKF lines 01-09, 11-16, 19, 20, 23, 24, 6 years
    worst = max(abs(int(ours.get(key, 0)) / 100 - value) for key, value in reference.items())
    assert worst <= 1
    # per district and direction, against the statement's own subtotal lines 10 and 17 (rounded by the city)
    subtotals = {(r["Bezirk"], r["Teilplanzeile"][:2]): int(r["Plan 2015"])
                 for r in rows("bezirke_einzeldarstellung_2010-2015.csv") if r["Teilplanzeile"][:2] in ("10", "17")}
    for district in KOELN.districts:
        d = frame[(frame["district_code"] == district) & (frame["fiscal_year"] == 2015)]
        assert abs(total(d, direction="revenue", econ_code=codes(1, 9)) - subtotals[(district, "10")]) <= 2
        assert abs(total(d, direction="expenditure", econ_code=codes(11, 16)) - subtotals[(district, "17")]) <= 2


def test_revenue_of_the_district_file_is_turned_positive():
    frame = lines()
    # Innenstadt, 2015, line 04: the district statement says 6,400,030 EUR of revenue
    inner = frame[(frame["district_code"] == "1") & (frame["fiscal_year"] == 2015) & (frame["econ_code"] == "04")]
    assert total(inner) == 6_400_030
    assert (inner["direction"] == "revenue").all()


def test_capital_statement_equals_the_gesamtfinanzplan():
    frame = lines()
    gesamt = {r["Teilplanzeile"][:2]: int(r["Plan 2015"]) for r in rows("gesamtfinanzplan.csv")}
    capital = {"fiscal_year": 2015, "phase": "approved", "statement": "capital"}
    assert total(frame, **capital, direction="revenue") == gesamt["23"] == 131_595_519
    assert total(frame, **capital, direction="expenditure") == gesamt["30"] == 263_634_145


def test_subtotals_internal_allocations_and_loans_are_not_lines():
    frame = lines()
    operating = set(frame.loc[frame["statement"] == "operating", "econ_code"])
    capital = set(frame.loc[frame["statement"] == "capital", "econ_code"])
    assert operating <= set(codes(1, 9) + codes(11, 16) + ["19", "20", "23", "24"])
    assert capital <= set(codes(1, 5) + codes(7, 12))
    assert not {"10", "17", "18", "21", "22", "25", "26", "27", "28"} & operating


def test_plan_and_actual_columns_become_phases():
    phases = lines().groupby("fiscal_year")["phase"].unique().apply(lambda p: sorted(set(p))).to_dict()
    assert phases == {2010: ["executed"], 2011: ["approved"], 2012: ["approved"], 2013: ["approved"],
                      2014: ["approved"], 2015: ["approved"]}


def test_district_names_come_from_the_profile_not_the_file_typo():
    names = set(lines().loc[lines()["district_code"] == "9", "district_name"])
    assert names == {"Mülheim"}  # the city's file says "Mühlheim"


def test_the_district_file_alone_is_refused():
    report = ImportReport()
    files = importer.read_paths([BUDGET / "bezirke_produktgruppen.csv"])
    assert koeln.read(files, report, districts=KOELN.districts) is None
    assert "teilergebnisplan.csv" in report.text()


def test_the_whole_folder_imports_and_uses_the_matching_district_statement():
    plan = importer.prepare(importer.read_paths(sorted(BUDGET.glob("*.csv"))), KOELN)
    assert plan.ok, plan.report.text()
    assert plan.adapter == "koeln"
    assert len(plan.lines) == len(lines())
    text = plan.report.text()
    assert "bezirke_einzeldarstellung.csv: per-district statement not used" in text
    assert "would count every euro twice" in text


def test_a_district_statement_that_does_not_match_beyond_rounding_is_refused():
    files = importer.read_paths([BUDGET / n for n in ("teilergebnisplan.csv", "bezirke_produktgruppen.csv")])
    statement = (BUDGET / "bezirke_einzeldarstellung_2010-2015.csv").read_text(encoding="utf-8")
    # Innenstadt, line 02, Plan 2015: 6,128,325 EUR in the city's file; 1,000 EUR more is not rounding
    changed = statement.replace("6115031,6128325", "6115031,6129325", 1)
    assert changed != statement
    plan = importer.prepare([*files, ("bezirke_einzeldarstellung_2010-2015.csv", changed.encode())], KOELN)
    assert not plan.ok
    assert "same budget" in plan.report.text() and "Bezirk 1 line 02 approved 2015: +1,000 EUR" in plan.report.text()


@pytest.mark.parametrize("line", ["99 - Erfundene Zeile", "Summe"])
def test_unknown_nkf_lines_are_errors(line):
    text = (BUDGET / "teilergebnisplan.csv").read_text(encoding="utf-8").splitlines()
    parts = next(csv.reader([text[1]]))
    parts[4] = line
    out = "\n".join([text[0], ",".join(f'"{p}"' for p in parts), *text[2:]])
    plan = importer.prepare([("teilergebnisplan.csv", out.encode())], KOELN)
    assert not plan.ok
    error = plan.report.errors[0]
    assert error.rows == [2] and error.values == [line]
