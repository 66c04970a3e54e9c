"""Benchmark: lifetime value (BG/NBD + Gamma-Gamma) at 100,000 and 1,000,000 customers.

    .venv/bin/python bench/bench_clv.py                      # 100k and 1M customers, 3 runs
    .venv/bin/python bench/bench_clv.py --quick              # 20,000 customers, 1 run (a test runs it)
    .venv/bin/python bench/bench_clv.py --pymc PYTHON        # also PyMC-Marketing's MAP fit, side by
                                                             # side, run by PYTHON (a venv that has it)

Transactions are simulated from the BG/NBD and Gamma-Gamma processes with CDNOW's parameters
(bench/btyd_sim.py), so the fitted parameters can be compared with the truth. Times are the
medians of the runs: the per-customer inputs on DuckDB, each fit, scoring, and a re-score with
another horizon and discount rate (what a settings change costs on the page). Figures go to
docs/benchmarks.md, section "Lifetime value".
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.btyd_sim import CDNOW_DAYS, simulate  # noqa: E402
from bench.common import median_time  # noqa: E402
from bench.docs import write_section  # noqa: E402

AS_OF = dt.date(2025, 6, 29)  # the simulation's 546th day

PYMC_FIT = """
import json, sys, time
t0 = time.perf_counter()
import pandas as pd
from pymc_extras.prior import Prior
from pymc_marketing.clv import BetaGeoModel, GammaGammaModel
t_import = time.perf_counter() - t0
s = pd.read_csv(sys.argv[1]).assign(customer_id=lambda d: range(len(d)))
flat = {k: Prior("HalfFlat") for k in ("r", "alpha", "a", "b")}  # so MAP = maximum likelihood
t0 = time.perf_counter()
warm = s.head(2000)  # the first fit of a process compiles its graph: timed apart
BetaGeoModel(model_config=flat).fit(data=warm[["customer_id", "frequency", "recency", "T"]], method="map",
                                    progressbar=False)
GammaGammaModel().fit(data=warm[warm["frequency"] > 0][["customer_id", "frequency", "monetary_value"]],
                      method="map", progressbar=False)
t_warm = time.perf_counter() - t0
t0 = time.perf_counter()
bg = BetaGeoModel(model_config=flat)
bg.fit(data=s[["customer_id", "frequency", "recency", "T"]], method="map", progressbar=False)
t1 = time.perf_counter()
gg = GammaGammaModel()
gg.fit(data=s[s["frequency"] > 0][["customer_id", "frequency", "monetary_value"]], method="map", progressbar=False)
t2 = time.perf_counter()
post = bg.idata.posterior
print(json.dumps({"import_s": t_import, "warm_s": t_warm, "bg_s": t1 - t0, "gg_s": t2 - t1,
                  "r": float(post["r"].values.squeeze()), "alpha": float(post["alpha"].values.squeeze())}))
"""


def peak_mb() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run(n: int, runs: int, pymc: str | None) -> dict:
    from crm_core import clv

    tx = simulate(n, seed=11)
    t_sum, summary = median_time(lambda: clv.rfm_summary(tx, AS_OF, "day"), runs)
    t_bg, bg = median_time(lambda: clv.fit_bgnbd(summary, "day"), runs)
    t_gg, gg = median_time(lambda: clv.fit_gamma_gamma(summary), runs)
    fitted = clv.Fitted(summary, bg, gg, AS_OF)
    t_score, _ = median_time(lambda: clv.score(fitted, 365, 0.01), runs)
    t_rescore, _ = median_time(lambda: clv.score(fitted, 180, 0.02), runs)
    row = {
        "customers": n,
        "rows": len(tx),
        "distinct": len(summary.groupby(["frequency", "recency", "T"]).size()),
        "summary_s": t_sum,
        "bg_s": t_bg,
        "gg_s": t_gg,
        "score_s": t_score,
        "rescore_s": t_rescore,
        "bg": bg,
        "gg": gg,
    }
    if pymc:
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "s.csv"
            summary.drop(columns=["first_purchase", "last_purchase"]).to_csv(path, index=False)
            res = subprocess.run([pymc, "-c", PYMC_FIT, str(path)], capture_output=True, text=True, timeout=3600)
            row["pymc"] = json.loads(res.stdout.strip().splitlines()[-1]) if res.returncode == 0 else res.stderr[-300:]
    return row


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--pymc", help="a Python with pymc-marketing installed, to time its MAP fit side by side")
    args = ap.parse_args()
    sizes, runs = ([20_000], 1) if args.quick else ([100_000, 1_000_000], 3)
    rows = [run(n, runs, args.pymc) for n in sizes]
    lines = [
        "## Lifetime value",
        "",
        f"`bench/bench_clv.py`{' --quick' if args.quick else ''} on {platform.machine()}, "
        f"{os.cpu_count()} cores, Python {platform.python_version()}: medians of {runs} run(s). "
        "Transactions simulated from BG/NBD + Gamma-Gamma with CDNOW's parameters (per day: "
        f"r {CDNOW_DAYS['r']}, alpha {CDNOW_DAYS['alpha']:.1f}, a {CDNOW_DAYS['a']}, b {CDNOW_DAYS['b']}), "
        "fitted in days. Goal: fit and score at 1 M customers ≤ 60 s; a re-score ≤ 1 s.",
        "",
        "| customers | rows | distinct (x, t_x, T) | inputs on DuckDB | BG/NBD fit | Gamma-Gamma fit | score | "
        "re-score | fitted r, alpha, a, b |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for r in rows:
        bg = r["bg"]
        lines.append(
            f"| {r['customers']:,} | {r['rows']:,} | {r['distinct']:,} | {r['summary_s']:.2f} s | {r['bg_s']:.2f} s | "
            f"{r['gg_s']:.2f} s | {r['score_s']:.2f} s | {r['rescore_s']:.2f} s | "
            f"{bg.r:.3f}, {bg.alpha:.1f}, {bg.a:.3f}, {bg.b:.3f} |"
        )
    total = rows[-1]["summary_s"] + rows[-1]["bg_s"] + rows[-1]["gg_s"] + rows[-1]["score_s"]
    lines += [
        "",
        f"Fit and score at {rows[-1]['customers']:,} customers: {total:.1f} s in all; peak RSS {peak_mb():,.0f} MB "
        "(most of it the simulation's arrays).",
    ]
    if args.pymc:
        lines += [
            "",
            'PyMC-Marketing 0.19.2 (`fit(method="map")`, HalfFlat priors so that MAP = maximum likelihood) '
            "on the same per-customer inputs, in the same run, from a venv of its own (+402 MB installed):",
            "",
        ]
        for r in rows:
            p = r.get("pymc")
            if isinstance(p, dict):
                ratio = (p["bg_s"] + p["gg_s"]) / (r["bg_s"] + r["gg_s"])
                lines.append(
                    f"* {r['customers']:,} customers: BG/NBD {p['bg_s']:.1f} s, Gamma-Gamma {p['gg_s']:.1f} s "
                    f"(×{ratio:.1f} our two fits), after a {p['import_s']:.1f} s import and a "
                    f"{p['warm_s']:.1f} s first fit on 2,000 customers (graph compilation); r {p['r']:.3f}, "
                    f"alpha {p['alpha']:.1f}."
                )
            else:
                lines.append(f"* {r['customers']:,} customers: failed: {p}")
    if not args.quick:  # the quick mode (a test) only checks that the script runs
        write_section("Lifetime value", lines)
    print("\n".join(lines))


if __name__ == "__main__":
    main()
