"""Benchmarks of the budget explorer (printed, not asserted):

- server time of the drill-down callback against a no-op callback on the same server (the framework's
  floor), through the Flask test client, on the Köln budget and on a generated budget of 1M lines;
- import time of the Köln files and of a 1M-line CSV, against plain pandas.read_csv of the same files.

    PYTHONPATH=$PWD .venv/bin/python -m tests.bench.bench_explorer [--lines 1000000] [--runs 30] [--postgres]

Targets (from the issue): drill-down within 3x the floor on Köln, under 300 ms on 1M lines.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import pandas as pd
from dash import Input, Output

from portal.budget import explorer, importer
from portal.city import DATA, load_city
from portal.security import ACCESS_ATTR, Access
from tests.bench.generate_budget import generate
from tests.helpers import csrf_token, post_callback

ROOT = Path(__file__).resolve().parents[2]
PG_URL = "postgresql+psycopg://root@127.0.0.1:5432/test"


def median_ms(fn, runs: int) -> tuple[float, float]:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times), min(times)


def make_app(url: str, instance: Path, seed: bool):
    from portal import create_app
    from tests.conftest import make_config

    app = create_app(make_config(url, instance, seed_demo=seed))

    def noop(value):
        return value

    setattr(noop, ACCESS_ATTR, Access.PUBLIC)
    app.callback(Output("bench-noop-out", "children"), Input("bench-noop-in", "value"))(noop)
    return app


def drill_body(view: dict, suffix: str) -> dict:
    """The request the browser sends when a treemap box is clicked."""
    ids = ["budget-year", "budget-phase", "budget-statement", "budget-direction", "budget-measure", "budget-district"]
    values = [view["year"], view["phase"], view["statement"], view["direction"], view["measure"], view["district"]]
    outputs = [("budget-view", "data"), ("budget-treemap", "figure"), ("budget-crumbs", "children"),
               ("budget-headline", "children"), ("budget-phase", "options"), ("budget-phase", "value"),
               ("budget-treemap", "clickData"), ("budget-participatory", "value"), ("budget-year", "value"),
               ("budget-statement", "value"), ("budget-direction", "value")]
    return {
        "output": ".." + "...".join(f"{i}.{p}" for i, p in outputs) + "..",
        "outputs": [{"id": i, "property": p} for i, p in outputs],
        "inputs": [{"id": "budget-treemap", "property": "clickData",
                    "value": {"points": [{"customdata": [0, suffix], "id": suffix}]}},
                   [],
                   *[{"id": i, "property": "value", "value": v} for i, v in zip(ids, values, strict=True)],
                   {"id": "budget-participatory", "property": "value", "value": bool(view.get("participatory"))}],
        "state": [{"id": "budget-view", "property": "data", "value": {"view": view}}],
        "changedPropIds": ["budget-treemap.clickData"],
    }


NOOP = {"output": "bench-noop-out.children", "outputs": {"id": "bench-noop-out", "property": "children"},
        "inputs": [{"id": "bench-noop-in", "property": "value", "value": "x"}], "state": [],
        "changedPropIds": ["bench-noop-in.value"]}


def bench_callbacks(app, city_slug: str, targets: list[tuple[dict, str]], runs: int, label: str) -> None:
    client = app.server.test_client()
    token = csrf_token(client)

    def call(body):
        response = post_callback(client, body, token)
        assert response.status_code == 200, response.data[:300]
        return response

    call(NOOP)
    for view, suffix in targets:  # warm the process cache (the lines frame) once
        call(drill_body(view, suffix))
    floor, floor_min = median_ms(lambda: call(NOOP), runs)
    warm, warm_min = median_ms(lambda: [call(drill_body(v, s)) for v, s in targets[:1]], runs)
    db = app.server.extensions["portal_db"]
    with db.session() as session:
        data = explorer.budget_data(session, city_slug)

    def cold():
        data.memo.clear()  # every aggregation computed again (the lines frame stays loaded)
        call(drill_body(*targets[0]))

    cold_median, cold_min = median_ms(cold, runs)
    print(f"\n[{label}] drill-down callback, server time through the Flask test client (median of {runs}):")
    print(f"  no-op callback (floor)          {floor:8.2f} ms   (min {floor_min:.2f})")
    print(f"  drill-down, aggregation cached  {warm:8.2f} ms   (min {warm_min:.2f})   ratio {warm / floor:5.2f}x")
    print(f"  drill-down, aggregation fresh   {cold_median:8.2f} ms   (min {cold_min:.2f})   ratio "
          f"{cold_median / floor:5.2f}x")


def bench_import(files: list[Path], city, db, label: str, runs: int = 3) -> None:
    pandas_ms, _ = median_ms(lambda: [pd.read_csv(f) for f in files], runs)
    payload = importer.read_paths(files)
    plans = []
    check_ms, _ = median_ms(lambda: plans.append(importer.prepare(payload, city)), runs)
    plan = plans[-1]
    assert plan.ok, plan.report.text()
    start = time.perf_counter()
    with db.session() as session:
        importer.apply(session, plan)
    write_ms = (time.perf_counter() - start) * 1000
    print(f"\n[{label}] import of {len(files)} file(s), {len(plan.lines):,} budget lines:")
    print(f"  pandas.read_csv (plain)         {pandas_ms:10.1f} ms")
    print(f"  read + check (portal importer)  {check_ms:10.1f} ms   ratio {check_ms / pandas_ms:5.2f}x")
    print(f"  write to {db.dialect:10s}            {write_ms:10.1f} ms   (one transaction)")
    print(f"  total                           {check_ms + write_ms:10.1f} ms   ratio "
          f"{(check_ms + write_ms) / pandas_ms:5.2f}x")


def main() -> None:
    parser = argparse.ArgumentParser(description="budget explorer benchmarks")
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--postgres", action="store_true", help="also run the 1M-line part on PostgreSQL")
    args = parser.parse_args()
    koeln = load_city("koeln")
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        # Köln: import, then callbacks
        app = make_app(f"sqlite:///{tmp / 'koeln.sqlite3'}", tmp, seed=False)
        db = app.server.extensions["portal_db"]
        bench_import([DATA / f for f in koeln.budget["files"]], koeln, db, "Köln, SQLite")
        view = explorer.parse_view({"year": "2015"}).as_dict()
        bench_callbacks(app, "koeln", [(view, "05"), ({**view, "path": ["05"]}, "0501")], args.runs, "Köln")
        # 1M lines
        csv_path = tmp / "budget_1m.csv"
        generate(args.lines).to_csv(csv_path, index=False, float_format="%.2f")
        urls = [("SQLite", f"sqlite:///{tmp / 'big.sqlite3'}")]
        if args.postgres:
            from tests.conftest import PgSchema

            schema = PgSchema()
            urls.append(("PostgreSQL", schema.url))
        for name, url in urls:
            big = make_app(url, tmp, seed=False)
            big_db = big.server.extensions["portal_db"]
            bench_import([csv_path], koeln, big_db, f"{args.lines:,} lines, {name}", runs=1)
            start = time.perf_counter()
            with big_db.session() as session:
                explorer.budget_data(session, "koeln")
            print(f"  first load of the lines into the explorer's cache: {(time.perf_counter() - start):.1f} s "
                  "(once per process and import)")
            view = explorer.parse_view({"year": "2024", "phase": "approved"}).as_dict()
            bench_callbacks(big, "koeln", [(view, "07"), ({**view, "path": ["07"]}, "0703")], args.runs,
                            f"{args.lines:,} lines, {name}")
        if args.postgres:
            schema.drop()


if __name__ == "__main__":
    main()
