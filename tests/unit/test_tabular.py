"""Reading CSV files as cities publish them: encodings, separators, number formats (hand-made files)."""

import pandas as pd
import pytest

from portal.budget.report import ImportReport
from portal.tabular import decode, parse_numbers, read_csv_text, sniff_separator


def numbers(values, decimal="auto", separator=","):
    parsed = parse_numbers(pd.Series(values, dtype=object), decimal, separator)
    return [None if v != v else v for v in parsed.values.tolist()], parsed.invalid.tolist()


@pytest.mark.parametrize(("text", "expected"), [
    ("-22.000,00", -22000.0),  # German / Spanish
    ("1.234.567,89", 1234567.89),
    ("1,234,567.89", 1234567.89),  # English
    ("1 234,5", 1234.5),  # French / Finnish, with a space
    ("1\u00a0234,50 €", 1234.5),  # non-breaking space and a currency sign
    ("(1,234.00)", -1234.0),  # accounting negative
    ("1.234,00-", -1234.0),  # SAP exports put the minus at the end
    ("\u2212 12,5", -12.5),  # unicode minus
    ("1'234.50", 1234.5),  # Swiss
])
def test_number_formats(text, expected):
    values, invalid = numbers([text])
    assert values[0] == pytest.approx(expected)
    assert invalid[0] is False


def test_decimal_mark_is_decided_for_the_whole_column():
    # "22.000" alone is ambiguous; "12,50" in the same column shows the comma is the decimal mark
    values, _ = numbers(["22.000", "12,50", "-3.000,00"])
    assert values == [22000.0, 12.5, -3000.0]
    values, _ = numbers(["22.000", "12.5", "1,000.75"])
    assert values == [22.0, 12.5, 1000.75]


def test_ambiguous_column_follows_the_file_convention():
    assert numbers(["22.000", "1.500"], separator=";")[0] == [22000.0, 1500.0]
    assert numbers(["22.000", "1.500"], separator=",")[0] == [22.0, 1.5]
    assert numbers(["22.000"], decimal=",")[0] == [22000.0]


def test_invalid_values_are_flagged_and_empty_values_are_not():
    values, invalid = numbers(["12", "abc", "", "1.2.3,4,5", "n/a", "1e"])
    assert invalid == [False, True, False, True, False, True]
    assert values[0] == 12.0 and values[1] is None and values[2] is None


def test_decode_utf8_latin1_and_bom():
    assert decode("Köln;Mülheim".encode())[0] == "Köln;Mülheim"
    text, encoding = decode("Köln;Mülheim".encode("latin-1"))
    assert text == "Köln;Mülheim" and encoding in ("cp1252", "latin-1")
    text, encoding = decode("\ufeffa,b".encode())
    assert text == "a,b" and encoding == "utf-8-sig"


@pytest.mark.parametrize("sep", [",", ";", "\t", "|"])
def test_separator_is_found(sep):
    text = sep.join(["Jahr", "Bereich", "Betrag"]) + "\n" + sep.join(["2024", "01", "1.234,50"]) + "\n"
    assert sniff_separator(text) == sep


def test_codes_with_leading_zeros_stay_text():
    report = ImportReport()
    frame = read_csv_text(b"code;name\n001;A\n010;B\n", report, name="f.csv")
    assert frame["code"].tolist() == ["001", "010"]


def test_ragged_rows_are_reported_with_their_row_numbers():
    report = ImportReport()
    data = b"a,b,c\n1,2,3\n4,5,6,7\n8,9\n10,11,12\n"
    assert read_csv_text(data, report, name="bad.csv") is None
    error = report.errors[0]
    assert error.file == "bad.csv"
    # spreadsheet rows: the header is row 1, so the 4-field line is row 3 and the 2-field line row 4
    assert error.rows[:2] == [3, 4]
    assert "4 fields" in error.values and "2 fields" in error.values


def test_empty_and_binary_files_are_refused():
    for data in (b"", b"   \n", b"\x00\x01\x02PK\x00"):
        report = ImportReport()
        assert read_csv_text(data, report, name="x.csv") is None
        assert not report.ok


def test_duplicate_header_is_refused():
    report = ImportReport()
    assert read_csv_text(b"a,b,a\n1,2,3\n", report, name="d.csv") is None
    assert "a" in report.errors[0].message
