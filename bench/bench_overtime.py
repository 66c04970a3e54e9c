"""Benchmark: customers over time — status per month, monthly cohorts, migration between two
dates, and a move of date A — next to a plain DuckDB query doing the least the same answer needs.

    .venv/bin/python bench/bench_overtime.py            # 1M and 10M rows (~125k / 1.25M customers), 3 runs
    .venv/bin/python bench/bench_overtime.py --quick    # 100k rows, 1 run (a test runs it)

Data: seeded, two years of time-stamped rows, heavy-tailed purchase counts, ~4 % returns (the
generator of bench_summarize.py). Baselines on the same pandas frame: for status, DuckDB
counting the distinct active customers per month; for migration, DuckDB aggregating R/F/M per
customer at both dates (no segmentation). Figures go to docs/benchmarks.md ("Customers over time").
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.common import median_time as median  # noqa: E402
from bench.common import transactions as data  # noqa: E402
from bench.docs import write_section  # noqa: E402


def plain(tx, sql: str, args: list):
    from crm_core.summarize import duckdb_backend

    cur = duckdb_backend().con.cursor()
    try:
        cur.register("t", tx)
        return cur.execute(sql, args).df()
    finally:
        cur.close()


STATUS_SQL = """SELECT year(order_date) * 12 + month(order_date) AS m, COUNT(DISTINCT customer_id)
FROM t WHERE amount > 0 GROUP BY m"""
RFM_SQL = """SELECT customer_id, MAX(order_date) FILTER (WHERE amount > 0), COUNT(*) FILTER (WHERE amount > 0),
SUM(amount) FROM t WHERE CAST(order_date AS DATE) <= ? GROUP BY customer_id"""


def run(rows: int, runs: int) -> dict:
    from crm_core import overtime
    from crm_core.segments import builtin

    tx = data(rows)
    b = (tx["order_date"].max().normalize()).date()
    a = b - dt.timedelta(days=91)
    a2 = b - dt.timedelta(days=182)
    cn8 = builtin("cn8")
    out = {"rows": rows, "customers": int(tx["customer_id"].nunique())}
    overtime.status_by_period(tx.head(1000), "month", b)  # warm-up: the engine's first connection
    out["status"], st = median(lambda: overtime.status_by_period(tx, "month", b), runs)
    out["months"] = len(st)
    out["status_plain"], _ = median(lambda: plain(tx, STATUS_SQL, []), runs)
    out["cohorts"], _ = median(lambda: overtime.cohorts(tx, "month", b), runs)
    out["migration"], _ = median(lambda: overtime.migration(tx, a, b, cn8), runs)
    out["migration_plain"], _ = median(lambda: (plain(tx, RFM_SQL, [a]), plain(tx, RFM_SQL, [b])), runs)
    out["index"], history = median(lambda: overtime.History(tx), 1)  # the page indexes the purchase days once
    at_b = overtime.segments_at(history, b, cn8)

    def move_a():  # what the page does when date A moves: B's segments are kept
        net = history.net_upto(a2)[at_b[0]["_pos"].to_numpy()]
        return overtime.combine(overtime.segments_at(history, a2, cn8), at_b, cn8, False, net)

    out["move_a"], _ = median(move_a, runs)
    # the engine reading a Parquet file itself (the command line's --engine duckdb)
    from crm_core import engine

    path = Path(tempfile.mkdtemp()) / "tx.parquet"
    tx.to_parquet(path, index=False)
    out["engine_status"], _ = median(lambda: engine.status_source(str(path), "month", "duckdb", b), runs)
    out["engine_migration"], _ = median(
        lambda: overtime.migrate(*engine.two_dates_source(str(path), a, b, "duckdb"), cn8, dates=(a, b)), runs
    )
    path.unlink()
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args()
    sizes, runs = ([100_000], 1) if args.quick else ([1_000_000, 10_000_000], 3)
    results = [run(n, runs) for n in sizes]
    lines = [
        "## Customers over time",
        "",
        f"`bench/bench_overtime.py`{' --quick' if args.quick else ''} on {platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}: medians of {runs} run(s), side by side in one process. Goals at 10 M "
        "rows / ~1.25 M customers: migration ≤ 2 s, monthly status over 24 months ≤ 3 s, monthly cohorts ≤ 3 s; a "
        "change of date A ≤ 1 s at 1 M customers. *Plain DuckDB* = the least the same answer needs (distinct "
        "active customers per month; R/F/M per customer at both dates, no segments, two queries). Migration "
        "summarises both dates in one scan of the in-memory rows, then segments each (cn8). The page "
        "indexes the purchase days once (*index*), so that *move date A* (a summary from the index, "
        "segments, the matrix) does not scan the rows again. *Engine*: the same expressions with DuckDB "
        "reading a Parquet file of the rows itself (`--engine duckdb`).",
        "",
        "| rows | customers | status (months) | plain DuckDB | cohorts | migration (cn8) | plain DuckDB | "
        "index (page) | move date A | engine: status | engine: migration |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        lines.append(
            f"| {r['rows']:,} | {r['customers']:,} | {r['status']:.2f} s ({r['months']}) | {r['status_plain']:.2f} s | "
            f"{r['cohorts']:.2f} s | {r['migration']:.2f} s | {r['migration_plain']:.2f} s | {r['index']:.2f} s | "
            f"{r['move_a']:.2f} s | {r['engine_status']:.2f} s | {r['engine_migration']:.2f} s |"
        )
    if not args.quick:  # the quick mode (a test) only checks that the script runs
        write_section("Customers over time", lines)
    print("\n".join(lines))


if __name__ == "__main__":
    main()
