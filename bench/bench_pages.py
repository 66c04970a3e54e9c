"""Benchmark: one rerun of each analysis page with 1M customers loaded (AppTest, in-process).

    .venv/bin/python bench/bench_pages.py            # 1M customers, median of 3 reruns per page
    .venv/bin/python bench/bench_pages.py --quick    # 20k customers, 1 rerun (used by a test)

The customer table (with a potential column for the lifecycle grid) is put into the session
as if uploaded; each page is opened once (first run: scores, caches), then re-run. AppTest
polls the script every 10 ms, so figures are rounded up to that.
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
PAGES = ["pages/rfm.py", "pages/value_matrix.py", "pages/lifecycle.py", "pages/classroom.py"]


def customers(n: int, seed: int = 2) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    freq = (rng.pareto(1.5, n) + 1).astype(int)
    monetary = np.round(freq * rng.lognormal(5, 0.7, n), 2)
    return pd.DataFrame(
        {
            "customer_id": [f"C{i:07d}" for i in range(n)],
            "recency": rng.integers(0, 730, n),
            "frequency": freq,
            "monetary": monetary,
            "potential": np.round(rng.lognormal(6, 1, n), 2),
        }
    )


def run(n: int, reruns: int) -> list[dict]:
    from streamlit.testing.v1 import AppTest

    from crm_core.ingest import LoadOptions, load_frame
    from ui import Dataset

    options = LoadOptions(kind="customers")
    result = load_frame(customers(n), options)
    rows = []
    for page in PAGES:
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=600)
        at.query_params["lang"] = "en"
        at.run()
        at.session_state["dataset"] = Dataset("typed", "bench", result)
        start = time.perf_counter()
        at.switch_page(page).run()
        first = time.perf_counter() - start
        times = []
        for _ in range(reruns):
            start = time.perf_counter()
            at.run()
            times.append(time.perf_counter() - start)
        assert not at.exception, [e.value for e in at.exception]
        rows.append({"page": page, "first": first, "rerun": statistics.median(times)})
        print(f"{n:,} customers  {page:24s} first run {first:6.2f}s  rerun {rows[-1]['rerun']:6.2f}s", flush=True)
    return rows


def write_doc(rows: list[dict], n: int) -> None:
    from bench.docs import write_section

    lines = [
        f"## Page reruns with {n:,} customers",
        "",
        "`bench/bench_pages.py` (AppTest, in-process; the customer table put into the session as if uploaded;",
        f"median of 3 reruns after a first run). {os.cpu_count()} cores, Python {platform.python_version()}.",
        "",
        "| page | first run s | rerun s | goal (issue 6) |",
        "|---|---:|---:|---|",
    ]
    for r in rows:
        verdict = "met" if r["rerun"] <= 2 else "**missed**"
        lines.append(f"| {r['page']} | {r['first']:.2f} | {r['rerun']:.2f} | ≤ 2 s: {verdict} |")
    lines += ["", "Charts sample (≤ 5,000 points) or aggregate on the server; only the chosen view is drawn.", ""]
    write_section("Page reruns", lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    if args.quick:
        run(20_000, 1)
        return
    rows = run(1_000_000, 3)
    write_doc(rows, 1_000_000)
    print("figures written to docs/benchmarks.md")


if __name__ == "__main__":
    main()
