"""RFM: scores, high/low splits, segments, summaries and what-if migration.

Recency is reversed everywhere: fewer days since the last purchase is *better*, so it gets
the higher score and counts as "high R" at or below its split.

Work is split so a what-if stays fast: :func:`prepare` ranks the values once per data and
scoring method; :func:`segment_codes` (flags + one table lookup) is all a split move costs.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from crm_core.errors import CrmError
from crm_core.groups import at_or_above, at_or_below
from crm_core.groups import summary as group_summary
from crm_core.params import BINS, M_BASES, RFM, SCORE_METHODS, SPLIT_METHODS, default
from crm_core.segments import UNASSIGNED, Scheme, assign, builtin, compile_scheme

DIMS = ("r", "f", "m")
# The settings themselves are declared once in crm_core.params (choices, defaults, bounds).


@dataclass(frozen=True)
class RfmParams:
    """Every RFM setting; the page edits these, the functions only read them."""

    score_method: str = default("score_method")  # quantile | threshold
    bins: int = default("bins")  # 3, 4 or 5 score points (quantile method)
    # Threshold method: ascending edges per dimension; len + 1 score points.
    r_edges: tuple[float, ...] = default("r_edges")
    f_edges: tuple[float, ...] = default("f_edges")
    m_edges: tuple[float, ...] = default("m_edges")
    split_method: str = default("split_method")  # mean | median | percentile | value | score_mean
    split_percentile: float = float(default("split_pct"))
    r_split: float | None = None  # value method: typed splits
    f_split: float | None = None
    m_split: float | None = None
    m_basis: str = default("m_basis")  # monetary | avg_spend (F and total M are collinear)

    def validate(self) -> RfmParams:
        if self.score_method not in SCORE_METHODS:
            raise CrmError("error.param", name="score_method", value=self.score_method)
        if self.split_method not in SPLIT_METHODS:
            raise CrmError("error.param", name="split_method", value=self.split_method)
        if self.bins not in BINS:
            raise CrmError("error.param", name="bins", value=self.bins)
        if self.m_basis not in M_BASES:
            raise CrmError("error.param", name="m_basis", value=self.m_basis)
        if not 0 < self.split_percentile < 100:
            raise CrmError("error.param", name="split_percentile", value=self.split_percentile)
        for dim in DIMS:
            edges = getattr(self, f"{dim}_edges")
            bad = not edges or len(edges) > 4 or not all(math.isfinite(e) for e in edges)
            if bad or any(b <= a for a, b in itertools.pairwise(edges)):
                raise CrmError("error.edges", dim=dim.upper(), edges=", ".join(map(str, edges)))
            if self.split_method == "value" and getattr(self, f"{dim}_split") is None:
                raise CrmError("error.param", name=f"{dim}_split", value="")
        return self

    def scores_key(self) -> tuple:
        """The settings that change the scores (a split move does not): the scores' cache key."""
        return tuple(getattr(self, p.name) for p in RFM if p.scores)

    @property
    def points(self) -> int:
        """Score points in use (the threshold method has len(edges) + 1 per dimension)."""
        if self.score_method == "quantile":
            return self.bins
        return max(len(getattr(self, f"{d}_edges")) for d in DIMS) + 1


@dataclass
class Prepared:
    """Values and scores of every customer; what a split move starts from."""

    customers: pd.DataFrame  # customer_id, recency_days, frequency, monetary, avg_spend
    values: np.ndarray  # n×3 float: recency, frequency, M (monetary or avg_spend)
    scores: np.ndarray  # n×3 int8 in 1..points
    revenue: np.ndarray  # monetary (net spend): what segment revenue adds up
    params: RfmParams
    notes: list[tuple[str, dict]] = field(default_factory=list)


