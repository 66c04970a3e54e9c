"""The benchmark scripts run (in their quick mode) so they cannot rot."""

import subprocess
import sys

import pytest
from conftest import ROOT


@pytest.mark.parametrize(
    ("script", "expected"),
    [
        ("bench_load.py", ["load+validate+summarize", "20,000 rows"]),
        ("bench_rfm.py", ["100,000 customers", "move cn8"]),
        ("potential_holdout.py", ["model MAE", "naive"]),
        ("bench_summarize.py", ["100,000 rows", "crm_core", "pandas"]),
        ("bench_pages.py", ["pages/rfm.py", "pages/lifecycle.py", "rerun"]),
        ("bench_excel.py", ["5,000 rows", "openpyxl", "calamine", "refused in"]),
        ("bench_clv.py", ["20,000", "Fit and score at 20,000 customers"]),
        ("bench_overtime.py", ["100,000", "move date A", "plain DuckDB"]),
        ("bench_scope.py", ["100,000", "RFM per store", "a filter change"]),
        ("bench_cli.py", ["100,000 rows", "rfm --engine duckdb", "peak"]),
    ],
)
def test_benchmark_quick_mode(script, expected):
    res = subprocess.run(
        [sys.executable, str(ROOT / "bench" / script), "--quick"], cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert res.returncode == 0, res.stderr
    for text in expected:
        assert text in res.stdout
