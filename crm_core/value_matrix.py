"""Customer value matrix (客户价值矩阵): purchase frequency × average spend per purchase.

A value exactly on a split line counts as high. Keys: premium (high F, high spend),
spender (low F, high spend), frequent (high F, low spend), uncertain (low F, low spend).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from crm_core.errors import CrmError
from crm_core.groups import at_or_above
from crm_core.params import AXIS_SPLITS, default

TYPES = ("premium", "spender", "frequent", "uncertain")
SPLIT_METHODS = AXIS_SPLITS


@dataclass(frozen=True)
class Split:
    """Where a high/low line sits: at the mean (default), median, a percentile or a value."""

    method: str = default("vm_f_method")
    percentile: float = float(default("vm_f_pct"))
    value: float | None = None

    def at(self, values: np.ndarray) -> float:
        if self.method == "mean":
            return float(np.mean(values))
        if self.method == "median":
            return float(np.median(values))
        if self.method == "percentile":
            if not 0 < self.percentile < 100:
                raise CrmError("error.param", name="percentile", value=self.percentile)
            return float(np.percentile(values, self.percentile))
        if self.method == "value" and self.value is not None:
            return float(self.value)
        raise CrmError("error.param", name="split", value=f"{self.method} {self.value}")


def type_codes(frequency: np.ndarray, avg_spend: np.ndarray, f_line: float, s_line: float) -> np.ndarray:
    """Index into TYPES per customer (on the line counts as high)."""
    high_f = at_or_above(frequency, f_line)
    high_s = at_or_above(avg_spend, s_line)
    return np.select([high_f & high_s, ~high_f & high_s, high_f & ~high_s], [0, 1, 2], default=3).astype(np.intp)


def value_matrix(customers: pd.DataFrame, f_split: Split = Split(), s_split: Split = Split()) -> pd.DataFrame:
    """One row per customer.

    Returns
    -------
    DataFrame with ``customer_id, frequency, avg_spend, monetary, value_type`` (a key of TYPES).
    """
    out = customers[["customer_id", "frequency", "avg_spend", "monetary"]].copy()
    f, s = lines(customers, f_split, s_split)
    out["value_type"] = np.asarray(TYPES, dtype=object)[
        type_codes(out["frequency"].to_numpy(float), out["avg_spend"].to_numpy(float), f, s)
    ]
    return out


def lines(customers: pd.DataFrame, f_split: Split, s_split: Split) -> tuple[float, float]:
    """The frequency and average-spend split lines for this data."""
    return f_split.at(customers["frequency"].to_numpy(float)), s_split.at(customers["avg_spend"].to_numpy(float))
