"""Budget imports on the real databases: reconciliation, idempotence, atomic replacement, the CLI."""

import csv
import json

import pytest
from sqlalchemy import func, select

from portal.budget import importer, store
from portal.city import DATA, load_city
from portal.models import AuditEvent, BudgetImport, BudgetLine

KOELN = load_city("koeln")
BUDGET = DATA / "koeln" / "budget"
KOELN_FILES = [DATA / f for f in KOELN.budget["files"]]


def count(session, model=BudgetLine, *where):
    return session.scalar(select(func.count()).select_from(model).where(*where))


def line_sum(session, **where):
    conditions = [getattr(BudgetLine, k).in_(v) if isinstance(v, list) else getattr(BudgetLine, k) == v
                  for k, v in where.items()]
    return float(session.scalar(select(func.sum(BudgetLine.amount)).where(BudgetLine.city == "koeln", *conditions))
                 or 0)


def import_koeln(db):
    with db.session() as session:
        return importer.import_paths(session, KOELN, KOELN_FILES)


def test_koeln_import_reconciles_in_the_database(db):
    plan, outcome = import_koeln(db)
    assert outcome.status == "imported" and outcome.lines == len(plan.lines)
    with db.session() as session:
        year = {"fiscal_year": 2015, "phase": "approved", "statement": "operating"}
        revenue = line_sum(session, **year, direction="revenue", econ_code=[f"{n:02d}" for n in range(1, 10)])
        expenditure = line_sum(session, **year, direction="expenditure",
                               econ_code=[f"{n:02d}" for n in range(11, 17)])
        assert abs(revenue - 3_469_196_999) <= 2
        assert abs(expenditure - 3_739_352_824) <= 2
        # every Stadtbezirk's 2015 spending (lines 11-16) against the city's district statement, line 17
        statement = {r["Bezirk"]: int(r["Plan 2015"]) for r in csv.DictReader(
            (BUDGET / "bezirke_einzeldarstellung_2010-2015.csv").open(encoding="utf-8"))
            if r["Teilplanzeile"].startswith("17 =")}
        for district, expected in statement.items():
            got = line_sum(session, **year, direction="expenditure", district_code=district,
                           econ_code=[f"{n:02d}" for n in range(11, 17)])
            assert abs(got - expected) <= 2, district


def test_reimporting_the_same_files_changes_nothing(db):
    import_koeln(db)
    with db.session() as session:
        lines, imports = count(session), count(session, BudgetImport)
    plan, outcome = import_koeln(db)
    assert outcome.status == "unchanged"
    with db.session() as session:
        assert (count(session), count(session, BudgetImport)) == (lines, imports)


def test_a_new_version_of_a_year_replaces_only_that_year(db):
    import_koeln(db)
    with db.session() as session:
        before_2014 = line_sum(session, fiscal_year=2014, phase="approved", statement="operating")
        capital_2015 = line_sum(session, fiscal_year=2015, statement="capital")
    new_2015 = (b"fiscal_year,phase,statement,direction,fn1_code,fn1_name,amount\n"
                b"2015,approved,operating,expenditure,05,Soziale Hilfen,1000\n"
                b"2015,approved,operating,revenue,16,Allgemeine Finanzwirtschaft,400\n")
    with db.session() as session:
        plan = importer.prepare([("nachtrag-2015.csv", new_2015)], KOELN, session=session)
        assert plan.ok, plan.report.text()
        assert [(r["fiscal_year"], r["statement"]) for r in plan.replaces] == [(2015, "operating")]
        importer.apply(session, plan)
    with db.session() as session:
        assert line_sum(session, fiscal_year=2015, statement="operating") == 1400
        assert count(session, BudgetLine, BudgetLine.fiscal_year == 2015, BudgetLine.statement == "operating") == 2
        assert line_sum(session, fiscal_year=2014, phase="approved", statement="operating") == before_2014
        assert line_sum(session, fiscal_year=2015, statement="capital") == capital_2015


def test_a_bad_file_writes_nothing(db):
    import_koeln(db)
    with db.session() as session:
        before = (count(session), count(session, BudgetImport), count(session, AuditEvent))
    bad = b"fiscal_year,phase,direction,fn1_code,amount\n2015,approved,expenditure,05,not a number\n"
    with db.session() as session:
        plan = importer.prepare([("bad.csv", bad)], KOELN, session=session)
        assert not plan.ok
        with pytest.raises(importer.ImportRejected):
            importer.apply(session, plan)
    with db.session() as session:
        assert (count(session), count(session, BudgetImport), count(session, AuditEvent)) == before


