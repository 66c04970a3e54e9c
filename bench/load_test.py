"""Load test on loopback: concurrent browser sessions load the app and make what-if moves.

    .venv/bin/python bench/load_test.py            # 10 and 20 sessions, 8 moves each, 2 rounds
    .venv/bin/python bench/load_test.py --quick    # 3 sessions, 3 moves, 2 rounds (used in CI)

Each session is its own browser context (its own Streamlit session) in Debian's Chromium. A
session opens the RFM explorer on the demo data ("load"), then moves the R split slider and
waits until the page shows the new split ("move"). Reported: errors, p50/p95 latency per
interaction, and the server's resident memory after each round. Traffic stays on 127.0.0.1;
every loop is bounded in count and time. Figures go to docs/load-test.md (full mode).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "load-test.md"
TIMEOUT_S = 120  # any single interaction
sys.path.insert(0, str(ROOT))
from bench.server import CHROMIUM, start_server  # noqa: E402
from bench.server import CHROMIUM_ARGS as ARGS  # noqa: E402


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


async def session(browser, url: str, moves: int, timings: dict, errors: list) -> None:
    ctx = await browser.new_context(viewport={"width": 1300, "height": 1000})
    page = await ctx.new_page()
    try:
        t0 = time.perf_counter()
        await page.goto(f"{url}/rfm?lang=en&split_method=value&r_split=200", wait_until="domcontentloaded")
        metric = page.locator("[data-testid='stMetric']").filter(has_text="High R").first
        value = metric.locator("[data-testid='stMetricValue']")
        await value.wait_for(timeout=TIMEOUT_S * 1000)
        timings["load"].append(time.perf_counter() - t0)
        slider = page.get_by_role("slider", name="R split: at most this many days is high")
        for _ in range(moves):
            before = (await value.inner_text()).strip()
            t0 = time.perf_counter()
            await slider.focus()
            await slider.press("ArrowLeft")
            deadline = time.perf_counter() + TIMEOUT_S
            while (await value.inner_text()).strip() == before:
                if time.perf_counter() > deadline:
                    raise TimeoutError("the split did not change")
                await asyncio.sleep(0.02)
            timings["move"].append(time.perf_counter() - t0)
        if await page.locator("[data-testid='stException']").count():
            errors.append("exception shown")
    except Exception as exc:  # a failed session is counted, the others go on
        errors.append(f"{type(exc).__name__}: {str(exc)[:120]}")
    finally:
        await ctx.close()


async def round_(url: str, sessions: int, moves: int) -> tuple[dict, list]:
    from playwright.async_api import async_playwright

    timings: dict[str, list[float]] = {"load": [], "move": []}
    errors: list[str] = []
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        await asyncio.gather(*(session(browser, url, moves, timings, errors) for _ in range(sessions)))
        await browser.close()
    return timings, errors


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    values = sorted(values)
    return values[min(len(values) - 1, round(q / 100 * (len(values) - 1)))]


def run(levels: list[int], moves: int, rounds: int = 2) -> list[dict]:
    rows = []
    for sessions in levels:
        proc, url = start_server()
        try:
            for r in range(1, rounds + 1):
                timings, errors = asyncio.run(round_(url, sessions, moves))
                row = {
                    "sessions": sessions,
                    "round": r,
                    "errors": len(errors),
                    "error_text": errors[:3],
                    "load_p50": statistics.median(timings["load"]) if timings["load"] else float("nan"),
                    "load_p95": pct(timings["load"], 95),
                    "move_p50": statistics.median(timings["move"]) if timings["move"] else float("nan"),
                    "move_p95": pct(timings["move"], 95),
                    "moves": len(timings["move"]),
                    "rss_mb": rss_mb(proc.pid),
                }
                rows.append(row)
                print(
                    f"{sessions:>3} sessions round {r}: errors {row['errors']}, load p50 {row['load_p50']:.2f}s "
                    f"p95 {row['load_p95']:.2f}s, move p50 {row['move_p50']:.2f}s p95 {row['move_p95']:.2f}s "
                    f"({row['moves']} moves), server RSS {row['rss_mb']:.0f} MB",
                    flush=True,
                )
        finally:
            proc.terminate()
            proc.wait(timeout=30)
    return rows


def write_doc(rows: list[dict], moves: int) -> None:
    lines = [
        "# Load test",
        "",
        "`bench/load_test.py`: concurrent Chromium sessions (one browser context each) against one",
        f"Streamlit server on 127.0.0.1, on this {os.cpu_count()}-core machine; browser and server share",
        f"the cores. Each session opens the RFM explorer on the demo data (load), then makes {moves} what-if",
        "moves of the R split (move: key press → the new split shown). Two rounds per level on the same",
        "server; memory is the server's resident set after each round.",
        "",
        "| sessions | round | errors | load p50 s | load p95 s | move p50 s | move p95 s | server RSS MB |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        lines.append(
            f"| {r['sessions']} | {r['round']} | {r['errors']} | {r['load_p50']:.2f} | {r['load_p95']:.2f} | "
            f"{r['move_p50']:.2f} | {r['move_p95']:.2f} | {r['rss_mb']:.0f} |"
        )
    ten = [r for r in rows if r["sessions"] == 10]
    verdict = "met" if ten and max(r["move_p95"] for r in ten) < 1.5 else "missed"
    lines += [
        "",
        f"Goal (issue 7): no errors; move p95 under 1.5 s at 10 sessions — **{verdict}**; memory",
        "should level off in the second round (compare the RSS of rounds 1 and 2).",
        "",
    ]
    DOC.write_text("\n".join(lines), encoding="utf-8")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    if CHROMIUM is None:
        print("Chromium is not installed: the load test needs it", file=sys.stderr)
        return 2
    if args.quick:
        rows = run([3], moves=3)
    else:
        rows = run([10, 20], moves=8)
        write_doc(rows, 8)
        print(f"figures written to {DOC}")
    return 1 if any(r["errors"] for r in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
