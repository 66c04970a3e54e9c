"""Benchmark: an RFM what-if move (re-segment + customers and revenue per segment).

    .venv/bin/python bench/bench_rfm.py           # 1M and 10M customers
    .venv/bin/python bench/bench_rfm.py --quick   # 100k customers, no docs update

Scores are prepared once (as the page does per data and scoring method); each timed move
changes the R split and recomputes segment codes and the per-segment counts and revenue.
Medians of 11 moves; figures go to docs/benchmarks.md (section "RFM what-if").
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.docs import DOC, write_section  # noqa: E402


def make_customers(n: int, seed: int = 3) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    freq = (rng.pareto(1.5, n) + 1).astype(np.int64)
    monetary = np.round(freq * rng.lognormal(5, 0.7, n), 2)
    return pd.DataFrame(
        {
            "customer_id": pd.array(np.char.add("C", np.arange(n).astype(str)), dtype="string"),
            "recency_days": rng.integers(0, 730, n),
            "frequency": freq,
            "monetary": monetary,
            "avg_spend": monetary / freq,
        }
    )


def run(sizes: list[int], moves: int = 11) -> list[dict]:
    from dataclasses import replace

    from crm_core.groups import counts
    from crm_core.rfm import RfmParams, prepare, segment_codes
    from crm_core.segments import builtin, compile_scheme

    out = []
    for n in sizes:
        customers = make_customers(n)
        params = RfmParams(split_method="value", r_split=90, f_split=3, m_split=1000)
        start = time.perf_counter()
        prep = prepare(customers, params)
        prep_s = time.perf_counter() - start
        row = {"customers": n, "prepare": prep_s}
        for key in ("cn8", "en10"):
            scheme = builtin(key)
            table = compile_scheme(scheme)
            times = []
            for i in range(moves):
                p = replace(params, r_split=60 + 10 * i)
                t0 = time.perf_counter()
                codes, _ = segment_codes(prep, scheme, p, table)
                c, r = counts(codes, prep.revenue, len(scheme.keys))
                times.append(time.perf_counter() - t0)
            assert c.sum() == n and abs(r.sum() - prep.revenue.sum()) < 1e-3 * max(1.0, abs(prep.revenue.sum()))
            row[key] = statistics.median(times)
        # the mean split recomputes the means over all customers on every move
        times = []
        scheme, table = builtin("cn8"), compile_scheme(builtin("cn8"))
        for _ in range(moves):
            t0 = time.perf_counter()
            codes, _ = segment_codes(prep, scheme, RfmParams(), table)
            counts(codes, prep.revenue, len(scheme.keys))
            times.append(time.perf_counter() - t0)
        row["cn8_mean"] = statistics.median(times)
        out.append(row)
        print(
            f"{n:>11,} customers  prepare {prep_s:6.2f}s  move cn8 {row['cn8'] * 1000:7.1f} ms  "
            f"en10 {row['en10'] * 1000:7.1f} ms  cn8 at the means {row['cn8_mean'] * 1000:7.1f} ms"
        )
    return out


def write_doc(rows: list[dict]) -> None:
    lines = [
        "## RFM what-if: a split move at 1M and 10M customers",
        "",
        "`bench/bench_rfm.py`: scores prepared once (ranks; as the page does per data and scoring",
        "method), then 11 moves of the R split, each re-segmenting every customer and computing",
        f"customers and revenue per segment; medians. Machine: {os.cpu_count()} cores, Python",
        f"{platform.python_version()}, numpy {np.__version__}.",
        "",
        "| customers | prepare (once) s | move, 8 segments ms | move, 10 named segments ms "
        "| move with mean splits ms | goal |",
        "|---:|---:|---:|---:|---:|---|",
    ]
    for r in rows:
        goal = "< 100 ms at 1M (issue 3), < 50 ms (issue 6)" if r["customers"] == 1_000_000 else ""
        lines.append(
            f"| {r['customers']:,} | {r['prepare']:.2f} | {r['cn8'] * 1000:.1f} | {r['en10'] * 1000:.1f} | "
            f"{r['cn8_mean'] * 1000:.1f} | {goal} |"
        )
    lines += ["", "A move is a table lookup over the flag/score combinations plus two `np.bincount`s.", ""]
    write_section("RFM what-if", lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    if args.quick:
        run([100_000], moves=3)
        return
    write_doc(run([1_000_000, 10_000_000]))
    print(f"figures written to {DOC}")


if __name__ == "__main__":
    main()
