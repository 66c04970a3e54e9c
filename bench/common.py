"""What several benchmarks share: the seeded transaction log and a median timer."""

from __future__ import annotations

import statistics
import time


def transactions(rows: int, seed: int = 11):
    """Two years of time-stamped rows, heavy-tailed purchase counts (~rows / 8 customers),
    ~4 % returns: ``customer_id, order_date, amount``."""
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(seed)
    customers = max(1, rows // 8)
    w = rng.pareto(1.2, customers) + 1
    cust = rng.choice(customers, rows, p=w / w.sum())
    amount = np.round(rng.lognormal(5, 0.8, rows), 2)
    amount[rng.random(rows) < 0.04] *= -1
    seconds = rng.integers(0, 730 * 86400, rows)
    return pd.DataFrame(
        {
            "customer_id": pd.array(np.char.add("C", cust.astype(str)), dtype="string"),
            "order_date": pd.Timestamp("2023-01-01") + pd.to_timedelta(seconds, unit="s"),
            "amount": amount,
        }
    )


def median_time(fn, runs: int):
    """(median seconds of ``runs`` calls, the last call's result)."""
    times, result = [], None
    for _ in range(runs):
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), result
