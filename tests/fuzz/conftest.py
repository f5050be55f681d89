"""Fuzzing with hypothesis: bounded example counts so the suite stays fast; `PORTAL_FUZZ_EXAMPLES=5000` raises them.

Every test counts the inputs it really ran (per target) and the end of the run prints the totals.
"""

from __future__ import annotations

import os
from collections import Counter

from hypothesis import HealthCheck, settings

FUZZ_COUNTS: Counter[str] = Counter()


def examples(default: int) -> int:
    """The example count of a target: `default`, or PORTAL_FUZZ_EXAMPLES when set."""
    override = os.environ.get("PORTAL_FUZZ_EXAMPLES")
    return int(override) if override else default


def fuzz_settings(default: int, **kwargs):
    return settings(max_examples=examples(default), deadline=None, derandomize=not os.environ.get("PORTAL_FUZZ_SEED"),
                    database=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                                          HealthCheck.data_too_large, HealthCheck.filter_too_much],
                    **kwargs)


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    if not FUZZ_COUNTS:
        return
    terminalreporter.write_sep("-", "fuzzed inputs per target")
    for target, count in sorted(FUZZ_COUNTS.items()):
        terminalreporter.write_line(f"  {target}: {count}")
    terminalreporter.write_line(f"  total: {sum(FUZZ_COUNTS.values())}")
