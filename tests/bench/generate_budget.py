"""Generate a large budget in the portal's own CSV format (for the benchmarks; invented figures).

    python -m tests.bench.generate_budget OUT.csv [--lines 1000000]

Years 2020-2024 in two phases (plan and actual), a four-level functional classification
(20 x 10 x 10 x 5 leaves) with ten economic lines each, a tenth of the lines assigned to one of
Köln's nine Stadtbezirke; amounts with cents. Deterministic (seeded).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pandas as pd

COLUMNS = ["fiscal_year", "phase", "statement", "direction", "fn1_code", "fn1_name", "fn2_code", "fn2_name",
           "fn3_code", "fn3_name", "fn4_code", "fn4_name", "econ_code", "econ_name", "admin_code", "admin_name",
           "district_code", "district_name", "amount", "currency"]


def generate(lines: int = 1_000_000, seed: int = 7) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    slices = [(y, p) for y in range(2020, 2025) for p in ("approved", "executed")]
    per_slice = -(-lines // len(slices))
    leaf = np.arange(per_slice)
    econ = leaf % 10
    node = leaf // 10
    fn4, fn3, fn2, fn1 = node % 5, (node // 5) % 10, (node // 50) % 10, (node // 500) % 20
    parts = []
    for year, phase in slices:
        f1 = np.char.zfill(fn1.astype(str), 2)
        f2 = np.char.add(f1, np.char.zfill(fn2.astype(str), 2))
        f3 = np.char.add(f2, np.char.zfill(fn3.astype(str), 2))
        f4 = np.char.add(f3, fn4.astype(str))
        district = np.where(rng.random(per_slice) < 0.1, (rng.integers(1, 10, per_slice)).astype(str), "")
        revenue = econ >= 8
        parts.append(pd.DataFrame({
            "fiscal_year": year, "phase": phase, "statement": "operating",
            "direction": np.where(revenue, "revenue", "expenditure"),
            "fn1_code": f1, "fn1_name": np.char.add("Area ", f1),
            "fn2_code": f2, "fn2_name": np.char.add("Service ", f2),
            "fn3_code": f3, "fn3_name": np.char.add("Unit ", f3),
            "fn4_code": f4, "fn4_name": np.char.add("Team ", f4),
            "econ_code": np.char.add("E", econ.astype(str)),
            "econ_name": np.char.add("Economic line ", econ.astype(str)),
            "admin_code": "", "admin_name": "", "district_code": district, "district_name": "",
            "amount": np.round(rng.lognormal(9, 1.5, per_slice), 2), "currency": "EUR",
        }))
    return pd.concat(parts, ignore_index=True).iloc[:lines][COLUMNS]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--lines", type=int, default=1_000_000)
    args = parser.parse_args()
    frame = generate(args.lines)
    frame.to_csv(args.out, index=False, float_format="%.2f")
    print(f"wrote {len(frame):,} lines to {args.out}")


if __name__ == "__main__":
    main()