def quantile_scores(values: np.ndarray, bins: int, reverse: bool = False) -> np.ndarray:
    """Score 1..bins by the share of customers strictly below: ties share one score.

    A value held by many customers cannot be split, so some scores may not occur; the
    caller reports that (see :func:`score_notes`). ``reverse``: lower values score higher.
    """
    v = -values if reverse else values
    below = pd.Series(v).rank(method="min").to_numpy() - 1
    return (np.floor(below / max(len(v), 1) * bins).astype(np.int64) + 1).clip(1, bins).astype(np.int8)


def threshold_scores(values: np.ndarray, edges: tuple[float, ...], reverse: bool = False) -> np.ndarray:
    """Points per range: value ≥ edge k earns k+1 points; recency ≤ edge k earns points from the top."""
    e = np.asarray(edges, dtype=float)
    if reverse:
        return (len(e) + 1 - np.searchsorted(e, values, side="left")).astype(np.int8)
    return (np.searchsorted(e, values, side="right") + 1).astype(np.int8)


def score_notes(values: np.ndarray, scores: np.ndarray, points: int) -> list[tuple[str, dict]]:
    """Say when a dimension yields fewer distinct scores than asked, and why."""
    notes = []
    for i, dim in enumerate(DIMS):
        distinct = len(np.unique(scores[:, i]))
        if distinct < points and len(values):
            common = pd.Series(values[:, i]).value_counts(normalize=True)
            notes.append(
                (
                    "note.few_scores",
                    {
                        "dim": dim.upper(),
                        "distinct": distinct,
                        "points": points,
                        "value": _short(common.index[0]),
                        "share": round(100 * float(common.iloc[0]), 1),
                    },
                )
            )
    return notes


def _short(v: float) -> str:
    return f"{v:g}" if isinstance(v, float) else str(v)


def prepare(customers: pd.DataFrame, params: RfmParams, with_scores: bool = True) -> Prepared:
    """Values and scores for every customer (the expensive step: ranks). ``with_scores=False``
    skips the ranks (scores all 1) for a scheme that reads only high/low flags."""
    params.validate()
    m_col = params.m_basis
    base = customers[["customer_id", "recency_days", "frequency", "monetary", "avg_spend"]]
    values = np.column_stack(
        [
            base["recency_days"].to_numpy(dtype=float),
            base["frequency"].to_numpy(dtype=float),
            base[m_col].to_numpy(dtype=float),
        ]
    )
    if not with_scores:
        scores = np.ones((len(base), 3), dtype=np.int8)
    elif params.score_method == "quantile":
        scores = np.column_stack(
            [quantile_scores(values[:, i], params.bins, reverse=(d == "r")) for i, d in enumerate(DIMS)]
        )
    else:
        scores = np.column_stack(
            [
                threshold_scores(values[:, i], getattr(params, f"{d}_edges"), reverse=(d == "r"))
                for i, d in enumerate(DIMS)
            ]
        )
    notes = score_notes(values, scores, params.points) if with_scores else []
    return Prepared(base, values, scores, base["monetary"].to_numpy(dtype=float), params, notes)


def splits(prep: Prepared, params: RfmParams | None = None) -> dict[str, float]:
    """The value of R, F and M at which a customer starts to count as high."""
    p = params or prep.params
    out = {}
    for i, dim in enumerate(DIMS):
        col = prep.values[:, i]
        if p.split_method == "mean":
            out[dim] = float(np.mean(col))
        elif p.split_method == "median":
            out[dim] = float(np.median(col))
        elif p.split_method == "percentile":
            # For recency "top x %" means the most recent: take the mirrored percentile.
            q = 100 - p.split_percentile if dim == "r" else p.split_percentile
            out[dim] = float(np.percentile(col, q))
        elif p.split_method == "value":
            out[dim] = float(getattr(p, f"{dim}_split"))
        else:  # score_mean: split the scores at their mean instead of the raw values
            out[dim] = float(np.mean(prep.scores[:, i]))
    return out


