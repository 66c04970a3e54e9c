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
    ],
)
def test_benchmark_quick_mode(script, expected):
    res = subprocess.run(
        [sys.executable, str(ROOT / "bench" / script), "--quick"], cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert res.returncode == 0, res.stderr
    for text in expected:
        assert text in res.stdout


def test_summarize_benchmark_quick_mode():
    res = subprocess.run(
        [sys.executable, str(ROOT / "bench/bench_summarize.py"), "--quick"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert res.returncode == 0, res.stderr
    assert "100,000 rows" in res.stdout and "crm_core" in res.stdout and "pandas" in res.stdout


def test_page_benchmark_quick_mode():
    res = subprocess.run(
        [sys.executable, str(ROOT / "bench/bench_pages.py"), "--quick"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert res.returncode == 0, res.stderr[-2000:]
    assert res.stdout.count("rerun") == 4
