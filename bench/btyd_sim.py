"""Transactions simulated from the BG/NBD and Gamma-Gamma processes (for benchmarks and tests).

Each customer has a purchase rate λ ~ Gamma(r, 1/alpha) per day, a dropout probability
p ~ Beta(a, b) after each purchase, and spends Gamma(p_s, ν) per purchase with
ν ~ Gamma(q, 1/gamma). The first purchase falls in the first ``start_days`` days.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

CDNOW_DAYS = {"r": 0.243, "alpha": 4.414 * 7, "a": 0.793, "b": 2.426}  # CDNOW's rates, per day
CDNOW_SPEND = {"p": 6.25, "q": 3.74, "gamma": 15.44}


def simulate(
    n: int,
    days: int = 546,
    start_days: int = 84,
    seed: int = 0,
    max_purchases: int = 40,
    bg: dict = CDNOW_DAYS,
    spend: dict = CDNOW_SPEND,
) -> pd.DataFrame:
    """``customer_id, order_date, amount``: one row per purchase from 2024-01-01 on, ``days`` long."""
    rng = np.random.default_rng(seed)
    lam = rng.gamma(bg["r"], 1 / bg["alpha"], n)
    drop = rng.beta(bg["a"], bg["b"], n)
    nu = rng.gamma(spend["q"], 1 / spend["gamma"], n)
    first = rng.integers(0, start_days, n).astype(float)
    gaps = rng.exponential(1.0, (n, max_purchases - 1)) / lam[:, None]
    times = first[:, None] + np.cumsum(gaps, axis=1)
    # after each purchase the customer leaves with probability p (BG/NBD: dropout follows a purchase)
    survives = np.cumprod(rng.random((n, max_purchases - 1)) >= drop[:, None], axis=1)
    alive_before = np.hstack([np.ones((n, 1), bool), survives[:, :-1].astype(bool)])
    keep = alive_before & (times < days)
    rows, cols = np.nonzero(keep)
    day = np.concatenate([first, times[rows, cols]])
    who = np.concatenate([np.arange(n), rows])
    amount = rng.gamma(spend["p"], 1 / nu[who])
    order = np.lexsort((day, who))
    ids = np.char.add("C", np.char.zfill(np.arange(n).astype(str), 7))
    return pd.DataFrame(
        {
            "customer_id": pd.array(ids[who[order]], dtype="string"),
            "order_date": pd.Timestamp("2024-01-01") + pd.to_timedelta(np.floor(day[order]), unit="D"),
            "amount": np.round(amount[order], 2),
        }
    )
