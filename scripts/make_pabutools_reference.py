"""Compute pabutools 1.2.3 outcomes that the shared reference set lacks, once, for the voting tests.

The shared reference (`tests/fixtures/pabulib/reference/*.json`) was made by the data team. It has no
finished run of the official "add1" completion for Budapest VIII 2022 and Krakow 2024 (timeouts), and
no outcome of "add1 then utilitarian greedy" at all. This script computes them with pabutools itself:

* ``mes_cost_add1_noexh``: ``exhaustion_by_budget_increase(method_of_equal_shares, Cost_Sat,
  budget_step=<number of voters>, exhaustive_stop=False)``, the satisfaction profile built once and
  passed in ``rule_params`` (the same call as the shared runs, only faster);
* ``mes_cost_add1noexh_greedy``: ``completion_by_rule_combination`` of that exhaustion and
  ``greedy_utilitarian_welfare(Cost_Sat)``; the first stage is read from the
  stored ``mes_cost_add1_noexh`` outcome instead of being recomputed, then pabutools' greedy
  completes it with the same code path as ``completion_by_rule_combination``;
* ``mes_cost_add1_noexh_ours_plain``: not pabutools: this engine's plain add1 (one exact MES run per
  step), for instances where pabutools' add1 cannot finish; it checks the batched add1 search.

Each result goes to ``tests/fixtures/pabulib/reference_extra/<file stem>.<rule>.json``.

Usage: PYTHONPATH=. python scripts/make_pabutools_reference.py RULE FILE_STEM [FILE_STEM ...]
"""

from __future__ import annotations

import gzip
import json
import sys
import time
from pathlib import Path

from pabutools.election import Cost_Sat
from pabutools.election.pabulib import parse_pabulib_from_string
from pabutools.rules import (
    completion_by_rule_combination,
    exhaustion_by_budget_increase,
    greedy_utilitarian_welfare,
    method_of_equal_shares,
)

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures" / "pabulib"
OUT = FIXTURES / "reference_extra"


def load(stem: str):
    text = gzip.decompress((FIXTURES / f"{stem}.pb.gz").read_bytes()).decode("utf-8-sig")
    instance, profile = parse_pabulib_from_string(text)
    return instance, profile.as_multiprofile()


def add1_noexh(instance, profile):
    sat_profile = profile.as_sat_profile(Cost_Sat)
    return exhaustion_by_budget_increase(
        instance,
        profile,
        method_of_equal_shares,
        {"sat_profile": sat_profile},
        budget_step=profile.num_ballots(),
        exhaustive_stop=False,
    )


def add1noexh_greedy(instance, profile, stem):
    stored = FIXTURES / "reference" / f"{stem}.json"
    extra = OUT / f"{stem}.mes_cost_add1_noexh.json"
    first = None
    for source in (extra, stored):
        if source.exists():
            entry = json.loads(source.read_text())
            entry = entry.get("mes_cost_add1_noexh", entry)
            if "selected" in entry:
                first = entry["selected"]
                break
    if first is None:
        return completion_by_rule_combination(
            instance,
            profile,
            [exhaustion_by_budget_increase, greedy_utilitarian_welfare],
            [
                {
                    "rule": method_of_equal_shares,
                    "rule_params": {"sat_class": Cost_Sat},
                    "budget_step": profile.num_ballots(),
                    "exhaustive_stop": False,
                },
                {"sat_class": Cost_Sat},
            ],
        )
    by_name = {p.name: p for p in instance}
    start = [by_name[name] for name in first]
    # Same two steps as completion_by_rule_combination: stop if exhaustive, else run the next rule.
    if instance.is_exhaustive(start):
        return start
    return greedy_utilitarian_welfare(instance, profile, sat_class=Cost_Sat, initial_budget_allocation=start)


def ours_plain_add1(stem: str) -> tuple[list[str], int]:
    """Where pabutools cannot finish: our own plain add1, one MES run per +1 step (an independent check
    of the batched search, which skips steps; it is not a pabutools outcome)."""
    from voting import read_pb
    from voting.compiled import compile_election
    from voting.rules.mes import mes_add1_plain

    data = compile_election(read_pb(FIXTURES / f"{stem}.pb.gz"), "cost")
    run, step, _ = mes_add1_plain(data)
    return [data.ids[p] for p in run.selected], step


def main(argv: list[str]) -> None:
    rule, stems = argv[0], argv[1:]
    OUT.mkdir(exist_ok=True)
    for stem in stems:
        instance, profile = load(stem)
        start = time.perf_counter()
        if rule == "mes_cost_add1_noexh":
            outcome = add1_noexh(instance, profile)
            how = "exhaustion_by_budget_increase(MES Cost_Sat, budget_step=#voters, exhaustive_stop=False)"
        elif rule == "mes_cost_add1noexh_greedy":
            outcome = add1noexh_greedy(instance, profile, stem)
            how = "completion_by_rule_combination([add1 exhaustion, greedy_utilitarian_welfare(Cost_Sat)])"
        elif rule == "mes_cost_add1_noexh_ours_plain":
            names, step = ours_plain_add1(stem)
            by_name = {p.name: p for p in instance}
            outcome = [by_name[name] for name in names]
            how = f"NOT pabutools: this engine's voting.rules.mes.mes_add1_plain, one exact MES run per step ({step})"
        else:
            raise SystemExit(f"unknown rule {rule}")
        seconds = time.perf_counter() - start
        selected = [p.name for p in outcome]
        record = {
            "file": f"{stem}.pb",
            "rule": rule,
            "how": how,
            "pabutools_version": "1.2.3",
            "selected": selected,
            "total_cost": str(sum(p.cost for p in outcome)),
            "seconds": round(seconds, 4),
        }
        if rule.endswith("_ours_plain"):
            record["pabutools_version"] = None
        (OUT / f"{stem}.{rule}.json").write_text(json.dumps(record, indent=1) + "\n")
        print(f"{stem} {rule}: {len(selected)} projects in {seconds:.1f} s", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
