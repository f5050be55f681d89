"""Benchmarks of results flowing back, embeds, exports and the API (printed, not asserted):

- reconciling the participatory lines (publish, import) with many funded projects;
- an embed page, cold (chart built) and revalidated (304), against the no-op callback floor;
- PNG and SVG exports: the first (kaleido starts Chromium once per process) and the next ones;
- the Share / Embed panel callback;
- API: a page of 1,000 budget lines, an aggregate by functional level 2, on Köln and on a generated budget.

    PYTHONPATH=$PWD .venv/bin/python -m tests.bench.bench_feedback [--runs 20] [--lines 1000000] [--projects 300]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from portal.budget import explorer
from portal.city import DATA, load_city
from tests.bench.bench_explorer import NOOP, bench_import, make_app, median_ms
from tests.bench.generate_budget import generate
from tests.helpers import csrf_token, post_callback


def synthetic_projects(db, count: int) -> None:
    """A published cycle with `count` funded projects spread over the districts and categories (no ballots: the
    delivery records are what the participatory lines come from)."""
    from portal.models import BallotType, Category, Cycle, CyclePhase, ProjectDelivery, Proposal

    with db.session() as session:
        cycle = Cycle(city="koeln", year=2030, title="Bench cycle", total_budget=count * 50_000,
                      ballot_type=BallotType.APPROVAL, phase=CyclePhase.RESULTS, settings={})
        cycle.categories = [Category(code=f"c{i}", name=f"Category {i}", functional_code=code)
                            for i, code in enumerate(["13", "12", "04", "06", None])]
        session.add(cycle)
        session.flush()
        for n in range(count):
            proposal = Proposal(cycle_id=cycle.id, title=f"Project {n}", estimated_cost=10_000 + n,
                                category_id=cycle.categories[n % 5].id, district_code=str(n % 9 + 1))
            session.add(proposal)
            session.flush()
            session.add(ProjectDelivery(proposal_id=proposal.id, cycle_id=cycle.id, funded_amount=10_000 + n,
                                        budget_year=2031))


def bench_reconcile(db, projects: int) -> None:
    from portal.feedback.budget_lines import reconcile

    synthetic_projects(db, projects)
    start = time.perf_counter()
    with db.session() as session:
        reconcile(session, "koeln")
    first = (time.perf_counter() - start) * 1000
    start = time.perf_counter()
    with db.session() as session:
        unchanged = reconcile(session, "koeln")
    again = (time.perf_counter() - start) * 1000
    print(f"\n[reconcile] {projects} funded projects -> participatory lines:")
    print(f"  first write                      {first:8.1f} ms")
    print(f"  again, nothing to change         {again:8.1f} ms   (wrote: {unchanged is not None})")


def bench_embeds(app, runs: int) -> None:
    client = app.server.test_client()
    token = csrf_token(client)
    floor, _ = median_ms(lambda: post_callback(client, NOOP, token), runs)
    url = "/embed/budget-treemap?year=2015&path=05"

    def cold():
        with app.server.app_context():
            db = app.server.extensions["portal_db"]
            with db.session() as session:
                explorer.budget_data(session, "koeln").memo.clear()
        response = client.get(url)
        assert response.status_code == 200

    cold_ms, _ = median_ms(cold, runs)
    warm_ms, _ = median_ms(lambda: client.get(url), runs)
    etag = client.get(url).headers["ETag"]
    revalidate_ms, _ = median_ms(lambda: client.get(url, headers={"If-None-Match": etag}), runs)
    size = len(client.get(url).data)
    print(f"\n[embed] {url} ({size / 1024:.0f} KiB of HTML with the figure), server time, median of {runs}:")
    print(f"  no-op callback (floor)           {floor:8.2f} ms")
    print(f"  embed, aggregation fresh         {cold_ms:8.2f} ms   ratio {cold_ms / floor:5.2f}x")
    print(f"  embed, aggregation cached        {warm_ms:8.2f} ms   ratio {warm_ms / floor:5.2f}x")
    print(f"  embed revalidated (304)          {revalidate_ms:8.2f} ms")
    share = {"component": "ShareEmbed", "subcomponent": "store", "aio_id": "budget-treemap"}
    body = {"output": "..{\"aio_id\":[\"MATCH\"],\"component\":\"ShareEmbed\",\"subcomponent\":\"panel\"}.children..."
                      "{\"aio_id\":[\"MATCH\"],\"component\":\"ShareEmbed\",\"subcomponent\":\"summary\"}.children..."
                      "{\"aio_id\":[\"MATCH\"],\"component\":\"ShareEmbed\",\"subcomponent\":\"collapse\"}.is_open..",
            "outputs": [{"id": {**share, "subcomponent": s}, "property": p}
                        for s, p in (("panel", "children"), ("summary", "children"), ("collapse", "is_open"))],
            "inputs": [{"id": share, "property": "data", "value": {"kind": "budget-treemap", "query": "year=2015"}},
                       {"id": {**share, "subcomponent": "toggle"}, "property": "n_clicks", "value": 1}],
            "state": [{"id": share, "property": "id", "value": share}], "changedPropIds": []}
    panel_ms, _ = median_ms(lambda: post_callback(client, body, token), runs)
    print(f"  Share / Embed panel callback     {panel_ms:8.2f} ms   ratio {panel_ms / floor:5.2f}x")
    for n, fmt in enumerate(("png", "svg")):
        start = time.perf_counter()
        first = client.get(f"/charts/budget-treemap.{fmt}?year=2014&width=900&height=500")
        first_ms = (time.perf_counter() - start) * 1000
        assert first.status_code == 200, first.data[:200]
        widths = iter(range(600, 600 + runs))
        next_ms, _ = median_ms(lambda f=fmt, w=widths: client.get(
            f"/charts/budget-treemap.{f}?year=2015&width={next(w)}&height=500"), min(runs, 8))
        note = "(starts kaleido's Chromium)" if n == 0 else "(kaleido running)        "
        print(f"  {fmt.upper()} export: first {first_ms:8.0f} ms {note}, then {next_ms:6.0f} ms each "
              f"({len(first.data) / 1024:.0f} KiB)")


def bench_api(app, runs: int, label: str, year: int) -> None:
    client = app.server.test_client()
    urls = [f"/api/v1/budget/lines?year={year}&limit=1000", f"/api/v1/budget/aggregate?group_by=fn2&year={year}",
            "/api/v1/budget/aggregate?group_by=year,phase,fn1,district&limit=1000"]
    client.get(urls[0])  # the lines frame into the process cache
    print(f"\n[API, {label}] server time, median of {runs}:")
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, response.data[:300]
        ms, _ = median_ms(lambda u=url: client.get(u), runs)
        print(f"  {url:70s} {ms:8.2f} ms   ({len(response.data) / 1024:.0f} KiB)")


def main() -> None:
    parser = argparse.ArgumentParser(description="results flow back, embeds, exports, API")
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--projects", type=int, default=300)
    args = parser.parse_args()
    koeln = load_city("koeln")
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        app = make_app(f"sqlite:///{tmp / 'koeln.sqlite3'}", tmp, seed=False)
        db = app.server.extensions["portal_db"]
        bench_import([DATA / f for f in koeln.budget["files"]], koeln, db, "Köln, SQLite", runs=1)
        bench_reconcile(db, args.projects)
        bench_embeds(app, args.runs)
        bench_api(app, args.runs, "Köln", 2015)
        if args.lines:
            csv_path = tmp / "budget_big.csv"
            generate(args.lines).to_csv(csv_path, index=False, float_format="%.2f")
            big = make_app(f"sqlite:///{tmp / 'big.sqlite3'}", tmp, seed=False)
            bench_import([csv_path], koeln, big.server.extensions["portal_db"], f"{args.lines:,} lines", runs=1)
            bench_api(big, args.runs, f"{args.lines:,} lines", 2024)


if __name__ == "__main__":
    main()
