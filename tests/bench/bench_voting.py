"""Benchmark of the voting engine against pabutools' stored times (not a test; prints tables).

Run:  python tests/bench/bench_voting.py [--quick] [--repeat N] [NAME_FRAGMENT ...]

Per instance and rule: our wall time, best of N runs (default 3), one core (and the process CPU time
of the cold run, best of N, which a busy shared machine disturbs less):
  * "cold": on a fresh Election object sharing the parsed data, so the counting form (identical
    ballots merged, satisfaction arrays) is built inside the timing, as a portal request that counts a
    new election would do;
  * "warm": again on the same Election, the counting form cached (what a second rule on the same
    election costs).
pabutools' time comes from the reference JSON (shared/pabulib/reference when present, else
tests/fixtures/pabulib/reference; reference_extra for the rules the shared set lacks). pabutools' rule
times exclude parsing and merging identical ballots (as_multiprofile); for 5 large files they also
exclude building the satisfaction profile. The ratio is pabutools / ours cold (wall), the cpu ratio
pabutools / ours cold (CPU time); on a busy machine the wall time counts other people's work too.

Derived pabutools figures (marked *): add1-greedy = official add1 (mes_cost_add1_noexh) + its greedy
stage (stored separately, computed from the stored add1 outcome); add1-comparison = official add1 +
greedy_cost (pabutools has no such rule; the comparison itself is negligible).

Then the floor (what a tally costs when there is nothing to count), and per instance: parse + MES +
add1 wall time (best of N), the peak of Python allocations (tracemalloc, numpy included) and the
growth of the process's resident memory (each instance in a fresh subprocess) against the size of
the uncompressed .pb file.
"""

from __future__ import annotations

import gc
import gzip
import json
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from voting import Ballot, Election, Instance, Profile, Project, parse_pb, tally  # noqa: E402

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
    "mes_cost_add1noexh_greedy": {"rule": "mes", "completion": "add1-greedy"},
    "add1_comparison": {"rule": "mes", "completion": "add1-comparison"},
    "mes_cost_budget_increase": {"rule": "mes", "completion": "budget-increase"},
    "mes_cost_phragmen": {"rule": "mes", "completion": "phragmen"},
    "phragmen": {"rule": "phragmen"},
    "maxwelfare_cost": {"rule": "max-welfare"},
}
SLOW_KEYS = ("mes_cost_add1_noexh", "mes_cost_add1noexh_greedy", "add1_comparison", "mes_cost_budget_increase")


def raw_of(stem: str) -> bytes:
    """The .pb file's bytes (line ends as they are)."""
    if (SHARED / f"{stem}.pb").exists():
        return (SHARED / f"{stem}.pb").read_bytes()
    return gzip.decompress((FIXTURES / f"{stem}.pb.gz").read_bytes())


def text_of(stem: str) -> str:
    return raw_of(stem).decode("utf-8-sig")


def reference(stem: str) -> dict:
    for folder in (SHARED / "reference", FIXTURES / "reference"):
        if (folder / f"{stem}.json").exists():
            data = json.loads((folder / f"{stem}.json").read_text())
            break
    for extra in (FIXTURES / "reference_extra").glob(f"{stem}.*.json"):
        entry = json.loads(extra.read_text())
        if "selected" in entry or entry["rule"] not in data:
            data[entry["rule"]] = entry
    return data


def pabutools_time(ref: dict, key: str) -> tuple[float | None, str, list | None]:
    """(seconds, note, selected) of pabutools for a rule key; derived figures are noted with *."""
    add1 = ref.get("mes_cost_add1_noexh", {})
    if key == "mes_cost_add1noexh_greedy":
        stage = ref.get(key, {})
        if add1.get("seconds") is None or stage.get("seconds") is None:
            return None, "", stage.get("selected")
        return add1["seconds"] + stage["seconds"], "*", stage.get("selected")
    if key == "add1_comparison":
        greedy = ref.get("greedy_cost", {})
        if add1.get("seconds") is None or greedy.get("seconds") is None:
            return None, "", None
        return add1["seconds"] + greedy["seconds"], "*", None
    entry = ref.get(key)
    if entry is None:
        return None, "", None
    note = " timeout" if entry.get("timeout") else " out of memory" if entry.get("memory_exceeded") else ""
    return entry.get("seconds"), note, entry.get("selected")


def best_of(repeat: int, fn, clock=time.perf_counter) -> tuple[float, object]:
    best, result = float("inf"), None
    for _ in range(repeat):
        gc.collect()
        start = clock()
        result = fn()
        best = min(best, clock() - start)
    return best, result


def floor(repeat: int) -> None:
    """What counting costs when there is (almost) nothing to count: the fixed cost per call."""
    one = Election(Instance(10, [Project("1", 10)]), Profile("approval", [Ballot("v", {"1"})]))
    print("\nFloor (best of 20 calls, one voter, one project):")
    for spec in ({"rule": "greedy"}, {"rule": "mes", "completion": "none"}, {"rule": "mes", "completion": "add1"}):
        cold, _ = best_of(20, lambda spec=spec: tally(Election(one.instance, one.profile), explain=False, **spec))
        warm, _ = best_of(20, lambda spec=spec: tally(one, explain=False, **spec))
        name = spec["rule"] + ("+" + spec["completion"] if "completion" in spec else "")
        print(f"  {name:<12} cold {cold * 1e3:7.3f} ms   warm {warm * 1e3:7.3f} ms")
    print("  A ratio of 100x is not reachable where pabutools needs less than about 100x these times.")


