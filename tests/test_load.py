"""The load test in its short bounded mode: concurrent sessions, no errors, memory reported."""

import os
import re
import shutil
import subprocess
import sys

import pytest
from conftest import ROOT

pytestmark = pytest.mark.browser


def test_load_test_quick_mode():
    if not (os.path.exists("/usr/lib/chromium/chromium") or shutil.which("chromium")):
        if os.environ.get("CI"):
            pytest.fail("Chromium is missing under CI")
        pytest.skip("Chromium is not installed")
    res = subprocess.run(
        [sys.executable, str(ROOT / "bench/load_test.py"), "--quick"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert res.returncode == 0, res.stdout + res.stderr
    rounds = re.findall(
        r"(protocol|browser) +3 sessions round (\d): errors (\d+).*\((\d+) moves\), "
        r"server RSS (\d+) MB",
        res.stdout,
    )
    assert [(r[0], r[1]) for r in rounds] == [("protocol", "1"), ("protocol", "2"), ("browser", "1"), ("browser", "2")]
    rounds = [r[1:] for r in rounds]
    assert all(r[1] == "0" and int(r[2]) == 9 and int(r[3]) > 0 for r in rounds)
