"""RFM and the value matrix computed on an engine (DuckDB or Spark) that reads the file itself.

The per-customer table, the scores, the splits and the segments are all Ibis expressions, so
only one row per customer comes back to Python. Each step repeats the in-memory definition
(:mod:`crm_core.rfm`, :mod:`crm_core.value_matrix`) operation for operation, so both paths
give the same table:

* quantile score = ⌊(customers strictly below / customers) × points⌋ + 1: ``rank()`` over the
  values (R descending) counts the customers strictly below, ties share one rank;
* threshold score = 1 + the edges reached (R: points from the top), one comparison per edge;
* splits: ``avg`` (mean, score mean), ``quantile`` (median, percentile: ``percentile_cont`` on
  DuckDB, the exact ``percentile`` on Spark, both the linear interpolation numpy uses), or
  the value typed; a value on the split counts as high within the same relative tolerance as
  :mod:`crm_core.groups`;
* segments: the scheme's rules as one CASE expression (rules never overlap, see
  :func:`crm_core.segments.compile_scheme`), ``unassigned`` when no rule matches.

Values are compared as float64, as in memory; money is summed as DECIMAL(18, 2) first.
"""

from __future__ import annotations

import datetime as dt
import functools
import operator

import numpy as np
import pandas as pd

from crm_core.engine import _on_engine, _typed, connect
from crm_core.errors import CrmError
from crm_core.groups import RELATIVE_TOLERANCE
from crm_core.rfm import DIMS, RfmParams
from crm_core.segments import FLAG_DIMS, UNASSIGNED, Scheme, builtin
from crm_core.summarize import customer_expr
from crm_core.value_matrix import TYPES, Split

RFM_COLUMNS = [
    "customer_id", "recency_days", "frequency", "monetary", "avg_spend",
    "r_score", "f_score", "m_score", "r_high", "f_high", "m_high", "segment",
]  # fmt: skip
VALUE_MATRIX_COLUMNS = ["customer_id", "frequency", "avg_spend", "monetary", "value_type"]
VALUE_COLUMNS = {"r": "recency_days", "f": "frequency"}  # M: the m_basis column


def customers_expr(t, as_of: dt.date):
    """Ibis: the customers who bought by ``as_of`` (typed rows ``t``, see ``engine._typed``):
    ``customer_id, recency_days, frequency, monetary, avg_spend`` with money as float64,
    exactly as :func:`crm_core.summarize.summarize` returns them."""
    import ibis

    c = customer_expr(t, as_of, "order_id" in t.columns).filter(ibis._.frequency > 0)
    monetary = c.monetary.cast("float64")
    return c.select(
        "customer_id",
        recency_days=c.recency_days.cast("int64"),
        frequency=c.frequency.cast("int64"),
        monetary=monetary,
        avg_spend=monetary / c.frequency.cast("float64"),
    )


def _statistic(col, method: str, percentile: float | None = None, value: float | None = None):
    """Ibis scalar: where a high/low line sits (mean, median, percentile or a value), as in
    :func:`crm_core.rfm.splits` and :meth:`crm_core.value_matrix.Split.at`."""
    import ibis

    if method in ("mean", "score_mean"):
        return col.mean()
    if method == "median":  # numpy's median = the linear interpolation at 0.5
        return col.quantile(0.5)
    if method == "percentile":  # exact on both engines (percentile_cont / percentile), linear
        return col.quantile(percentile / 100)
    return ibis.literal(float(value), "float64")


def _at_or_above(value, split):
    """:func:`crm_core.groups.at_or_above` on the engine (same tolerance, same float operations)."""
    import ibis

    return value.cast("float64") >= split - RELATIVE_TOLERANCE * ibis.greatest(1.0, split.abs())


def _at_or_below(value, split):
    """:func:`crm_core.groups.at_or_below` on the engine (high R: recency is reversed)."""
    import ibis

    return value.cast("float64") <= split + RELATIVE_TOLERANCE * ibis.greatest(1.0, split.abs())


