"""The generic CSV importer on small hand-made files, one per oddity other cities' files have.

Expected totals are computed by hand from the file contents written in each test.
"""

import json

import pytest

from portal.budget import importer
from portal.budget.mapping import Mapping, MappingError
from portal.city import load_city

KOELN = load_city("koeln")

OWN_FORMAT = """\
fiscal_year,phase,statement,direction,fn1_code,fn1_name,fn2_code,fn2_name,econ_code,econ_name,district_code,amount
2024,approved,operating,expenditure,01,Schools,0101,Primary,E1,Staff,,1000.50
2024,approved,operating,expenditure,01,Schools,0102,Secondary,E1,Staff,3,2000
2024,approved,operating,revenue,01,Schools,0101,Primary,R1,Fees,,300
2024,executed,operating,expenditure,01,Schools,0101,Primary,E1,Staff,,990.25
2024,approved,capital,expenditure,02,Roads,,,C1,Works,,5000
"""


def prepare(files, mapping=None):
    return importer.prepare(files, KOELN, mapping_text=json.dumps(mapping) if isinstance(mapping, dict) else mapping)


def totals(plan):
    return {(r["fiscal_year"], r["phase"], r["statement"], r["direction"]): r["amount"] for r in plan.preview}


def test_own_format_needs_no_mapping():
    plan = prepare([("budget.csv", OWN_FORMAT.encode())])
    assert plan.ok, plan.report.text()
    assert plan.adapter == "generic"
    assert totals(plan) == {
        (2024, "approved", "operating", "expenditure"): 3000.50,
        (2024, "approved", "operating", "revenue"): 300.0,
        (2024, "executed", "operating", "expenditure"): 990.25,
        (2024, "approved", "capital", "expenditure"): 5000.0,
    }
    lines = plan.lines
    assert set(lines["fn1_code"]) == {"01", "02"}  # leading zeros kept
    assert lines.loc[lines["district_code"] == "3", "district_name"].tolist() == ["Lindenthal"]  # from the profile


LATIN1_SEMICOLON = (
    "Jahr;Art;Bereich;Bereichsname;Produkt;Produktname;Kostenart;Betrag\n"
    "2023;A;01;Schulen;0101;Grundschulen;Personal;-22.000,00\n"
    "2023;A;01;Schulen;0101;Grundschulen;Sachkosten;1.234,56\n"
    "2023;E;01;Schulen;0101;Grundschulen;Gebühren;-500,00\n"
    "2023;A;02;Straßen;0201;Brücken;Bau;10.000,00\n"
).encode("latin-1")
GERMAN_MAPPING = {
    "fields": {
        "fiscal_year": "Jahr", "fn1_code": "Bereich", "fn1_name": "Bereichsname", "fn2_code": "Produkt",
        "fn2_name": "Produktname", "econ_code": "Kostenart", "amount": "Betrag",
        "direction": {"column": "Art", "map": {"E": "revenue", "A": "expenditure"}},
        "phase": {"value": "approved"},
    },
}


def test_latin1_semicolon_german_numbers():
    plan = prepare([("haushalt.csv", LATIN1_SEMICOLON)], GERMAN_MAPPING)
    assert plan.ok, plan.report.text()
    assert any("separator semicolon" in p.message for p in plan.report.problems)
    # expenditure: -22,000.00 + 1,234.56 + 10,000.00 (the file's signs kept); revenue -500.00
    assert totals(plan) == {(2023, "approved", "operating", "expenditure"): -10765.44,
                            (2023, "approved", "operating", "revenue"): -500.0}
    assert "Straßen" in set(plan.lines["fn1_name"]) and "Gebühren" in set(plan.lines["econ_code"])


def test_revenue_stored_negative_is_turned_positive():
    mapping = {**GERMAN_MAPPING, "revenue_sign": "negative"}
    plan = prepare([("haushalt.csv", LATIN1_SEMICOLON)], mapping)
    assert totals(plan)[(2023, "approved", "operating", "revenue")] == 500.0
    # without the option the importer warns: most revenue is negative
    plan = prepare([("haushalt.csv", LATIN1_SEMICOLON)], GERMAN_MAPPING)
    assert any("revenue_sign" in p.message for p in plan.report.warnings)


