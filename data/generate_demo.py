"""Generate the bundled demo data (seeded, so the files are reproducible byte for byte).

    python data/generate_demo.py          # rewrites data/demo_transactions.csv

Customers arrive over two years, buy at heavy-tailed rates (a minority brings most revenue),
and many lapse; ~4 % of order lines are later returned (negative amounts).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
START, END = pd.Timestamp("2023-01-01"), pd.Timestamp("2024-12-31 23:59:59")
CATEGORIES = {  # category → (typical line amount in yuan, gross margin)
    "Apparel": (180, 0.45),
    "Beauty": (120, 0.55),
    "Electronics": (900, 0.18),
    "Home": (260, 0.35),
    "Food": (60, 0.25),
    "Books": (45, 0.30),
    "Sports": (320, 0.40),
}
CHANNELS = ["app", "web", "store", "mini_program"]
REGIONS = ["Shanghai", "Beijing", "Guangdong", "Zhejiang", "Jiangsu", "Sichuan", "Hubei", "Shandong"]


def generate(n_customers: int = 4000, seed: int = 20241231) -> pd.DataFrame:
    """Order lines: order_id, customer_id, order_date, category, channel, region, amount, cost."""
    rng = np.random.default_rng(seed)
    span_days = (END - START).days + 1
    arrival = rng.integers(0, span_days - 7, n_customers)
    # Purchase rate per year: gamma with shape < 1 gives a long tail of heavy buyers.
    rate = rng.gamma(shape=0.6, scale=12.0, size=n_customers) + 0.5
    # Active life in days: many lapse within months, some stay for the whole period.
    life = rng.exponential(scale=420, size=n_customers)
    spend_level = rng.lognormal(mean=0.0, sigma=0.6, size=n_customers)
    home_region = rng.choice(REGIONS, n_customers, p=_weights(len(REGIONS), rng))
    fav_channel = rng.choice(CHANNELS, n_customers, p=[0.45, 0.25, 0.2, 0.1])
    cats = list(CATEGORIES)
    rows = []
    order_no = 0
    for c in range(n_customers):
        end_day = min(span_days, arrival[c] + life[c])
        days = [arrival[c]]  # every customer makes a first purchase on arrival
        t = float(arrival[c])
        while True:
            t += rng.exponential(365.0 / rate[c])
            if t >= end_day:
                break
            days.append(t)
        fav_cat = rng.choice(cats)
        for d in days:
            order_no += 1
            stamp = START + pd.Timedelta(days=int(d)) + pd.Timedelta(seconds=int(rng.integers(8 * 3600, 23 * 3600)))
            channel = fav_channel[c] if rng.random() < 0.7 else rng.choice(CHANNELS)
            for _ in range(1 + rng.poisson(0.4)):
                cat = fav_cat if rng.random() < 0.5 else rng.choice(cats)
                base, margin = CATEGORIES[cat]
                amount = round(float(base * spend_level[c] * rng.lognormal(0, 0.5)), 2)
                cost = round(amount * (1 - margin) * rng.uniform(0.9, 1.1), 2)
                rows.append((f"SO{order_no:07d}", f"C{c + 1:05d}", stamp, cat, channel, home_region[c], amount, cost))
    tx = pd.DataFrame(
        rows, columns=["order_id", "customer_id", "order_date", "category", "channel", "region", "amount", "cost"]
    )
    returns = tx.sample(frac=0.04, random_state=seed)
    returns = returns.assign(
        order_date=returns["order_date"] + pd.to_timedelta(rng.integers(2, 30, len(returns)), unit="D"),
        amount=-returns["amount"],
        cost=-returns["cost"],
    )
    returns = returns[returns["order_date"] <= END]
    tx = pd.concat([tx, returns], ignore_index=True)
    tx = tx.sort_values(["order_date", "order_id"], kind="stable").reset_index(drop=True)
    tx["order_date"] = tx["order_date"].dt.strftime("%Y-%m-%d %H:%M:%S")
    return tx


def _weights(n: int, rng: np.random.Generator) -> np.ndarray:
    w = rng.dirichlet(np.ones(n) * 2)
    return w / w.sum()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=4000)
    parser.add_argument("--seed", type=int, default=20241231)
    parser.add_argument("--out", type=Path, default=HERE / "demo_transactions.csv")
    args = parser.parse_args()
    tx = generate(args.customers, args.seed)
    tx.to_csv(args.out, index=False, lineterminator="\n")
    print(f"wrote {len(tx)} rows, {tx['customer_id'].nunique()} customers to {args.out}")


if __name__ == "__main__":
    main()
