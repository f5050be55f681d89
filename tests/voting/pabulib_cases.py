"""Shared helpers: the Pabulib fixtures (gzip) and pabutools' reference outcomes stored beside them."""

from __future__ import annotations

import functools
import json
from pathlib import Path

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "pabulib"
STEMS = sorted(p.name[: -len(".pb.gz")] for p in FIXTURES.glob("*.pb.gz"))


@functools.cache
def election(stem: str):
    from voting import read_pb

    return read_pb(FIXTURES / f"{stem}.pb.gz")


@functools.cache
def reference(stem: str) -> dict:
    """pabutools' outcomes: the shared reference file plus the entries computed by scripts/."""
    data = json.loads((FIXTURES / "reference" / f"{stem}.json").read_text())
    for extra in (FIXTURES / "reference_extra").glob(f"{stem}.*.json"):
        entry = json.loads(extra.read_text())
        data[entry["rule"]] = entry
    return data