def _rss() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * 4096


def _peak_rss() -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    return 0


def memory_child(stem: str) -> None:
    """In a fresh process: growth of the resident set and tracemalloc peak of parse + MES + add1."""
    text = text_of(stem)
    tiny = Election(Instance(1, [Project("1", 1)]), Profile("approval", [Ballot("v", {"1"})]))
    tally(tiny, "mes", "add1")  # first calls done before measuring
    gc.collect()
    before = _rss()
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")  # the peak resident size (VmHWM) starts again from the current size
    election = parse_pb(text)
    tally(election, "mes", "add1", explain=False)
    grown = _peak_rss() - before
    del election
    gc.collect()
    tracemalloc.start()
    election = parse_pb(text)
    tally(election, "mes", "add1", explain=False)
    print(grown, tracemalloc.get_traced_memory()[1])


def memory_of(stem: str) -> tuple[int, int]:
    out = subprocess.run(
        [sys.executable, __file__, "--memory-child", stem], capture_output=True, text=True, check=True
    ).stdout
    grown, traced = out.split()
    return int(grown), int(traced)


def main(argv: list[str]) -> None:
    if "--memory-child" in argv:
        memory_child(argv[argv.index("--memory-child") + 1])
        return
    quick = "--quick" in argv
    repeat = 3
    if "--repeat" in argv:
        repeat = int(argv[argv.index("--repeat") + 1])
    wanted = [a for a in argv if not a.startswith("--") and not a.isdigit()]
    stems = sorted(p.name[: -len(".pb.gz")] for p in FIXTURES.glob("*.pb.gz"))
    stems = [s for s in stems if not wanted or any(w in s for w in wanted)]
    print(f"Times: wall clock, best of {repeat}, one process (the machine is shared: read them to +-30%).")
    head = f"{'instance':<42}{'rule':<27}{'cold s':>9}{'cpu s':>9}{'warm s':>9}{'pabutools s':>13}"
    print(f"{head}{'ratio':>8}{'cpu ratio':>10}  same")
    worst = []
    for stem in stems:
        text = text_of(stem)
        election = parse_pb(text)
        ref = reference(stem)
        for key, spec in RULES.items():
            theirs, note, expected = pabutools_time(ref, key)
            if theirs is None and key not in ref:
                continue
            if quick and key in SLOW_KEYS and len(election.profile) > 4000:
                continue

            def fresh(spec=spec, e=election):
                return tally(Election(e.instance, e.profile), explain=False, **spec)

            cold, outcome = best_of(repeat, fresh)
            cpu, _ = best_of(repeat, fresh, time.process_time)
            warm, _ = best_of(repeat, lambda spec=spec, e=election: tally(e, explain=False, **spec))
            same = "-" if expected is None else ("yes" if sorted(outcome.selected) == sorted(expected) else "NO")
            ratio = theirs / cold if theirs else float("nan")
            cpu_ratio = theirs / cpu if theirs and cpu > 0 else float("nan")
            if theirs and not note.strip():
                worst.append((max(ratio, cpu_ratio), stem, key))
            shown = "" if theirs is None else f"{theirs:.4f}"
            line = f"{stem[:41]:<42}{key:<27}{cold:>9.4f}{cpu:>9.4f}{warm:>9.4f}{shown:>12}{note[:2]:<1}"
            print(f"{line}{ratio:>8.0f}x{cpu_ratio:>9.0f}x  {same}")
    floor(repeat)
    print("\nparse + MES + add1, per instance (memory: each instance in a fresh process)")
    columns = [("file MB", 8), ("parse s", 9), ("total s", 9), ("traced MB", 10), ("x file", 7)]
    columns += [("RSS+ MB", 9), ("x file", 7)]
    print(f"{'instance':<42}" + "".join(f"{name:>{w}}" for name, w in columns))
    for stem in stems:
        text = text_of(stem)
        size = len(raw_of(stem))
        parse_s, _ = best_of(repeat, lambda text=text: parse_pb(text))
        total, _ = best_of(repeat, lambda text=text: tally(parse_pb(text), "mes", "add1", explain=False))
        grown, traced = memory_of(stem)
        print(
            f"{stem[:41]:<42}{size / 1e6:>8.2f}{parse_s:>9.3f}{total:>9.3f}{traced / 1e6:>10.1f}{traced / size:>7.1f}"
            f"{grown / 1e6:>9.1f}{grown / size:>7.1f}"
        )
    worst.sort()
    print("\nlowest ratios (the better of wall and cpu):", ", ".join(f"{s}/{k}: {r:.0f}x" for r, s, k in worst[:10]))


if __name__ == "__main__":
    main(sys.argv[1:])
