"""Benchmark of the participation hot paths (run on demand, prints numbers; pytest does not collect it).

    PYTHONPATH=$PWD .venv/bin/python tests/bench/bench_cycle.py [--ballots 2000] [--threads 8] [--count 20000]

- cast_ballot: ballots per second and latency (p50, p99), one thread and several threads, on a SQLite file
  and on PostgreSQL (TEST_DATABASE_URL, a private schema) when it answers;
- counting: the time to count N synthetic ballots with the cycle's rule (and the comparison of every rule
  that a count stores), on SQLite.
Numbers from a shared 2-core machine are noisy: compare ratios, not absolute values.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, select, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from portal.db import Database  # noqa: E402
from portal.migrate import upgrade  # noqa: E402
from portal.models import Ballot, CyclePhase, Role, User  # noqa: E402
from portal.participation import counting, phases  # noqa: E402
from portal.participation.ballots import Voter, cast_ballot  # noqa: E402
from tests.participation import cycle_with_ballot, quick_user  # noqa: E402

PROJECTS = [(f"Project {i}", 5_000 + 7_919 * i % 60_000) for i in range(30)]


def _setup(db: Database, voters: int):
    with db.session() as session:
        officer = quick_user(session, Role.OFFICER)
        cycle, made = cycle_with_ballot(session, officer, PROJECTS, total_budget="500000")
        users = [User(email=f"{uuid.uuid4().hex}@bench.org", password_hash="!") for _ in range(voters)]
        session.add_all(users)
        session.flush()
        return cycle.id, officer.id, [str(p.id) for p in made], [u.id for u in users]


def _ballot(rng: random.Random, ids: list[str]) -> list[str]:
    return rng.sample(ids, rng.randint(1, 5))


def bench_cast(db: Database, ballots: int, threads: int) -> dict:
    cycle_id, _officer, ids, user_ids = _setup(db, ballots)
    with db.session() as session:
        users = {u.id: u for u in session.scalars(select(User).where(User.id.in_(user_ids)))}
        for u in users.values():
            session.expunge(u)
    results = {}
    for label, n_threads in (("1 thread", 1), (f"{threads} threads", threads)):
        latencies: list[float] = []
        lock = threading.Lock()
        chunks = [user_ids[i::n_threads] for i in range(n_threads)]

        def work(chunk, seed, latencies=latencies, lock=lock):
            rng = random.Random(seed)
            session = db.sessionmaker()
            local = []
            try:
                for uid in chunk:
                    start = time.perf_counter()
                    cast_ballot(session, cycle_id, Voter.for_user(users[uid]), _ballot(rng, ids))
                    local.append(time.perf_counter() - start)
            finally:
                session.close()
            with lock:
                latencies.extend(local)

        workers = [threading.Thread(target=work, args=(chunk, i)) for i, chunk in enumerate(chunks)]
        started = time.perf_counter()
        for w in workers:
            w.start()
        for w in workers:
            w.join()
        elapsed = time.perf_counter() - started
        latencies.sort()
        results[label] = {
            "ballots_per_s": len(latencies) / elapsed,
            "p50_ms": statistics.median(latencies) * 1000,
            "p99_ms": latencies[int(len(latencies) * 0.99) - 1] * 1000,
        }
    with db.session() as session:
        live = session.scalar(select(text("count(*)")).select_from(Ballot).where(Ballot.replaced_at.is_(None)))
        assert live == len(user_ids), (live, len(user_ids))  # the second round replaced every ballot
    return results


def bench_count(db: Database, voters: int) -> dict:
    cycle_id, officer_id, ids, _users = _setup(db, 0)
    rng = random.Random(7)
    weights = [rng.random() for _ in ids]
    with db.session() as session:
        rows = []
        for n in range(voters):
            chosen = sorted({rng.choices(ids, weights)[0] for _ in range(rng.randint(1, 5))}, key=int)
            rows.append(Ballot(cycle_id=cycle_id, voter_key=f"bench:{n}", choices={"approved": chosen},
                               receipt_code=f"B{n:015d}"))
        session.add_all(rows)
    with db.session() as session:
        from portal.models import Cycle

        cycle = session.get(Cycle, cycle_id)
        officer = session.get(User, officer_id)
        phases.change_phase(session, cycle, CyclePhase.COUNTING, officer)
        start = time.perf_counter()
        election = counting.cycle_election(session, cycle)
        built = time.perf_counter() - start
        start = time.perf_counter()
        counting.tally_pools(election, cycle.rule, cycle.completion)
        rule_only = time.perf_counter() - start
        start = time.perf_counter()
        counting.count_cycle(session, cycle, officer)
        whole = time.perf_counter() - start
    return {"ballots": voters, "election_from_rows_s": built, "tally_rule_s": rule_only,
            "count_with_all_rules_s": whole}


def _postgres() -> tuple[str, callable] | None:
    url = os.environ.get("TEST_DATABASE_URL", "postgresql+psycopg://root@127.0.0.1:5432/test")
    try:
        admin = create_engine(url, isolation_level="AUTOCOMMIT")
        schema = f"bench_{uuid.uuid4().hex[:10]}"
        with admin.connect() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    except Exception as exc:  # noqa: BLE001
        print(f"PostgreSQL not available ({exc.__class__.__name__}): skipped")
        return None

    def drop():
        with admin.connect() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()

    return make_url(url).update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(
        hide_password=False), drop


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--ballots", type=int, default=2000)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--count", type=int, default=20_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        targets = [("sqlite", f"sqlite:///{tmp}/bench.sqlite3", None)]
        pg = _postgres()
        if pg:
            targets.append(("postgresql", pg[0], pg[1]))
        for name, url, cleanup in targets:
            db = Database(url)
            upgrade(db)
            try:
                for label, r in bench_cast(db, args.ballots, args.threads).items():
                    print(f"cast_ballot {name:<10} {label:<10}: {r['ballots_per_s']:7.0f} ballots/s, "
                          f"p50 {r['p50_ms']:6.1f} ms, p99 {r['p99_ms']:6.1f} ms")
            finally:
                db.dispose()
                if cleanup:
                    cleanup()
        db = Database(f"sqlite:///{tmp}/count.sqlite3")
        upgrade(db)
        r = bench_count(db, args.count)
        print(f"count {r['ballots']:,} ballots, 30 projects (sqlite): rows -> election "
              f"{r['election_from_rows_s']:.2f} s, the cycle's rule {r['tally_rule_s']:.2f} s, "
              f"count_cycle with every rule compared {r['count_with_all_rules_s']:.2f} s")
        db.dispose()


if __name__ == "__main__":
    main()
