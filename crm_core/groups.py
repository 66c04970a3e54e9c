"""Groups of customers: the split rule, per-group counts, and the comparison of two groupings.

The one split rule: a value at the split counts as high.

Splits are often computed (a mean or median of decimal amounts), and floating point puts
the mean of 33.30, 66.60 and 99.90 at 66.60000000000001, just above 66.60. Comparisons
therefore allow a tolerance of a billionth of the split's size, so a value that equals the
split on paper is high in the program too.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

RELATIVE_TOLERANCE = 1e-9


def _tolerance(split: float) -> float:
    return RELATIVE_TOLERANCE * max(1.0, abs(float(split)))


def at_or_above(values: np.ndarray, split: float) -> np.ndarray:
    """True where ``values`` ≥ ``split`` (high F, M, spend, value, potential)."""
    return np.asarray(values, dtype=float) >= float(split) - _tolerance(split)


def at_or_below(values: np.ndarray, split: float) -> np.ndarray:
    """True where ``values`` ≤ ``split`` (high R: recency is reversed, fewer days is better)."""
    return np.asarray(values, dtype=float) <= float(split) + _tolerance(split)


def counts(codes: np.ndarray, revenue: np.ndarray, n_groups: int) -> tuple[np.ndarray, np.ndarray]:
    """Customers and revenue per group code (the what-if inner loop: two bincounts)."""
    return (
        np.bincount(codes, minlength=n_groups),
        np.bincount(codes, weights=revenue, minlength=n_groups),
    )


def migration(
    before: np.ndarray, after: np.ndarray, revenue: np.ndarray, keys: list[str], after_keys: list[str] | None = None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """From-group × to-group tables of customers and of revenue (rows: the baseline).

    ``after_keys`` names the columns when the current grouping uses other keys.
    """
    cols = keys if after_keys is None else after_keys
    k, j = len(keys), len(cols)
    flat = before * j + after
    n = np.bincount(flat, minlength=k * j).reshape(k, j)
    rev = np.bincount(flat, weights=revenue, minlength=k * j).reshape(k, j)
    return pd.DataFrame(n, index=keys, columns=cols), pd.DataFrame(rev, index=keys, columns=cols)


@dataclass
class Comparison:
    """How customers moved between a baseline grouping and the current one (keys only, no labels).

    ``changes``: one row per group key present in either grouping, with ``customers_before,
    customers_after, customers_change, revenue_before, revenue_after, revenue_change``;
    ``customers`` and ``revenue``: the migration matrices (rows: baseline keys).
    """

    moved: int
    moved_revenue: float
    total: int
    changes: pd.DataFrame
    customers: pd.DataFrame
    revenue: pd.DataFrame


def compare(
    before_codes: np.ndarray,
    before_keys: list[str],
    after_codes: np.ndarray,
    after_keys: list[str],
    revenue: np.ndarray,
) -> Comparison:
    """Compare two groupings of the same customers (a what-if: the same function called twice)."""
    if len(before_codes) != len(after_codes):
        raise ValueError("the two groupings are of different customers")
    moved = np.asarray(before_keys, dtype=object)[before_codes] != np.asarray(after_keys, dtype=object)[after_codes]
    n0, r0 = counts(before_codes, revenue, len(before_keys))
    n1, r1 = counts(after_codes, revenue, len(after_keys))
    before = pd.DataFrame({"customers_before": n0, "revenue_before": r0}, index=list(before_keys))
    after = pd.DataFrame({"customers_after": n1, "revenue_after": r1}, index=list(after_keys))
    order = list(dict.fromkeys([*before_keys, *after_keys]))
    changes = before.join(after, how="outer").fillna(0).loc[order]
    changes = changes[(changes["customers_before"] > 0) | (changes["customers_after"] > 0)]
    for col in ("customers_before", "customers_after"):
        changes[col] = changes[col].astype("int64")
    changes["customers_change"] = changes["customers_after"] - changes["customers_before"]
    changes["revenue_change"] = changes["revenue_after"] - changes["revenue_before"]
    changes = changes[
        ["customers_before", "customers_after", "customers_change", "revenue_before", "revenue_after", "revenue_change"]
    ]
    n, rev = migration(before_codes, after_codes, revenue, list(before_keys), list(after_keys))
    return Comparison(int(moved.sum()), float(revenue[moved].sum()), len(after_codes), changes, n, rev)


def summary(codes: np.ndarray, keys: list[str], revenue: np.ndarray, averages: dict[str, np.ndarray]) -> pd.DataFrame:
    """One row per group, in ``keys`` order: the one per-group summary of every analysis.

    Columns ``segment, customers, pct_customers, revenue, pct_revenue`` and, for each entry of
    ``averages``, its name holding the group's mean of those values (NaN for an empty group).
    Customers and revenue add up to the totals; groups with no customer are kept (0).
    """
    k = len(keys)
    n, rev = counts(codes, revenue, k)
    total = revenue.sum()
    frame = pd.DataFrame(
        {
            "segment": keys,
            "customers": n,
            "pct_customers": 100 * n / max(len(codes), 1),
            "revenue": rev,
            "pct_revenue": 100 * rev / total if total else np.nan,
        }
    )
    with np.errstate(invalid="ignore", divide="ignore"):
        for name, values in averages.items():
            frame[name] = np.bincount(codes, weights=values, minlength=k) / n
    return frame