def _with_splits(t, splits: dict):
    """``t`` with one column per split: aggregates are computed once (a one-row table joined
    to every customer), typed values are constants."""
    aggregated = {k: v for k, v in splits.items() if _is_reduction(v)}
    if aggregated:
        t = t.cross_join(t.aggregate(**aggregated))
    constants = {k: v for k, v in splits.items() if k not in aggregated}
    return t.mutate(**constants) if constants else t


def _is_reduction(expr) -> bool:
    import ibis.expr.operations as ops

    return isinstance(expr.op(), ops.Reduction)


def rfm_expr(c, params: RfmParams | None = None, scheme: Scheme | str = "cn8"):
    """Ibis: :func:`crm_core.rfm.rfm` over a per-customer table ``c`` (see :func:`customers_expr`).

    Returns an expression with the columns :data:`RFM_COLUMNS` (rows in no particular order).
    """
    import ibis

    p = (params or RfmParams()).validate()
    scheme = builtin(scheme) if isinstance(scheme, str) else scheme
    if scheme.bins and p.points != scheme.bins and scheme.uses_scores:  # as rfm.segment_codes refuses
        raise CrmError("error.scheme_points", scheme=scheme.key, bins=scheme.bins, points=p.points)
    value = {"r": c.recency_days.cast("float64"), "f": c.frequency.cast("float64"), "m": c[p.m_basis]}
    if p.score_method == "quantile":
        n = c.customer_id.count().over(ibis.window()).cast("float64")
        scores = {}
        for d in DIMS:  # recency is reversed: customers with *more* days are the ones below
            below = ibis.rank().over(order_by=ibis.desc(value[d]) if d == "r" else value[d])
            score = (below.cast("float64") / n * p.bins).floor() + 1  # the float operations of rfm.quantile_scores
            scores[d] = ibis.least(ibis.greatest(score, 1), p.bins).cast("int64")
    else:
        scores = {}
        for d in DIMS:
            edges = getattr(p, f"{d}_edges")
            if d == "r":  # ≤ edge k earns points from the top: len + 1 − edges strictly below
                reached = sum((value[d] > float(e)).cast("int64") for e in edges)
                scores[d] = (len(edges) + 1 - reached).cast("int64")
            else:
                reached = sum((value[d] >= float(e)).cast("int64") for e in edges)
                scores[d] = (reached + 1).cast("int64")
    s = c.mutate(**{f"{d}_score": scores[d] for d in DIMS})
    on_scores = p.split_method == "score_mean"
    basis = {d: s[f"{d}_score"].cast("float64") if on_scores else s[VALUE_COLUMNS.get(d, p.m_basis)].cast("float64")
             for d in DIMS}  # fmt: skip
    splits = {}
    for d in DIMS:  # for recency "top x %" means the most recent: the mirrored percentile
        pct = 100 - p.split_percentile if d == "r" else p.split_percentile
        splits[f"_{d}_split"] = _statistic(basis[d], p.split_method, pct, getattr(p, f"{d}_split"))
    s = _with_splits(s, splits)
    highs = {}
    for d in DIMS:
        v = s[f"{d}_score"] if on_scores else s[VALUE_COLUMNS.get(d, p.m_basis)]
        rule = _at_or_below if d == "r" and not on_scores else _at_or_above
        highs[f"{d}_high"] = rule(v, s[f"_{d}_split"])
    s = s.mutate(**highs)
    return s.select(*RFM_COLUMNS[:-1], segment=_segment(s, scheme))


def _segment(s, scheme: Scheme):
    """The scheme's rules as one CASE: every rule a conjunction of flags and score ranges."""
    import ibis

    branches = []
    for rule in scheme.rules:
        conds = [
            (s[f"{dim}_high"] if want == "high" else ~s[f"{dim}_high"])
            if dim in FLAG_DIMS
            else s[dim].between(want[0], want[1])
            for dim, want in rule.when
        ]
        branches.append((functools.reduce(operator.and_, conds), rule.key))
    return ibis.cases(*branches, else_=UNASSIGNED) if branches else ibis.literal(UNASSIGNED)


