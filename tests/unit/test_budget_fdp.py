"""Fiscal Data Package descriptors: export and import again, and a hand-written package of another city."""

import json

import pandas as pd

from portal.budget import explorer, fdp, importer
from portal.city import DATA, load_city

KOELN = load_city("koeln")
MANCHESTER = load_city("manchester")


def as_data(lines: pd.DataFrame) -> explorer.BudgetData:
    frame = lines.copy()
    frame["id"] = range(len(frame))
    frame["cents"] = frame["amount_cents"]
    return explorer.build(frame)


def test_export_then_import_gives_the_same_budget():
    plan = importer.prepare(importer.read_paths([DATA / f for f in KOELN.budget["files"]]), KOELN)
    exported = explorer.all_lines_export(as_data(plan.lines))
    descriptor = fdp.descriptor("koeln", "Köln", "EUR", attribution=KOELN.attribution)
    again = importer.prepare([("datapackage.json", json.dumps(descriptor).encode()),
                              ("budget.csv", fdp.lines_csv(exported).encode())], KOELN)
    assert again.ok, again.report.text()
    assert again.adapter == "fdp"
    assert again.preview == plan.preview
    assert len(again.lines) == len(plan.lines)
    key = ["fiscal_year", "phase", "statement", "direction", "fn2_code", "econ_code", "district_code"]
    a = plan.lines.astype(dict.fromkeys(key, str)).groupby(key)["amount_cents"].sum().to_dict()
    b = again.lines.astype(dict.fromkeys(key, str)).groupby(key)["amount_cents"].sum().to_dict()
    assert a == b


def test_descriptor_has_the_required_parts():
    descriptor = fdp.descriptor("koeln", "Köln", "EUR")
    assert {"name", "title", "resources", "model"} <= set(descriptor)
    assert descriptor["model"]["measures"]["amount"] == {"source": "amount", "currency": "EUR"}
    functional = descriptor["model"]["dimensions"]["functional_classification"]
    assert functional["classificationType"] == "functional"
    assert functional["attributes"]["fn2_code"]["parent"] == "fn1_code"


OTHER_CITY = {
    "name": "somewhere-budget", "title": "Somewhere", "resources": [{"name": "b", "path": "data/b.csv",
                                                                     "dialect": {"delimiter": ";"},
                                                                     "schema": {"fields": [
                                                                         {"name": "Plan", "type": "number",
                                                                          "decimalChar": ","}]}}],
    "model": {
        "measures": {
            "plan": {"source": "Plan", "currency": "GBP", "phase": "approved"},
            "actual": {"source": "Outturn", "currency": "GBP", "phase": "executed"},
        },
        "dimensions": {
            "year": {"dimensionType": "datetime", "attributes": {"year": {"source": "Period"}}, "primaryKey": "year"},
            "type": {"dimensionType": "other", "attributes": {"direction": {"source": "Kind"}},
                     "primaryKey": "direction"},
            "service": {
                "dimensionType": "classification", "classificationType": "functional",
                "attributes": {
                    "sub": {"source": "SubCode", "parent": "main"},
                    "main": {"source": "MainCode"},
                    "main_label": {"source": "Main", "labelfor": "main"},
                    "sub_label": {"source": "Sub", "labelfor": "sub"},
                },
                "primaryKey": ["main", "sub"],
            },
            "ward": {"dimensionType": "location", "attributes": {"ward": {"source": "Ward"}}, "primaryKey": "ward"},
        },
    },
}
OTHER_CSV = """Period;Kind;MainCode;Main;SubCode;Sub;Ward;Plan;Outturn
2023-04-01;expenditure;01;Care;0101;Homes;;1.000,50;990
2023-04-01;expenditure;01;Care;0102;Day centres;E05011350;200;210,25
2023-04-01;revenue;02;Fees;0201;Parking;;50;45
"""


def test_import_of_a_hand_written_package_with_two_measures():
    files = [("datapackage.json", json.dumps(OTHER_CITY).encode()), ("b.csv", OTHER_CSV.encode())]
    plan = importer.prepare(files, MANCHESTER)
    assert plan.ok, plan.report.text()
    totals = {(r["phase"], r["direction"]): r["amount"] for r in plan.preview}
    assert totals == {("approved", "expenditure"): 1200.50, ("executed", "expenditure"): 1200.25,
                      ("approved", "revenue"): 50.0, ("executed", "revenue"): 45.0}
    lines = plan.lines
    assert set(lines["fiscal_year"]) == {2023} and set(lines["currency"]) == {"GBP"}
    homes = lines[lines["fn2_code"] == "0101"].iloc[0]
    assert (homes["fn1_code"], homes["fn1_name"], homes["fn2_name"]) == ("01", "Care", "Homes")
    assert set(lines.loc[lines["district_code"] != "", "district_name"]) == {"Ancoats & Beswick"}


def test_broken_packages_are_reported():
    missing_model = {k: v for k, v in OTHER_CITY.items() if k != "model"}
    plan = importer.prepare([("datapackage.json", json.dumps(missing_model).encode())], MANCHESTER)
    assert not plan.ok and "model" in plan.report.text()
    plan = importer.prepare([("datapackage.json", json.dumps(OTHER_CITY).encode())], MANCHESTER)
    assert not plan.ok and "data/b.csv is missing" in plan.report.text()
    online = json.loads(json.dumps(OTHER_CITY))
    online["resources"][0]["path"] = "https://example.org/b.csv"
    plan = importer.prepare([("datapackage.json", json.dumps(online).encode())], MANCHESTER)
    assert not plan.ok and "on the web" in plan.report.text()
    no_direction = json.loads(json.dumps(OTHER_CITY))
    del no_direction["model"]["dimensions"]["type"]
    plan = importer.prepare([("datapackage.json", json.dumps(no_direction).encode()), ("b.csv", OTHER_CSV.encode())],
                            MANCHESTER)
    assert not plan.ok and "direction" in plan.report.text()
    plan = importer.prepare([("datapackage.json", b"{not json")], MANCHESTER)
    assert not plan.ok and "not valid JSON" in plan.report.text()


def test_resources_beside_a_descriptor_never_leave_its_folder(tmp_path):
    (tmp_path / "pkg").mkdir()
    (tmp_path / "secret.csv").write_text("x")
    (tmp_path / "pkg" / "b.csv").write_text(OTHER_CSV)
    descriptor = {"resources": [{"path": "b.csv"}, {"path": "../secret.csv"}, {"path": "/etc/passwd"}]}
    path = tmp_path / "pkg" / "datapackage.json"
    path.write_text(json.dumps(descriptor))
    assert [name for name, _ in fdp.resources_beside(path)] == ["b.csv"]
