"""Fuzzing the CSV importers: the budget's generic importer (own format and with a mapping), the Köln adapter,
the dataset upload and the paper-ballot import.

Oracle: an importer either accepts the file (and then every line it produces has a finite amount and a known
year, phase and direction) or explains with at least one error that names what is wrong; no other exception
escapes, and the paper-ballot import, which writes, changes nothing in the database when it refuses a file.
"""

from __future__ import annotations

import csv
import io
import json
import math

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import func, select

from portal.budget import importer
from portal.city import DATA, load_city
from portal.datasets import upload
from portal.models import Ballot, CyclePhase, Dataset, DatasetFile, Role
from portal.participation import paper
from portal.participation.errors import ParticipationError
from tests.fuzz.conftest import FUZZ_COUNTS, fuzz_settings
from tests.participation import cycle_with_ballot, quick_user

KOELN = load_city("koeln")
OWN = """\
fiscal_year,phase,statement,direction,fn1_code,fn1_name,fn2_code,fn2_name,econ_code,district_code,amount
2024,approved,operating,expenditure,01,Schools,0101,Primary,E1,,1000.50
2024,approved,operating,expenditure,01,Schools,0102,Secondary,E1,3,2000
2024,approved,operating,revenue,01,Schools,0101,Primary,R1,,300
2024,executed,operating,expenditure,01,Schools,0101,Primary,E1,,990.25
2024,approved,capital,expenditure,02,Roads,,,C1,,5000
"""
MAPPING = {"fields": {"fiscal_year": "Jahr", "phase": {"value": "approved"},
                      "direction": {"column": "Art", "map": {"E": "revenue", "A": "expenditure"}},
                      "fn1_code": "PB", "amount": "Betrag"}}
MAPPED = "Jahr;Art;PB;Betrag\n2024;A;01;1.000,50\n2024;E;02;-22.000,00\n2023;A;01;(1.234)\n"
KOELN_TEXT = (DATA / "koeln" / "budget" / "teilergebnisplan.csv").read_text(encoding="utf-8").splitlines()
KOELN_SLICE = "\n".join(KOELN_TEXT[:12]) + "\n"
CELLS = st.sampled_from(["", " ", "-", "1e309", "NaN", "inf", "1.234,5", "(12)", "12-", "2024", "20x4", "approved",
                         "plan", "revenue", "\x00", '"', ";", ",", "\t", "\r\n", "é", "=cmd()", "9" * 40]) \
    | st.text(max_size=12)
ENCODINGS = st.sampled_from(["utf-8", "utf-8-sig", "latin-1", "utf-16"])


def _mutate(text: str, edits: list[tuple[int, int, str]]) -> str:
    rows = list(csv.reader(io.StringIO(text), delimiter=";" if text.count(";") > text.count(",") else ","))
    for row_index, col_index, value in edits:
        if rows:
            row = rows[row_index % len(rows)]
            if row:
                row[col_index % len(row)] = value
    out = io.StringIO()
    csv.writer(out, delimiter=";" if text.count(";") > text.count(",") else ",").writerows(rows)
    return out.getvalue()


def _encode(text: str, encoding: str) -> bytes:
    return text.encode(encoding, errors="replace")


def _check_plan(plan) -> None:
    if plan.ok:
        assert plan.lines is not None and not plan.lines.empty
        assert all(math.isfinite(float(a)) for a in plan.lines["amount_cents"])
        assert set(plan.lines["direction"].astype(str)) <= {"revenue", "expenditure"}
        assert set(plan.lines["phase"].astype(str)) <= {"proposed", "approved", "adjusted", "executed"}
    else:
        assert plan.report.errors, "a refused file says why"
        assert all(p.text().strip() for p in plan.report.errors)


EDITS = st.lists(st.tuples(st.integers(0, 50), st.integers(0, 20), CELLS), max_size=6)


@fuzz_settings(250)
@given(EDITS, ENCODINGS, st.integers(0, len(OWN)), st.booleans())
def test_generic_importer_on_mutated_own_format(edits, encoding, cut, truncate):
    FUZZ_COUNTS["budget importer: own-format CSV"] += 1
    text = _mutate(OWN, edits)
    if truncate:
        text = text[:cut]
    _check_plan(importer.prepare([("budget.csv", _encode(text, encoding))], KOELN))


