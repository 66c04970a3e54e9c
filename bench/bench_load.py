"""Benchmark: load + validate + summarise a transactions CSV vs a bare pandas.read_csv.

    .venv/bin/python bench/bench_load.py            # 100k and 1M rows, 3 runs each
    .venv/bin/python bench/bench_load.py --quick    # 20k rows, 2 runs (used by a test)

Both are timed side by side in one process on the same bytes; medians are reported, and
the figures are written to docs/benchmarks.md (section "Loading").
"""

from __future__ import annotations

import argparse
import io
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


def make_csv(rows: int, seed: int = 7) -> bytes:
    """Seeded transactions: heavy-tailed purchases per customer, ~4 % returns, two years."""
    rng = np.random.default_rng(seed)
    customers = max(1, rows // 8)
    weights = rng.pareto(1.2, customers) + 1
    cust = rng.choice(customers, rows, p=weights / weights.sum())
    seconds = rng.integers(0, 730 * 86400, rows)
    stamps = pd.Timestamp("2023-01-01") + pd.to_timedelta(seconds, unit="s")
    amount = np.round(rng.lognormal(5, 0.8, rows), 2)
    amount[rng.random(rows) < 0.04] *= -1
    frame = pd.DataFrame(
        {
            "order_id": [f"SO{i:09d}" for i in range(rows)],
            "customer_id": [f"C{c:07d}" for c in cust],
            "order_date": stamps.strftime("%Y-%m-%d %H:%M:%S"),
            "amount": amount,
        }
    )
    return frame.to_csv(index=False).encode()


def median_time(fn, runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def duckdb_by_hand(data: bytes):
    """What an analyst writes by hand: DuckDB reads the CSV and groups it (no checks, no report)."""
    import tempfile

    import duckdb

    with tempfile.NamedTemporaryFile(suffix=".csv") as f:
        f.write(data)
        f.flush()
        return duckdb.sql(
            f"SELECT customer_id, MAX(order_date) FILTER (WHERE amount > 0), COUNT(*) FILTER (WHERE amount > 0), "
            f"SUM(amount) FROM read_csv('{f.name}') GROUP BY customer_id"
        ).df()


def _one_money_sign(data: bytes) -> bytes:
    """The same file with its last amount written ``¥12.50`` (a repair the checks report)."""
    head, _, last = data.rstrip(b"\n").rpartition(b"\n")
    cells = last.split(b",")
    return head + b"\n" + b",".join([*cells[:-1], "¥12.50".encode()]) + b"\n"


def _one_repeated_line(data: bytes) -> bytes:
    """The same file with its last line written twice (a duplicate export the checks drop)."""
    last = data.rstrip(b"\n").rpartition(b"\n")[2]
    return data + last + b"\n"


def run(sizes: list[int], runs: int) -> list[dict]:
    from crm_core.ingest import load

    load(make_csv(1000), "warm.csv")  # import and connect once, outside the timings
    results = []
    for rows in sizes:
        data = make_csv(rows)
        bare = median_time(lambda d=data: pd.read_csv(io.BytesIO(d)), runs)
        ours = median_time(lambda d=data: load(d, "bench.csv"), runs)
        duck = median_time(lambda d=data: duckdb_by_hand(d), runs)
        # one amount the parser must repair: ids and orders still proven, the amounts parsed
        messy = _one_money_sign(data)
        sign = median_time(lambda d=messy: load(d, "bench.csv"), runs)
        # one line twice: the order ids are not all distinct, the proof fails, every check runs
        twice = _one_repeated_line(data)
        full = median_time(lambda d=twice: load(d, "bench.csv"), runs)
        results.append(
            {
                "rows": rows,
                "mb": len(data) / 2**20,
                "bare": bare,
                "ours": ours,
                "ratio": ours / bare,
                "duck": duck,
                "sign": sign,
                "full": full,
            }
        )
        print(
            f"{rows:>10,} rows  read_csv {bare:7.3f}s  load+validate+summarize {ours:7.3f}s  ×{ours / bare:.2f}"
            f"  DuckDB read_csv + GROUP BY {duck:7.3f}s  one ¥ amount {sign:7.3f}s ×{sign / bare:.2f}"
            f"  one line twice (every check) {full:7.3f}s ×{full / bare:.2f}"
        )
    return results


def write_doc(results: list[dict], runs: int) -> None:
    lines = [
        "## Loading: load + validate + summarise vs a bare `pandas.read_csv`",
        "",
        f"`bench/bench_load.py`, medians of {runs} runs, both timed side by side in one process on the same",
        f"bytes. Machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}, pandas {pd.__version__}. Generated data: 8 order lines per",
        "customer on average (heavy-tailed), ~4 % returns, two years of timestamps.",
        "",
        "| rows | CSV MB | `pd.read_csv` s | `crm_core.ingest.load` s | ratio | DuckDB read_csv + GROUP BY s "
        "| one `¥` amount s | ratio | one line twice: every check s | ratio | goal |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for r in results:
        goal = "≤ 5× (issue 15; aim 3×)" if r["rows"] >= 1_000_000 else ""
        lines.append(
            f"| {r['rows']:,} | {r['mb']:.1f} | {r['bare']:.3f} | {r['ours']:.3f} | {r['ratio']:.2f}× "
            f"| {r['duck']:.3f} | {r['sign']:.3f} | {r['sign'] / r['bare']:.2f}× "
            f"| {r['full']:.3f} | {r['full'] / r['bare']:.2f}× | {goal} |"
        )
    lines += [
        "",
        "`load` does more than `read_csv`: it decodes and checks every id, date and amount, finds",
        "duplicates, empty and total rows, applies the order model, builds the report (rules, notes,",
        "totals, samples) and aggregates per customer. *DuckDB read_csv + GROUP BY* is what an",
        "analyst writes by hand on the same file: no checks, no report.",
        "",
        "**The checks run on the engine** (issue 15, `crm_core/engine_check.py`, docs/data-loading.md):",
        "one DuckDB query over the Arrow cells the reader produced proves that no check of empty, total",
        "or duplicate rows or the order model would find anything (distinct order ids, or no identical",
        "lines and no shared or blank order fields) and lists the customer ids the loader would clean or",
        "reject (checked once per distinct id). A proven file skips those checks: Python cleans the",
        "listed ids on their rows only, its dates and amounts are read by Arrow's casts when every cell",
        "is plain (else by the usual column parsers, which report the odd cells: *one `¥` amount*), and",
        "the summary counts orders as rows. *One line twice*: an order id repeats, the proof fails and",
        "every check runs cell by cell as before (the report then says where).",
        "Before this, every file took the full checks: 3.5 s at 1M rows when issue 15 was filed,",
        "1.9 s after its first round of work (narrowed duplicates, one missing-value mask per",
        "column, one Arrow cast for plain amounts, no second copy of UTF-8 bytes).",
        "",
        "Reading real exports (issue 11: total rows, the order model, statuses, payment dates,",
        "refunds, the interpretation's totals and samples) made `load` about 21 % slower on this",
        "plain file: 2.78 s before, 3.38 s after at 1M rows (medians of 3 runs of each version,",
        "alternating in fresh processes, 2 Dec 2026). A first version cost 2.7× (7.7 s): a regex",
        'over every cell for total rows, a regex over every id for Excel\'s `="…"`, and grouping',
        "and counting 1M order strings several times; they became a hash lookup of the spellings",
        "exports use, a cheap `startswith` before the regex, and integer order codes.",
    ]
    write_section("Loading:", lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes; do not touch docs/")
    args = parser.parse_args()
    if args.quick:
        run([20_000], runs=2)
        return
    runs = 3
    write_doc(run([100_000, 1_000_000], runs), runs)
    print(f"figures written to {DOC}")


if __name__ == "__main__":
    main()