def test_direction_from_sign():
    data = b"year,area,amount\n2022,01,-300.5\n2022,01,1200\n2022,02,50\n"
    mapping = {"fields": {"fiscal_year": "year", "fn1_code": "area", "amount": "amount",
                          "phase": {"value": "executed"}},
               "direction_from_sign": True}
    plan = prepare([("signed.csv", data)], mapping)
    assert plan.ok, plan.report.text()
    assert totals(plan) == {(2022, "executed", "operating", "expenditure"): 1250.0,
                            (2022, "executed", "operating", "revenue"): 300.5}


RAGGED = """fiscal_year,phase,direction,fn1_code,fn2_code,fn3_code,fn4_code,amount
2024,approved,expenditure,A,,,,100
2024,approved,expenditure,B,B1,,,200
2024,approved,expenditure,B,B2,B21,,300
2024,approved,expenditure,B,B2,B22,B221,400
2024,approved,expenditure,C,C1,C11,C111,500
"""


def test_ragged_hierarchy_some_branches_deeper():
    plan = prepare([("ragged.csv", RAGGED.encode())])
    assert plan.ok, plan.report.text()
    lines = plan.lines.set_index("fn1_code")
    assert int(plan.lines["amount_cents"].sum()) == 150000
    assert lines.loc["A", "fn2_code"] == ""
    by_area = plan.lines.groupby("fn1_code")["amount_cents"].sum().to_dict()
    assert by_area == {"A": 10000, "B": 90000, "C": 50000}


def test_subtotal_rows_are_an_error_naming_rows_or_dropped_on_request():
    with_subtotal = RAGGED + "2024,approved,expenditure,B,B2,,,700\n"  # = 300 + 400: a subtotal of B2
    plan = prepare([("sub.csv", with_subtotal.encode())])
    assert not plan.ok and plan.lines is None
    error = plan.report.errors[0]
    assert error.rows == [7] and "B/B2" in error.values and "subtotals" in error.message
    plan = prepare([("sub.csv", with_subtotal.encode())], {"subtotals": "drop"})
    assert plan.ok and int(plan.lines["amount_cents"].sum()) == 150000


def test_wide_file_with_amount_columns_per_year_and_phase():
    data = (b"Bereich;Zeile;Ist 2022;Plan 2023;Plan 2024\n"
            b"01;01 - Steuern;1.000;1.100;1.200\n"
            b"01;11 - Personal;2.000;2.100;2.200\n"
            b"01;10 = Summe;3.000;3.200;3.400\n")
    mapping = {
        "fields": {"fn1_code": "Bereich", "econ_code": {"column": "Zeile", "pattern": r"^(\d\d)"},
                   "econ_name": {"column": "Zeile", "pattern": r"^\d\d - (?P<value>.*)$"},
                   "direction": {"column": "Zeile", "pattern": r"^(\d\d)",
                                 "map": {"01": "revenue", "11": "expenditure"}}},
        "skip": [{"column": "Zeile", "pattern": r"^\d\d ="}],
        "amount_columns": {"pattern": r"^(?P<phase>Ist|Plan) (?P<fiscal_year>\d{4})$",
                           "map": {"phase": {"Ist": "executed", "Plan": "approved"}}},
    }
    plan = prepare([("wide.csv", data)], mapping)
    assert plan.ok, plan.report.text()
    assert totals(plan) == {
        (2022, "executed", "operating", "expenditure"): 2000.0, (2022, "executed", "operating", "revenue"): 1000.0,
        (2023, "approved", "operating", "expenditure"): 2100.0, (2023, "approved", "operating", "revenue"): 1100.0,
        (2024, "approved", "operating", "expenditure"): 2200.0, (2024, "approved", "operating", "revenue"): 1200.0,
    }
    assert set(plan.lines["econ_name"]) == {"Steuern", "Personal"}
    assert set(plan.lines["source"]) == {"wide.csv:Ist 2022", "wide.csv:Plan 2023", "wide.csv:Plan 2024"}