def flags(prep: Prepared, split: dict[str, float], on_scores: bool = False) -> np.ndarray:
    """n×3 bool: high R (recency at or below its split), high F, high M (at or above)."""
    src = prep.scores.astype(float) if on_scores else prep.values
    if on_scores:  # scores are already oriented: a higher R score is better
        return np.column_stack([at_or_above(src[:, i], split[d]) for i, d in enumerate(DIMS)])
    return np.column_stack(
        [
            at_or_below(src[:, 0], split["r"]),
            at_or_above(src[:, 1], split["f"]),
            at_or_above(src[:, 2], split["m"]),
        ]
    )


def segment_codes(
    prep: Prepared, scheme: Scheme, params: RfmParams | None = None, table: np.ndarray | None = None
) -> tuple[np.ndarray, dict[str, float]]:
    """Rule index per customer (len(rules) = unassigned) and the splits used."""
    p = params or prep.params
    if scheme.bins and p.points != scheme.bins and scheme.uses_scores:
        raise CrmError("error.scheme_points", scheme=scheme.key, bins=scheme.bins, points=p.points)
    split = splits(prep, p)
    f = flags(prep, split, on_scores=p.split_method == "score_mean")
    codes = assign(compile_scheme(scheme) if table is None else table, f, prep.scores)
    codes = np.where(codes < 0, len(scheme.rules), codes)
    return codes, split


def rfm(customers: pd.DataFrame, params: RfmParams = RfmParams(), scheme: Scheme | str = "cn8") -> pd.DataFrame:
    """Scores, flags and segment per customer.

    Returns
    -------
    DataFrame with ``customer_id, recency_days, frequency, monetary, avg_spend, r_score,
    f_score, m_score, r_high, f_high, m_high, segment`` (the scheme's stable key, or
    ``unassigned``).
    """
    scheme = builtin(scheme) if isinstance(scheme, str) else scheme
    prep = prepare(customers, params)
    codes, split = segment_codes(prep, scheme)
    out = prep.customers.copy()
    for i, d in enumerate(DIMS):
        out[f"{d}_score"] = prep.scores[:, i].astype("int64")
    f = flags(prep, split, on_scores=params.split_method == "score_mean")
    for i, d in enumerate(DIMS):
        out[f"{d}_high"] = f[:, i]
    out["segment"] = np.asarray(scheme.keys, dtype=object)[codes]
    return out


def summary(prep: Prepared, codes: np.ndarray, scheme: Scheme) -> pd.DataFrame:
    """One row per segment (scheme order, unassigned last when it has customers).

    Columns: ``segment, customers, pct_customers, revenue, pct_revenue, avg_recency,
    avg_frequency, avg_monetary, avg_spend``. Customers and revenue add up to the totals.
    """
    averages = {
        "avg_recency": prep.customers["recency_days"].to_numpy(dtype=float),
        "avg_frequency": prep.customers["frequency"].to_numpy(dtype=float),
        "avg_monetary": prep.revenue,
        "avg_spend": prep.customers["avg_spend"].to_numpy(dtype=float),
    }
    frame = group_summary(codes, scheme.keys, prep.revenue, averages)
    keep = (frame["segment"] != UNASSIGNED) | (frame["customers"] > 0)
    return frame[keep].reset_index(drop=True)


def explain(prep: Prepared, index: int, split: dict[str, float], params: RfmParams) -> list[dict]:
    """Why customer ``index`` is high or low on each dimension: value, split, outcome."""
    rows = []
    on_scores = params.split_method == "score_mean"
    for i, d in enumerate(DIMS):
        value = float(prep.scores[index, i] if on_scores else prep.values[index, i])
        rule = at_or_above if (on_scores or d != "r") else at_or_below
        high = bool(rule(np.array([value]), split[d])[0])
        rows.append(
            {
                "dim": d,
                "value": value,
                "score": int(prep.scores[index, i]),
                "split": split[d],
                "rule": ">=" if (on_scores or d != "r") else "<=",
                "high": bool(high),
            }
        )
    return rows