def test_a_failure_while_writing_leaves_the_old_year_in_place(db, monkeypatch):
    import_koeln(db)
    with db.session() as session:
        before = line_sum(session, fiscal_year=2015, statement="operating")
        lines = count(session)
    new_2015 = b"fiscal_year,phase,direction,fn1_code,amount\n2015,approved,expenditure,05,1000\n"

    def broken_insert(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(store, "_insert", broken_insert)
    with pytest.raises(RuntimeError), db.session() as session:
        plan = importer.prepare([("new.csv", new_2015)], KOELN, session=session)
        importer.apply(session, plan)  # the delete of the old slice already ran in this transaction
    with db.session() as session:
        assert count(session) == lines
        assert line_sum(session, fiscal_year=2015, statement="operating") == before


def test_an_import_is_audited(db):
    import_koeln(db)
    with db.session() as session:
        event = session.scalars(select(AuditEvent).where(AuditEvent.action == "budget.import")).one()
        assert event.after["adapter"] == "koeln" and event.after["lines"] > 8000


def test_only_officers_may_import(db):
    from portal import accounts

    with db.session() as session:
        citizen = accounts.create_user(session, "c@example.org", "a long enough password")
        plan = importer.prepare(importer.read_paths(KOELN_FILES), KOELN, session=session)
        with pytest.raises(PermissionError):
            importer.apply(session, plan, user=citizen)
        assert count(session) == 0


# The command line ----------------------------------------------------------------------------------

def test_cli_dry_run_writes_nothing_then_import_and_summary(server, portal_db):
    runner = server.test_cli_runner()
    result = runner.invoke(args=["budget", "import", *map(str, KOELN_FILES), "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "dry run" in result.output and "2015 approved" in result.output
    with portal_db.session() as session:
        assert count(session) == 0
    result = runner.invoke(args=["budget", "import", *map(str, KOELN_FILES)])
    assert result.exit_code == 0 and "imported" in result.output, result.output
    again = runner.invoke(args=["budget", "import", *map(str, KOELN_FILES)])
    assert "unchanged" in again.output
    summary = json.loads(runner.invoke(args=["budget", "summary", "--year", "2015"]).output)
    # operating revenue: the Teilergebnisplan's revenue lines 01-09, 19 and 23, summed here from the file
    expected = {"revenue": 0, "expenditure": 0}
    for r in csv.DictReader((BUDGET / "teilergebnisplan.csv").open(encoding="utf-8")):
        code = r["Teilplanzeile"][:2]
        if r["Teilplanzeile"][3] == "-" and code in {"01", "02", "03", "04", "05", "06", "07", "08", "09", "19",
                                                     "23"}:
            expected["revenue"] += int(r["Plan 2015"])
        elif r["Teilplanzeile"][3] == "-" and code in {"11", "12", "13", "14", "15", "16", "20", "24"}:
            expected["expenditure"] += int(r["Plan 2015"])
    assert summary["operating"] == expected
    assert summary["capital"] == {"revenue": 131_595_519, "expenditure": 263_634_145}
    assert sorted(summary["districts"]) == [str(n) for n in range(1, 10)]


def test_cli_reports_errors_with_a_failing_exit_code(server, tmp_path, portal_db):
    bad = tmp_path / "bad.csv"
    bad.write_bytes("Jahr;Betrag\n2024;12,5\n".encode("latin-1"))
    result = server.test_cli_runner().invoke(args=["budget", "import", str(bad)])
    assert result.exit_code != 0
    assert "no column for fiscal_year, phase" in result.output and "nothing was imported" in result.output


def test_cli_import_with_a_mapping_file(server, tmp_path, portal_db):
    data = tmp_path / "haushalt.csv"
    data.write_bytes("Jahr;Art;Bereich;Betrag\n2023;A;01;-22.000,00\n2023;E;02;-1.500,50\n".encode("latin-1"))
    mapping = tmp_path / "mapping.json"
    mapping.write_text(json.dumps({"fields": {
        "fiscal_year": "Jahr", "fn1_code": "Bereich", "amount": "Betrag", "phase": {"value": "approved"},
        "direction": {"column": "Art", "map": {"A": "expenditure", "E": "revenue"}}}, "revenue_sign": "negative"}))
    runner = server.test_cli_runner()
    result = runner.invoke(args=["budget", "import", str(data), "--mapping", str(mapping)])
    assert result.exit_code == 0, result.output
    summary = json.loads(runner.invoke(args=["budget", "summary", "--year", "2023", "--phase", "approved"]).output)
    assert summary["operating"] == {"revenue": 1500.50, "expenditure": -22000.0}


def test_cli_export_is_a_package_that_imports_back_unchanged(server, tmp_path, portal_db):
    runner = server.test_cli_runner()
    assert runner.invoke(args=["budget", "import", *map(str, KOELN_FILES)]).exit_code == 0
    before = json.loads(runner.invoke(args=["budget", "summary", "--year", "2012"]).output)
    out = tmp_path / "package"
    result = runner.invoke(args=["budget", "export", "--out", str(out)])
    assert result.exit_code == 0, result.output
    descriptor = json.loads((out / "datapackage.json").read_text())
    assert descriptor["resources"][0]["path"] == "budget.csv"
    result = runner.invoke(args=["budget", "import", str(out / "datapackage.json")])
    assert result.exit_code == 0 and "adapter fdp" in result.output, result.output
    assert json.loads(runner.invoke(args=["budget", "summary", "--year", "2012"]).output) == before
