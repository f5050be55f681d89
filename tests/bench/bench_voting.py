"""Benchmark of the voting engine against pabutools' stored times (not a test; prints a table).

Run:  python tests/bench/bench_voting.py [--quick] [NAME_FRAGMENT ...]
Per instance and rule: our time (best of 1 run, one core), pabutools' time from the reference JSON
(shared/pabulib/reference when present, else tests/fixtures/pabulib/reference), and the ratio. Then,
per instance, parse + MES + add1 wall time and the peak of Python memory allocations (tracemalloc,
numpy included) during that, against the size of the uncompressed .pb file.
"""

from __future__ import annotations

import gc
import gzip
import json
import sys
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from voting import parse_pb, tally  # noqa: E402

FIXTURES = ROOT / "tests" / "fixtures" / "pabulib"
SHARED = ROOT.parent / "shared" / "pabulib"
RULES = {
    "greedy_cost": {"rule": "greedy"},
    "greedy_card": {"rule": "greedy", "sat": "cardinality"},
    "greedy_score": {"rule": "greedy", "sat": "score"},
    "mes_cost": {"rule": "mes", "completion": "none"},
    "mes_card": {"rule": "mes", "completion": "none", "sat": "cardinality"},
    "mes_score": {"rule": "mes", "completion": "none", "sat": "score"},
    "mes_cost_add1_noexh": {"rule": "mes", "completion": "add1"},
    "mes_cost_budget_increase": {"rule": "mes", "completion": "budget-increase"},
    "mes_cost_phragmen": {"rule": "mes", "completion": "phragmen"},
    "phragmen": {"rule": "phragmen"},
    "maxwelfare_cost": {"rule": "max-welfare"},
}


def text_of(stem: str) -> str:
    if (SHARED / f"{stem}.pb").exists():
        return (SHARED / f"{stem}.pb").read_text(encoding="utf-8-sig")
    return gzip.decompress((FIXTURES / f"{stem}.pb.gz").read_bytes()).decode("utf-8-sig")


def reference(stem: str) -> dict:
    for folder in (SHARED / "reference", FIXTURES / "reference"):
        if (folder / f"{stem}.json").exists():
            data = json.loads((folder / f"{stem}.json").read_text())
            break
    for extra in (FIXTURES / "reference_extra").glob(f"{stem}.*.json"):
        entry = json.loads(extra.read_text())
        data.setdefault(entry["rule"], entry)
        if "selected" not in data[entry["rule"]]:
            data[entry["rule"]] = entry
    return data


def main(argv: list[str]) -> None:
    quick = "--quick" in argv
    wanted = [a for a in argv if not a.startswith("--")]
    stems = sorted(p.name[: -len(".pb.gz")] for p in FIXTURES.glob("*.pb.gz"))
    stems = [s for s in stems if not wanted or any(w in s for w in wanted)]
    print(f"{'instance':<42}{'rule':<26}{'ours s':>9}{'pabutools s':>13}{'ratio':>9}  same")
    worst = []
    for stem in stems:
        text = text_of(stem)
        election = parse_pb(text)
        ref = reference(stem)
        for key, spec in RULES.items():
            entry = ref.get(key)
            if entry is None:
                continue
            if (
                quick
                and key in ("mes_cost_add1_noexh", "mes_cost_budget_increase")
                and len(election.profile) > 4000
            ):
                continue
            start = time.perf_counter()
            outcome = tally(election, explain=False, **spec)
            ours = time.perf_counter() - start
            theirs = entry.get("seconds")
            flag = (
                " (timeout)"
                if entry.get("timeout")
                else " (out of memory)"
                if entry.get("memory_exceeded")
                else ""
            )
            same = (
                "-"
                if "selected" not in entry
                else ("yes" if sorted(outcome.selected) == sorted(entry["selected"]) else "NO")
            )
            ratio = theirs / ours if theirs else float("nan")
            worst.append((ratio, stem, key))
            print(f"{stem[:41]:<42}{key:<26}{ours:>9.4f}{theirs:>12.4f}{flag[:2]:<1}{ratio:>9.0f}x  {same}")
    print()
    print(f"{'instance':<42}{'file MB':>8}{'parse+MES+add1 s':>18}{'peak MB':>9}{'peak/file':>10}")
    for stem in stems:
        text = text_of(stem)
        size = len(text.encode("utf-8"))
        gc.collect()
        tracemalloc.start()
        start = time.perf_counter()
        election = parse_pb(text)
        tally(election, "mes", "add1", explain=False)
        seconds = time.perf_counter() - start
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        start = time.perf_counter()
        election = parse_pb(text)
        tally(election, "mes", "add1", explain=False)
        untraced = time.perf_counter() - start
        print(
            f"{stem[:41]:<42}{size / 1e6:>8.2f}{untraced:>18.3f}{peak / 1e6:>9.1f}{peak / size:>10.1f}"
            f"   (traced run {seconds:.2f} s)"
        )
    worst.sort()
    print("\nlowest ratios:", ", ".join(f"{s}/{k}: {r:.0f}x" for r, s, k in worst[:8]))


if __name__ == "__main__":
    main(sys.argv[1:])
