"""The one split rule: a value at the split counts as high.

Splits are often computed (a mean or median of decimal amounts), and floating point puts
the mean of 33.30, 66.60 and 99.90 at 66.60000000000001, just above 66.60. Comparisons
therefore allow a tolerance of a billionth of the split's size, so a value that equals the
split on paper is high in the program too.
"""

from __future__ import annotations

import numpy as np

RELATIVE_TOLERANCE = 1e-9


def _tolerance(split: float) -> float:
    return RELATIVE_TOLERANCE * max(1.0, abs(float(split)))


def at_or_above(values: np.ndarray, split: float) -> np.ndarray:
    """True where ``values`` ≥ ``split`` (high F, M, spend, value, potential)."""
    return np.asarray(values, dtype=float) >= float(split) - _tolerance(split)


def at_or_below(values: np.ndarray, split: float) -> np.ndarray:
    """True where ``values`` ≤ ``split`` (high R: recency is reversed, fewer days is better)."""
    return np.asarray(values, dtype=float) <= float(split) + _tolerance(split)
