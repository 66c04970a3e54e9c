"""The benchmark scripts run (in their quick mode) so they cannot rot."""

import subprocess
import sys

from conftest import ROOT


def test_load_benchmark_quick_mode():
    res = subprocess.run(
        [sys.executable, str(ROOT / "bench/bench_load.py"), "--quick"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert res.returncode == 0, res.stderr
    assert "load+validate+summarize" in res.stdout and "20,000 rows" in res.stdout


def test_rfm_benchmark_quick_mode():
    res = subprocess.run(
        [sys.executable, str(ROOT / "bench/bench_rfm.py"), "--quick"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert res.returncode == 0, res.stderr
    assert "100,000 customers" in res.stdout and "move cn8" in res.stdout