def value_matrix_expr(c, f_split: Split | None = None, s_split: Split | None = None):
    """Ibis: :func:`crm_core.value_matrix.value_matrix` over a per-customer table ``c``.

    Returns an expression with the columns :data:`VALUE_MATRIX_COLUMNS` (rows in no particular order).
    """
    import ibis

    f_split, s_split = f_split or Split(), s_split or Split()
    for split in (f_split, s_split):  # the same refusals as in memory (bad percentile, no value)
        split.at(np.zeros(1))
    lines = {
        "_f_line": _statistic(c.frequency.cast("float64"), f_split.method, f_split.percentile, f_split.value),
        "_s_line": _statistic(c.avg_spend, s_split.method, s_split.percentile, s_split.value),
    }
    t = _with_splits(c, lines)
    high_f, high_s = _at_or_above(t.frequency, t._f_line), _at_or_above(t.avg_spend, t._s_line)
    kind = ibis.cases((high_f & high_s, TYPES[0]), (~high_f & high_s, TYPES[1]), (high_f & ~high_s, TYPES[2]),
                      else_=TYPES[3])  # fmt: skip
    return t.select(*VALUE_MATRIX_COLUMNS[:-1], value_type=kind)


def rfm_source(
    source: str,
    params: RfmParams | None = None,
    scheme: Scheme | str = "cn8",
    engine: str = "duckdb",
    as_of: dt.date | None = None,
    columns: dict[str, str] | None = None,
    con=None,
) -> pd.DataFrame:
    """:func:`crm_core.rfm.rfm` computed by ``engine`` on a file it reads (see
    :func:`crm_core.engine.summarize_source` for ``columns``): the same columns, values and
    order (by customer id). Only one row per customer comes back."""
    check_rfm(params, scheme)
    return _on_file(source, engine, as_of, columns, con, lambda c: rfm_expr(c, params, scheme), RFM_COLUMNS)


def value_matrix_source(
    source: str,
    f_split: Split | None = None,
    s_split: Split | None = None,
    engine: str = "duckdb",
    as_of: dt.date | None = None,
    columns: dict[str, str] | None = None,
    con=None,
) -> pd.DataFrame:
    """:func:`crm_core.value_matrix.value_matrix` computed by ``engine`` on a file it reads."""
    check_value_matrix(f_split, s_split)
    build = lambda c: value_matrix_expr(c, f_split, s_split)  # noqa: E731
    return _on_file(source, engine, as_of, columns, con, build, VALUE_MATRIX_COLUMNS)


def _on_file(source: str, engine: str, as_of, columns, con, build, cols: list[str]) -> pd.DataFrame:
    """``build(per-customer table)`` run by ``engine`` on the file it reads, ``cols`` fetched."""
    con = connect(engine, con)

    def work():
        t, as_of_ = _typed(con, source, columns, as_of)
        return _fetch(con, build(customers_expr(t, as_of_)), cols)

    return _on_engine(engine, work)


def check_rfm(params: RfmParams | None, scheme: Scheme | str) -> None:
    """CrmError for settings the in-memory path refuses, before any engine starts."""
    rfm_expr(_customers_shape(), params, scheme)


def check_value_matrix(f_split: Split | None, s_split: Split | None) -> None:
    """CrmError for lines the in-memory path refuses, before any engine starts."""
    value_matrix_expr(_customers_shape(), f_split, s_split)


def _customers_shape():
    """An unbound per-customer table (building an expression on it checks the settings)."""
    import ibis

    schema = {"customer_id": "string", "recency_days": "int64", "frequency": "int64"}
    return ibis.table({**schema, "monetary": "float64", "avg_spend": "float64"}, name="customers")


def _fetch(con, expr, cols: list[str]) -> pd.DataFrame:
    """The expression's rows sorted by customer id on the engine, typed as in memory."""
    out = con.to_pandas(expr.order_by("customer_id"))[cols]
    types = {"customer_id": "string", "recency_days": "int64", "frequency": "int64", "monetary": "float64",
             "avg_spend": "float64", "r_score": "int64", "f_score": "int64", "m_score": "int64",
             "r_high": bool, "f_high": bool, "m_high": bool, "segment": "str", "value_type": "str"}  # fmt: skip
    return out.astype({c: types[c] for c in cols}).reset_index(drop=True)