@fuzz_settings(200)
@given(EDITS, st.one_of(st.just(json.dumps(MAPPING)), st.text(max_size=40),
                        st.dictionaries(st.sampled_from(["fields", "skip", "amount_columns", "separator", "decimal",
                                                         "encoding", "subtotals", "skip_rows"]),
                                        st.none() | st.integers(-3, 3) | st.text(max_size=8) | st.just({}))
                        .map(json.dumps)))
def test_generic_importer_with_mapping(edits, mapping):
    FUZZ_COUNTS["budget importer: CSV with a mapping"] += 1
    _check_plan(importer.prepare([("haushalt.csv", _mutate(MAPPED, edits).encode())], KOELN, mapping_text=mapping))


@fuzz_settings(120)
@given(EDITS, st.integers(1, 12))
def test_koeln_adapter_on_mutated_files(edits, keep):
    FUZZ_COUNTS["budget importer: Köln NKF files"] += 1
    text = _mutate("\n".join(KOELN_SLICE.splitlines()[:keep]) + "\n", edits)
    _check_plan(importer.prepare([("teilergebnisplan.csv", text.encode())], KOELN))


@fuzz_settings(200)
@given(st.binary(max_size=300), st.sampled_from(["budget.csv", "x.json", "datapackage.json", "a.txt"]))
def test_budget_importer_on_random_bytes(data, name):
    FUZZ_COUNTS["budget importer: random bytes"] += 1
    _check_plan(importer.prepare([(name, data)], KOELN))


DATASET = "name;lat;lon;when;district;value\nA;50.9;6.9;2024-01-02;1;1,5\nB;50.8;7.0;2024-02-03;2;2\n"


@pytest.fixture
def session(db):
    with db.session() as s:
        yield s


@fuzz_settings(200)
@given(data=st.one_of(st.binary(max_size=300),
                      st.tuples(EDITS, ENCODINGS).map(lambda t: _encode(_mutate(DATASET, t[0]), t[1]))),
       filename=st.sampled_from(["data.csv", "data.tsv", "data.xlsx", "", "../../etc/passwd.csv"]),
       name=st.sampled_from(["Air", "", " "]), slug=st.sampled_from(["", "air-quality", "A B", "x" * 90, "../x"]))
def test_dataset_upload_on_mutated_files(session, data, filename, name, slug):
    FUZZ_COUNTS["dataset upload CSV"] += 1
    plan = upload.prepare(session, KOELN, filename, data, name=name, licence="CC-BY 4.0", source="test", slug=slug)
    if plan.ok:
        assert plan.frame is not None and not plan.frame.empty and plan.columns
    else:
        assert plan.report.errors and all(p.text().strip() for p in plan.report.errors)
    assert session.scalar(select(func.count()).select_from(Dataset)) == 0
    assert session.scalar(select(func.count()).select_from(DatasetFile)) == 0


PAPER = "ballot_id,choices,channel\np1,{a} {b},paper\np2,{b},booth\n"


class _Undo(Exception):
    pass


@pytest.fixture
def paper_cycle(db):
    with db.session() as s:
        officer = quick_user(s, Role.OFFICER)
        cycle, made = cycle_with_ballot(s, officer, [("Park lights", 1000), ("Bench row", 2000)],
                                        phase=CyclePhase.VOTING, ballot_type="approval")
        return cycle.id, officer.id, [p.id for p in made]


@fuzz_settings(150)
@given(EDITS, st.binary(max_size=80), st.booleans())
def test_paper_ballot_import_refuses_without_writing(db, paper_cycle, edits, junk, use_junk):
    FUZZ_COUNTS["paper-ballot CSV import"] += 1
    from portal.models import Cycle, User

    cycle_id, officer_id, (a, b) = paper_cycle
    text = junk if use_junk else _mutate(PAPER.format(a=a, b=b), edits).encode()
    with db.session() as s:
        before = s.scalar(select(func.count()).select_from(Ballot))
        cycle, officer = s.get(Cycle, cycle_id), s.get(User, officer_id)
        try:
            with s.begin_nested():
                paper.import_csv(s, cycle, officer, text, "paper.csv")
                raise _Undo  # an accepted file would be stored: undo it, only refusals are compared below
        except _Undo:
            pass
        except ParticipationError as exc:
            assert exc.message.strip()
            assert s.scalar(select(func.count()).select_from(Ballot)) == before
        s.rollback()
