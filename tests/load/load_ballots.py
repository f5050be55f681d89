"""Load and fault test of ballot casting (run on demand; pytest does not collect tests/load).

    PYTHONPATH=$PWD .venv/bin/python -m tests.load.load_ballots [--voters 6000] [--clients 48] [--workers 2]
        [--threads 8] [--fault none|kill|pg-restart|all] [--port 8071]

What it does, all on this machine with real processes and real HTTP:
1. a private schema in PostgreSQL (TEST_DATABASE_URL), migrated; a cycle open for voting (30 projects,
   knapsack ballot) and N voter accounts; every voter gets a signed-in session cookie and CSRF token;
2. `gunicorn app:server` (production mode; 2 gthread workers of 8 threads, the best of the settings tried on
   2 cores) on PostgreSQL, with Redis (REDIS_URL) for the rate-limit counters and the cache, as in production;
3. a separate client process (this one; threads, one HTTP connection per voter as from distinct browsers) casts
   every voter's ballot through the same Dash callback request the browser sends (`/_dash-update-component`, CSRF
   header), as fast as the server answers, and records latency and the receipt code of every acknowledged ballot;
4. optionally, in the middle: a worker SIGKILLed (gunicorn starts a new one), or PostgreSQL restarted (a CHECKPOINT,
   then `pg_ctlcluster --skip-systemctl-redirect 15 main restart -m immediate`: a crash). A voter whose request fails
   tries again
   after a pause (as a person would press the button again), up to 6 times;
5. at the end it compares with the database: every acknowledged receipt is stored with the choices sent, no voter
   has two live ballots, and each unacknowledged attempt is either absent or a complete ballot.

Rate limits: ballots are limited per voter (PORTAL_RATELIMIT_BALLOT, default 20/minute), never per address, so
the load from one address is not throttled; log-in is not exercised (sessions are minted), so its per-address
limit does not matter here.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import queue
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url

from portal.config import Config
from portal.db import Database
from portal.migrate import upgrade
from portal.models import Ballot, Role, User
from tests.participation import cycle_with_ballot, quick_user
from tests.servers import SECRET, Gunicorn, ballot_body, receipt_from, server_env, signed_in_cookies, wait_healthy

PG_URL = os.environ.get("TEST_DATABASE_URL", "postgresql+psycopg://root@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("LOAD_REDIS_URL", "redis://127.0.0.1:6379/15")
PROJECTS = [(f"Project {i}", 5_000 + 7_919 * i % 60_000) for i in range(30)]


@dataclass
class Attempt:
    voter: int
    approved: list[str]
    receipt: str | None = None
    statuses: list[int] = field(default_factory=list)
    latencies: list[float] = field(default_factory=list)
    acknowledged_at: float | None = None


def make_schema() -> tuple[str, str]:
    name = f"load_{uuid.uuid4().hex[:10]}"
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{name}"'))
    admin.dispose()
    url = make_url(PG_URL).update_query_dict({"options": f"-csearch_path={name}"})
    return name, url.render_as_string(hide_password=False)


def drop_schema(name: str) -> None:
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP SCHEMA IF EXISTS "{name}" CASCADE'))
    admin.dispose()


def setup(url: str, voters: int, instance: Path):
    """The cycle, the voters and their signed-in cookies."""
    db = Database(url)
    upgrade(db)
    with db.session() as session:
        officer = quick_user(session, Role.OFFICER)
        cycle, made = cycle_with_ballot(session, officer, PROJECTS, total_budget="500000")
        users = [User(email=f"v{i}-{uuid.uuid4().hex[:6]}@load.example", password_hash="!") for i in range(voters)]
        session.add_all(users)
        session.flush()
        cycle_id, ids, user_ids = cycle.id, [str(p.id) for p in made], [u.id for u in users]
    from portal import create_app

    app = create_app(Config(database_url=url, secret_key=SECRET, production=True, auto_setup=False,
                            seed_demo=False, instance_path=instance, log_level="WARNING"))
    cookies = {}
    with db.session() as session:
        for user in session.scalars(select(User).where(User.id.in_(user_ids))):
            cookies[user.id] = signed_in_cookies(app.server, user)
    db.dispose()
    return cycle_id, ids, user_ids, cookies


def cast_all(port: int, cycle_id: int, ids: list[str], user_ids: list[int], cookies: dict, clients: int,
             fault=None, max_tries: int = 6) -> tuple[list[Attempt], float, dict]:
    rng = random.Random(7)
    attempts = [Attempt(uid, rng.sample(ids, rng.randint(1, 5))) for uid in user_ids]
    work: queue.Queue[Attempt | None] = queue.Queue()
    for attempt in attempts:
        work.put(attempt)
    done = threading.Semaphore(0)
    progress = {"acknowledged": 0, "errors": 0, "fault_at": None}
    lock = threading.Lock()

    def client():
        while True:
            try:
                attempt = work.get(timeout=0.5)
            except queue.Empty:
                if progress.get("finished"):
                    return
                continue
            if attempt is None:
                return
            cookie, token = cookies[attempt.voter]
            body = json.dumps(ballot_body(cycle_id, attempt.approved))
            headers = {"Content-Type": "application/json", "X-CSRFToken": token,
                       "Cookie": f"portal_session={cookie}", "Accept-Encoding": "br, gzip"}
            start = time.perf_counter()
            status, payload = 0, b""
            # one connection per voter, as thousands of browsers would open (a kept-alive connection would
            # pin this client thread to one gunicorn worker)
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            try:
                conn.request("POST", "/_dash-update-component", body=body, headers=headers)
                response = conn.getresponse()
                status, payload = response.status, response.read()
            except (OSError, http.client.HTTPException):
                pass
            finally:
                conn.close()
            elapsed = time.perf_counter() - start
            attempt.statuses.append(status)
            attempt.latencies.append(elapsed)
            receipt = None
            if status == 200:
                encoding = response.getheader("Content-Encoding")
                if encoding == "br":
                    import brotli

                    payload = brotli.decompress(payload)
                elif encoding == "gzip":
                    import gzip

                    payload = gzip.decompress(payload)
                receipt = receipt_from(json.loads(payload))
            if receipt:
                attempt.receipt = receipt
                attempt.acknowledged_at = time.perf_counter()
                with lock:
                    progress["acknowledged"] += 1
                done.release()
            elif len(attempt.statuses) < max_tries:
                with lock:
                    progress["errors"] += 1
                threading.Timer(0.25 * 2 ** (len(attempt.statuses) - 1), work.put, args=(attempt,)).start()
            else:
                with lock:
                    progress["errors"] += 1
                done.release()

    threads = [threading.Thread(target=client, daemon=True) for _ in range(clients)]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    fault_thread = None
    if fault is not None:
        def trigger():
            while progress["acknowledged"] < len(attempts) * 0.4:
                time.sleep(0.05)
            progress["fault_at"] = time.perf_counter() - start
            fault()

        fault_thread = threading.Thread(target=trigger, daemon=True)
        fault_thread.start()
    for _ in attempts:
        done.acquire()
    elapsed = time.perf_counter() - start
    progress["finished"] = True
    for thread in threads:
        thread.join(timeout=5)
    if fault_thread is not None:
        fault_thread.join(timeout=30)
    return attempts, elapsed, progress


def verify(url: str, cycle_id: int, attempts: list[Attempt]) -> dict:
    """Acknowledged vs stored: none lost, none duplicated, unacknowledged absent or complete."""
    engine = create_engine(url)
    with engine.connect() as conn:
        rows = conn.execute(select(Ballot.voter_key, Ballot.receipt_code, Ballot.choices, Ballot.replaced_at)
                            .where(Ballot.cycle_id == cycle_id)).all()
    engine.dispose()
    live: dict[str, list] = {}
    by_receipt = {}
    for voter_key, receipt, choices, replaced_at in rows:
        by_receipt[receipt] = (voter_key, choices, replaced_at)
        if replaced_at is None:
            live.setdefault(voter_key, []).append(receipt)
    acknowledged = [a for a in attempts if a.receipt]
    lost = [a for a in acknowledged if a.receipt not in by_receipt]
    wrong = [a for a in acknowledged if a.receipt in by_receipt
             and sorted(by_receipt[a.receipt][1].get("approved", [])) != sorted(a.approved)]
    not_live = [a for a in acknowledged if a.receipt in by_receipt and by_receipt[a.receipt][2] is not None]
    duplicated = {k: v for k, v in live.items() if len(v) > 1}
    expected_keys = {f"user:{a.voter}" for a in attempts}
    unacknowledged = [a for a in attempts if not a.receipt]
    unack_stored = [a for a in unacknowledged if f"user:{a.voter}" in live]
    incomplete = [r for r, (k, choices, _) in by_receipt.items()
                  if k in expected_keys and not choices.get("approved")]
    extra = [r for r, (k, _c, _r) in by_receipt.items() if k not in expected_keys]
    # an acknowledged voter retried after an unacknowledged first try: the earlier stored copy is replaced
    replaced_copies = sum(1 for _k, _c, replaced_at in by_receipt.values() if replaced_at is not None)
    failed_tries = sum(len(a.statuses) - (1 if a.receipt else 0) for a in attempts)
    return {
        "failed_tries": failed_tries,
        "failed_tries_stored_complete": replaced_copies + len(unack_stored),
        "failed_tries_absent": failed_tries - replaced_copies - len(unack_stored),
        "ballots_sent": len(attempts), "acknowledged": len(acknowledged), "unacknowledged": len(unacknowledged),
        "rows_in_database": len(rows), "live_ballots": sum(len(v) for v in live.values()),
        "lost": len(lost), "wrong_choices": len(wrong), "acknowledged_not_live": len(not_live),
        "voters_with_two_live_ballots": len(duplicated), "unacknowledged_but_stored_complete": len(unack_stored),
        "incomplete_rows": len(incomplete), "rows_of_unknown_voters": len(extra),
        "replaced_copies_from_retries": replaced_copies,
        "ok": not (lost or wrong or not_live or duplicated or incomplete or extra),
    }


def percentiles(values: list[float]) -> dict:
    if not values:
        return {}
    cuts = statistics.quantiles(values, n=100, method="inclusive")
    return {"p50_ms": round(cuts[49] * 1000, 1), "p95_ms": round(cuts[94] * 1000, 1),
            "p99_ms": round(cuts[98] * 1000, 1), "max_ms": round(max(values) * 1000, 1)}


def pg_restart(mode: str = "immediate") -> float:
    """Restart PostgreSQL; returns the seconds it was away. A CHECKPOINT first keeps the window short (the
    shared test cluster holds thousands of files); `immediate` is a crash: recovery replays the WAL, so only
    what was committed (acknowledged) survives."""
    engine = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text("CHECKPOINT"))
    engine.dispose()
    start = time.monotonic()
    subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", "15", "main", "restart", "-m", mode],
                   check=True, capture_output=True)
    return time.monotonic() - start


def run(kind: str, args, url: str, cycle_id: int, ids, user_ids, cookies, instance: Path) -> dict:
    env = server_env(url, instance, REDIS_URL=REDIS_URL, PORTAL_BACKGROUND="diskcache")
    log = instance / f"gunicorn-{kind}.log"
    with Gunicorn(args.port, env, workers=args.workers, threads=args.threads, log=log) as server:
        info: dict = {}

        def fault():
            if kind == "kill":
                victim = server.worker_pids()[0]
                os.kill(victim, signal.SIGKILL)
                info["killed_worker"] = victim
            elif kind == "pg-restart":
                info["pg_restart_s"] = round(pg_restart(), 2)
            fault_start = time.monotonic()
            info["healthy_again_after_s"] = round(wait_healthy(server.url, timeout=60) + 0, 2)
            info["recovery_measured_from_fault_end_s"] = round(time.monotonic() - fault_start, 2)

        import psutil

        workers_before = _cpu(server.proc.pid)
        postgres_before = _postgres_cpu()
        client_before = time.process_time()
        attempts, elapsed, progress = cast_all(args.port, cycle_id, ids, user_ids, cookies, args.clients,
                                               fault=None if kind == "none" else fault)
        cpu = {"client_process_cpu_s": round(time.process_time() - client_before, 1),
               "app_server_cpu_s": round(_cpu(server.proc.pid) - workers_before, 1),
               "postgres_cpu_s": round(_postgres_cpu() - postgres_before, 1),
               "machine_load_average_1min": round(psutil.getloadavg()[0], 1)}
        first_try = [a.latencies[0] for a in attempts if a.latencies]
        all_tries = [lat for a in attempts for lat in a.latencies]
        statuses: dict[str, int] = {}
        for a in attempts:
            for s in a.statuses:
                statuses[str(s)] = statuses.get(str(s), 0) + 1
        report = {
            "scenario": kind, "voters": len(attempts), "seconds": round(elapsed, 2),
            "ballots_per_second": round(sum(1 for a in attempts if a.receipt) / elapsed, 1),
            "latency_all_requests": percentiles(all_tries), "latency_first_try": percentiles(first_try),
            "http_statuses": statuses, "retries": sum(len(a.statuses) - 1 for a in attempts),
            "fault_at_s": round(progress["fault_at"], 2) if progress.get("fault_at") else None, **info, **cpu,
        }
    report["database"] = verify(url, cycle_id, attempts)
    return report


def _cpu(pid: int) -> float:
    """CPU seconds used so far by the gunicorn master and its workers (live ones)."""
    import psutil

    total = 0.0
    try:
        master = psutil.Process(pid)
        for proc in [master, *master.children(recursive=True)]:
            times = proc.cpu_times()
            total += times.user + times.system
    except psutil.Error:
        pass
    return total


def _postgres_cpu() -> float:
    """CPU seconds used so far by the PostgreSQL processes (all databases: other work on the machine counts)."""
    import psutil

    total = 0.0
    for proc in psutil.process_iter(["name"]):
        if proc.info["name"] and proc.info["name"].startswith("postgres"):
            try:
                times = proc.cpu_times()
                total += times.user + times.system
            except psutil.Error:
                continue
    return total


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--voters", type=int, default=6000)
    parser.add_argument("--clients", type=int, default=48)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--port", type=int, default=8071)
    parser.add_argument("--fault", choices=["none", "kill", "pg-restart", "all"], default="all")
    parser.add_argument("--keep", action="store_true", help="keep the schema for inspection")
    args = parser.parse_args(argv)
    kinds = ["none", "kill", "pg-restart"] if args.fault == "all" else [args.fault]
    reports = []
    for kind in kinds:
        schema, url = make_schema()
        instance = Path(tempfile.mkdtemp(prefix="pb-load-"))
        try:
            t0 = time.perf_counter()
            cycle_id, ids, user_ids, cookies = setup(url, args.voters, instance)
            print(f"[{kind}] set up {len(user_ids)} voters in {time.perf_counter() - t0:.1f} s", file=sys.stderr)
            report = run(kind, args, url, cycle_id, ids, user_ids, cookies, instance)
            reports.append(report)
            print(json.dumps(report, indent=1))
        finally:
            if not args.keep:
                drop_schema(schema)
    ok = all(r["database"]["ok"] for r in reports)
    print("ALL CONSISTENT" if ok else "INCONSISTENT: see the reports above")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
