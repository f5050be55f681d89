"""Command line: ``python -m voting tally FILE.pb --rule mes --completion add1 [--json]`` and
``python -m voting compare FILE.pb``."""

from __future__ import annotations

import argparse
import json
import sys

from voting.compiled import SATISFACTIONS
from voting.errors import ElectionError, RuleError
from voting.metrics import compare
from voting.pabulib import read_pb
from voting.tally import COMPLETIONS, RULES, tally


def _menu(items: dict) -> str:
    return "; ".join(f"{k}: {v}" for k, v in items.items())


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m voting", description="Count participatory-budgeting votes."
    )
    sub = parser.add_subparsers(dest="command", required=True)
    t = sub.add_parser(
        "tally",
        help="count one file with one rule",
        description="Rules -- " + _menu(RULES) + ". Completions (rule mes) -- " + _menu(COMPLETIONS),
    )
    t.add_argument("file", help="a Pabulib .pb or .pb.gz file")
    t.add_argument("--rule", default="mes", choices=list(RULES), help="counting rule (default mes)")
    t.add_argument(
        "--completion",
        default="add1",
        choices=list(COMPLETIONS),
        help="completion of the method of equal shares (default add1)",
    )
    t.add_argument(
        "--sat", default="cost", choices=list(SATISFACTIONS) + ["card"], help="satisfaction (default cost)"
    )
    t.add_argument("--threshold", type=int, help="minimum score for greedy-threshold")
    t.add_argument("--step-percent", type=float, help="budget step for the budget-increase completion")
    t.add_argument(
        "--json", action="store_true", help="print one JSON object (key 'selected': funded ids in order)"
    )
    c = sub.add_parser("compare", help="all rules side by side with their metrics")
    c.add_argument("file")
    c.add_argument("--json", action="store_true", help="print JSON")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        election = read_pb(args.file)
        if args.command == "tally":
            options = {}
            if args.threshold is not None:
                options["threshold"] = args.threshold
            if args.step_percent is not None:
                options["step_percent"] = args.step_percent
            outcome = tally(election, args.rule, args.completion, args.sat, **options)
            if args.json:
                print(json.dumps(outcome.to_dict(), ensure_ascii=False))
            else:
                print(
                    f"{outcome.rule}"
                    + (f" + {outcome.completion}" if outcome.completion else "")
                    + f": {len(outcome.selected)} projects, {outcome.total_cost:,} of {outcome.budget:,}"
                )
                for pid in outcome.selected:
                    e = outcome.explanations[pid]
                    print(f"  {e.round:>3}. {pid:<16} cost {e.cost:>12,}  supporters {e.supporters:>7,}")
            return 0
        rows = compare(election)
        if args.json:
            print(json.dumps([{"outcome": o.to_dict(), "metrics": m} for o, m in rows], ensure_ascii=False))
            return 0
        print(f"{'rule':<28}{'funded':>7}{'budget used':>13}{'voters hit':>12}{'sat mean':>14}{'gini':>7}")
        for o, m in rows:
            name = o.rule + (f"+{o.completion}" if o.completion else "")
            if "meta_rule" in o.details:
                name = f"official ({o.details['meta_rule']})"
            print(
                f"{name:<28}{m['projects_funded']:>7}{m['budget_used_share']:>12.1%}"
                f"{m['voters_with_funded_project_share']:>11.1%}{m['satisfaction_mean']:>14,.0f}"
                f"{m['satisfaction_gini']:>7.3f}"
            )
        return 0
    except (ElectionError, RuleError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
