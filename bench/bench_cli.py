"""Benchmark: the command line on a large CSV on an engine — time and the process's peak memory.

    .venv/bin/python bench/bench_cli.py            # 10M rows (~0.4 GB CSV), 3 runs per command
    .venv/bin/python bench/bench_cli.py --quick    # 100k rows, 1 run (a test runs it)

Each command runs in a fresh process, as a user runs it (``python -m crm_core … --engine duckdb``);
its peak resident memory is the child's ``ru_maxrss``. Goal (issue 15): the command line on a
10M-row CSV with ``--engine duckdb`` ≤ 2 GB peak. Figures go to docs/benchmarks.md ("Command
line on an engine").
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.docs import write_section  # noqa: E402

COMMANDS = ("summarize", "rfm", "value-matrix", "status")


def run_command(args: list[str]) -> tuple[float, float]:
    """(seconds, peak MB) of one fresh ``python -m crm_core`` process (its own ``ru_maxrss``)."""
    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "crm_core", *args], cwd=ROOT, stderr=subprocess.PIPE)
    err = proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    elapsed = time.perf_counter() - start
    if proc.returncode:
        raise SystemExit(f"{' '.join(args)} failed: {err[-2000:].decode(errors='replace')}")
    return elapsed, usage.ru_maxrss / 1024


def measure(rows: int, runs: int) -> list[dict]:
    out = []
    with tempfile.TemporaryDirectory() as tmp:
        csv = Path(tmp) / "orders.csv"
        # written by a child process: a child's peak memory counts what its parent held when it
        # was forked, so this process must stay small (it never holds the 10M rows)
        code = f"from bench.common import transactions; transactions({rows}).to_csv({str(csv)!r}, index=False)"
        subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True)
        mb = csv.stat().st_size / 2**20
        for command in COMMANDS:
            times, peaks = [], []
            for _ in range(runs):
                extra = ["--period", "month"] if command == "status" else []
                target = Path(tmp) / f"{command}.parquet"
                seconds, peak = run_command([command, str(csv), "--engine", "duckdb", *extra, "--out", str(target)])
                times.append(seconds)
                peaks.append(peak)
            out.append({"command": command, "rows": rows, "mb": mb, "seconds": statistics.median(times),
                        "peak_mb": max(peaks)})  # fmt: skip
            print(f"{rows:>11,} rows  {command:<13} --engine duckdb  {out[-1]['seconds']:6.2f}s  "
                  f"peak {out[-1]['peak_mb']:7.0f} MB")  # fmt: skip
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args()
    rows, runs = (100_000, 1) if args.quick else (10_000_000, 3)
    got = measure(rows, runs)
    lines = [
        "## Command line on an engine: a 10M-row CSV",
        "",
        f"`bench/bench_cli.py`{' --quick' if args.quick else ''} on {platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}: each command in a fresh process as a user runs it, medians of "
        f"{runs} run(s); *peak* is the largest resident memory any of its runs reached (the process and DuckDB "
        f"inside it). The CSV: {got[0]['rows']:,} rows, {got[0]['mb']:.0f} MB (`bench/common.py` data). Goal "
        "(issue 15): ≤ 2 GB peak.",
        "",
        "| command | time | peak memory | goal |",
        "|---|---:|---:|---|",
        *(
            f"| `{g['command']} --engine duckdb` | {g['seconds']:.2f} s | {g['peak_mb']:,.0f} MB | "
            f"{'met' if g['peak_mb'] <= 2048 else 'missed'} |"
            for g in got
        ),
    ]
    if not args.quick:
        write_section("Command line on an engine", lines)
    print("\n".join(lines))


if __name__ == "__main__":
    main()