def test_bad_file_report_names_rows_columns_and_values_and_yields_nothing():
    data = b"""fiscal_year,phase,direction,fn1_code,amount,district_code
2024,approved,expenditure,01,12.50,
20x4,approved,expenditure,01,13,
2024,planned,expenditure,01,abc,
2024,approved,expenditure,01,1.2.3,77
2024,approved,spending,,14,
"""
    plan = prepare([("bad.csv", data)])
    assert not plan.ok and plan.lines is None and plan.preview == []
    found = {(p.column, tuple(p.rows)): p for p in plan.report.errors}
    assert found[("fiscal_year", (3,))].values == ["20x4"]
    assert found[("amount", (4, 5))].values == ["abc", "1.2.3"]
    text = plan.report.text()
    # the typed checks run once the numbers are readable: fix the numbers, the rest is reported
    fixed = data.replace(b"20x4", b"2024").replace(b"abc", b"13").replace(b"1.2.3", b"14")
    plan = prepare([("bad.csv", fixed)])
    found = {p.column: p for p in plan.report.errors}
    assert found["phase"].rows == [4] and found["phase"].values == ["planned"]
    assert found["direction"].rows == [6] and found["direction"].values == ["spending"]
    assert found["fn1_code"].rows == [6]
    assert found["district_code"].rows == [5] and found["district_code"].values == ["77"]
    assert "bad.csv" in text


def test_districts_are_joined_on_their_number():
    data = b"fiscal_year,phase,direction,fn1_code,district_code,amount\n2024,approved,expenditure,01,09,10\n"
    plan = prepare([("d.csv", data)])
    assert plan.ok, plan.report.text()
    assert plan.lines["district_code"].tolist() == ["9"] and plan.lines["district_name"].tolist() == ["Mülheim"]


def test_missing_columns_are_named():
    plan = prepare([("x.csv", b"Jahr,Betrag\n2024,1\n")])
    assert not plan.ok
    message = plan.report.errors[0].message
    assert "phase" in message and "direction" in message and "Jahr, Betrag" in message
    plan = prepare([("x.csv", b"Jahr,Betrag\n2024,1\n")], {"fields": {"fiscal_year": "Year"}})
    assert "Year" in plan.report.text()


@pytest.mark.parametrize("bad", ["{", "[]", '{"colums": {}}', '{"fields": {"amount": {"pattern": "("}}}',
                                 '{"fields": {"size": "x"}}', '{"revenue_sign": "minus"}'])
def test_malformed_mappings_are_refused(bad):
    with pytest.raises(MappingError):
        Mapping.from_json(bad)
    plan = prepare([("budget.csv", OWN_FORMAT.encode())], bad)
    assert not plan.ok and "mapping" in plan.report.text()


def test_two_files_holding_the_same_year_are_refused():
    plan = prepare([("a.csv", OWN_FORMAT.encode()), ("b.csv", OWN_FORMAT.encode())])
    assert not plan.ok and "a.csv and b.csv" in plan.report.text()


def test_fingerprint_ignores_names_and_order_but_not_content():
    a, b = ("a.csv", b"1"), ("b.csv", b"2")
    assert importer.fingerprint([a, b], None) == importer.fingerprint([("y", b"2"), ("x", b"1")], None)
    assert importer.fingerprint([a, b], None) != importer.fingerprint([a, ("b.csv", b"3")], None)
    assert importer.fingerprint([a], '{"x": 1, "y": 2}') == importer.fingerprint([a], '{"y":2,"x":1}')


def test_the_mapping_example_of_the_readme_is_valid():
    import re
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    example = re.search(r"\*\*The mapping file\*\*.*?```json\n(.*?)```", readme, re.S).group(1)
    mapping = Mapping.from_json(example)
    assert mapping.revenue_sign == "negative" and mapping.amount_pattern is not None
    assert mapping.fields["econ_code"].pattern.match("13 - Sachkosten").group(1) == "13"
