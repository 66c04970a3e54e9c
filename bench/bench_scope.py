"""Benchmark: segments where the business acts — RFM within each of 50 stores at 1M customers,
and a filter change — next to a plain DuckDB query grouping the same rows by store and customer.

    .venv/bin/python bench/bench_scope.py            # 8M rows, ~1M customers, 50 stores, 3 runs
    .venv/bin/python bench/bench_scope.py --quick    # 100k rows, 1 run (a test runs it)

Data: the seeded generator of the other benchmarks, plus a store per row: each customer has a
home store and buys 10 % of the time in another one (so some customers are customers of two or
more stores). Goals (issue 16): within-group RFM at 1M customers across 50 stores ≤ 2 s (one
grouped pass on the engine, not 50 scans); a filter change ≤ 1 s at 1M customers. Figures go
to docs/benchmarks.md ("Within groups and filters").
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.common import median_time as median  # noqa: E402
from bench.common import transactions  # noqa: E402
from bench.docs import write_section  # noqa: E402

STORES = 50


def data(rows: int):
    import numpy as np
    import pandas as pd

    tx = transactions(rows)
    rng = np.random.default_rng(5)
    codes, ids = pd.factorize(tx["customer_id"])
    home = rng.integers(0, STORES, len(ids))[codes]
    other = rng.integers(0, STORES, rows)
    store = np.where(rng.random(rows) < 0.9, home, other)
    return tx.assign(store=pd.Categorical.from_codes(store, [f"S{i:02d}" for i in range(STORES)]).astype(str))


def run(rows: int, runs: int) -> dict:
    from crm_core.rfm import RfmParams
    from crm_core.scope import Scope, filter_customers, filter_rows, rfm_by, summarize_by
    from crm_core.summarize import duckdb_backend, summarize_detail

    tx = data(rows)
    as_of = (tx["order_date"].max().normalize()).date()
    out = {"rows": rows, "customers": int(tx["customer_id"].nunique())}
    summarize_by(tx.head(1000), "store", as_of)  # warm-up: the engine's first connection
    # as the page does: grouped by store, ids in no order (the one store shown is sorted)
    out["summary_by"], grouped = median(lambda: summarize_by(tx, "store", as_of, sort_ids=False), runs)
    out["sorted_by"], _ = median(lambda: summarize_by(tx, "store", as_of), runs)  # the command line's
    out["pairs"] = len(grouped)
    out["rfm_by"], (_, groups) = median(lambda: rfm_by(grouped, "store", RfmParams(), "cn8"), runs)
    out["groups"] = len(groups)
    out["within"] = out["summary_by"] + out["rfm_by"]

    def plain():
        cur = duckdb_backend().con.cursor()
        try:
            cur.register("t", tx)
            return cur.execute(
                "SELECT store, customer_id, MAX(order_date) FILTER (WHERE amount > 0), "
                "COUNT(*) FILTER (WHERE amount > 0), SUM(amount) FROM t GROUP BY store, customer_id"
            ).df()
        finally:
            cur.close()

    out["plain"], _ = median(plain, runs)
    scope = Scope(where=(("store", tuple(f"S{i:02d}" for i in range(0, STORES, 2))),), min_spend=100.0)

    def change():  # what the page does on a filter change: rows, summary, customer minimums
        kept = filter_rows(tx, scope).transactions
        return filter_customers(summarize_detail(kept, as_of).customers, scope)

    out["filter"], _ = median(change, runs)
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args()
    rows, runs = (100_000, 1) if args.quick else (8_000_000, 3)
    r = run(rows, runs)
    lines = [
        "## Within groups and filters",
        "",
        f"`bench/bench_scope.py`{' --quick' if args.quick else ''} on {platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}: medians of {runs} run(s), side by side in one process. {STORES} stores; "
        "each customer has a home store and buys 10 % of the time in another. Goals at ~1M customers: RFM within "
        "each store ≤ 2 s; a filter change ≤ 1 s. *Plain DuckDB* = one GROUP BY store, customer over the same "
        "frame (R/F/M only, no scores, no segments). *Summary by store* is the page's (grouped by store, ids "
        "unsorted); *sorted by id too* is the command line's. The page keeps the summary per data and column, so "
        "a change of RFM settings costs the *RFM per store* column only.",
        "",
        "| rows | customers | store × customer | groups | summary by store | RFM per store | within, total "
        "| plain DuckDB | sorted by id too | a filter change |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
        f"| {r['rows']:,} | {r['customers']:,} | {r['pairs']:,} | {r['groups']} | {r['summary_by']:.2f} s | "
        f"{r['rfm_by']:.2f} s | **{r['within']:.2f} s** | {r['plain']:.2f} s | {r['sorted_by']:.2f} s | "
        f"{r['filter']:.2f} s |",
    ]
    if not args.quick:
        write_section("Within groups and filters", lines)
    print("\n".join(lines))


if __name__ == "__main__":
    main()
