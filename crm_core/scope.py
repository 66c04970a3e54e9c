"""Where the business acts: filters on the rows and customers, and analyses within a group.

A **scope** narrows the data before any figure: a date range (rows from ``date_from`` to
``date_to``, both days included), dimension values (``where``: store, channel, region … as
the upload names them), customers left out by id (staff, wholesale accounts), and a minimum
spend or number of orders per customer (applied to the per-customer table). Every filter
reports what it kept, so rows in = rows kept + rows filtered out, and the scope has a short
text for page headers, export headers and file names.

**Within groups**: ``rfm_by`` and ``value_matrix_by`` run the analysis separately for each
value of a column on that value's rows — a customer who buys in two stores is a customer of
each, scored against that store's customers. The per-(group, customer) summary is one grouped
pass on the engine; the splits are each group's own.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa

from crm_core.errors import CrmError

# fewer customers than this in a group: its splits (a mean, quintiles) say little; said, not hidden
MIN_GROUP_CUSTOMERS = 20
MAX_GROUPS = 1_000  # more values than this is an id, not a dimension
EMPTY_GROUP = ""  # rows without a value in the group column form their own group


@dataclass(frozen=True)
class Scope:
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    where: tuple[tuple[str, tuple[str, ...]], ...] = ()  # (column, values kept)
    exclude: tuple[str, ...] = ()  # customer ids left out
    min_spend: float | None = None  # net spend per customer, at least
    min_orders: int | None = None  # purchases per customer, at least

    def is_empty(self) -> bool:
        return self == Scope()

    def label(self) -> str:
        """A short text for headers and file names, e.g. ``2024-01-01..2024-06-30 store=Hangzhou``."""
        parts = []
        if self.date_from or self.date_to:
            parts.append(f"{self.date_from or ''}..{self.date_to or ''}")
        parts += [f"{col}={','.join(values)}" for col, values in self.where]
        if self.exclude:
            parts.append(f"excluding {len(self.exclude)} customers")
        if self.min_spend is not None:
            parts.append(f"spend>={self.min_spend:g}")
        if self.min_orders is not None:
            parts.append(f"orders>={self.min_orders}")
        return " ".join(parts)


def parse_where(text: str) -> tuple[str, tuple[str, ...]]:
    """``COLUMN=VALUE[,VALUE…]`` → (column, values); a clear error for anything else."""
    m = re.fullmatch(r"\s*([^=]+?)\s*=\s*(.+?)\s*", text or "")
    values = tuple(v.strip() for v in m.group(2).split(",") if v.strip()) if m else ()
    if not m or not values:
        raise CrmError("error.where", value=text)
    return m.group(1), values


@dataclass
class Filtered:
    """The rows a scope kept, and how many each filter took out."""

    transactions: pd.DataFrame
    rows_in: int
    outside_dates: int = 0
    other_values: dict[str, int] = field(default_factory=dict)  # column → rows with another value
    excluded: int = 0  # rows of the customers left out

    @property
    def rows_kept(self) -> int:
        return len(self.transactions)


def filter_rows(transactions: pd.DataFrame, scope: Scope) -> Filtered:
    """The rows inside the scope's dates, values and customers (rows in = kept + each count)."""
    tx = transactions
    out = Filtered(tx, len(tx))
    if scope.date_from or scope.date_to:
        day = pd.to_datetime(tx["order_date"]).dt.normalize()
        inside = np.ones(len(tx), dtype=bool)
        if scope.date_from:
            inside &= (day >= pd.Timestamp(scope.date_from)).to_numpy()
        if scope.date_to:
            inside &= (day <= pd.Timestamp(scope.date_to)).to_numpy()
        out.outside_dates = int((~inside).sum())
        tx = tx[inside]
    for col, values in scope.where:
        if col not in tx.columns:
            raise CrmError("error.unknown_column", column=col, columns=", ".join(map(str, tx.columns)))
        keep = group_values(tx[col]).isin(values).to_numpy()
        out.other_values[col] = int((~keep).sum())
        tx = tx[keep]
    if scope.exclude:
        left_out = tx["customer_id"].astype("string").isin(scope.exclude).to_numpy()
        out.excluded = int(left_out.sum())
        tx = tx[~left_out]
    out.transactions = tx
    return out


def filter_customers(customers: pd.DataFrame, scope: Scope, rows_filtered: bool = True) -> tuple[pd.DataFrame, int]:
    """Customers meeting the minimum spend and orders; and how many did not. With
    ``rows_filtered=False`` (a customer table, which has no rows for :func:`filter_rows`) the
    scope's dimension values and excluded ids apply to the customers' own columns too."""
    keep = np.ones(len(customers), dtype=bool)
    if scope.min_spend is not None:
        keep &= customers["monetary"].to_numpy(float) >= scope.min_spend
    if scope.min_orders is not None:
        keep &= customers["frequency"].to_numpy() >= scope.min_orders
    if not rows_filtered:
        for col, values in scope.where:  # city, membership level …
            if col not in customers.columns:
                raise CrmError("error.unknown_column", column=col, columns=", ".join(map(str, customers.columns)))
            keep &= group_values(customers[col]).isin(values).to_numpy()
        if scope.exclude:
            keep &= ~customers["customer_id"].astype("string").isin(scope.exclude).to_numpy()
    return customers[keep].reset_index(drop=True), int((~keep).sum())


def group_values(column: pd.Series) -> pd.Series:
    """A dimension column as text, empty for a missing value (so that rows are never lost)."""
    text = column.astype("string").str.strip()
    return text.fillna(EMPTY_GROUP)


# --- Within groups ------------------------------------------------------------------------------


def summarize_by(transactions: pd.DataFrame, by: str, as_of: dt.date, sort_ids: bool = True) -> pd.DataFrame:
    """One row per group and customer who bought in that group by ``as_of``: ``by`` first (a
    categorical of the group texts, "" for no value), then
    :data:`crm_core.summarize.CUSTOMER_COLUMNS`, sorted by group then id (``sort_ids=False``:
    by group only, the ids in no order — the page's views, which sort the one group they show).
    One grouped pass on the engine (the same expression as
    :func:`crm_core.summarize.summarize`, grouped by the column too)."""
    from crm_core.summarize import CUSTOMER_COLUMNS, _finish, _grouped_sql, engine_columns, on_cursor

    if by not in transactions.columns:
        raise CrmError("error.unknown_column", column=by, columns=", ".join(map(str, transactions.columns)))
    has_order_id = "order_id" in transactions.columns
    # groups as integer codes in the order of their text (the engine groups and sorts integers
    # faster than text); a missing value and an empty one are the same group ""
    try:
        codes, uniques = pd.factorize(transactions[by], sort=True)
    except TypeError:  # numbers and text mixed in one column: grouped as the text they show
        codes, uniques = pd.factorize(transactions[by].astype("string"), sort=True)
    labels = np.asarray(["" if pd.isna(u) else str(u) for u in uniques], dtype=object)
    if len(labels) > MAX_GROUPS:  # an id is not a dimension
        raise CrmError("error.too_many_groups", column=by, count=len(labels), limit=MAX_GROUPS)
    empty = np.flatnonzero(labels == EMPTY_GROUP)
    codes = np.where(codes < 0, empty[0] if len(empty) else -1, codes)
    frame = engine_columns(transactions, has_order_id).append_column("group_key", pa.array(codes.astype(np.int64)))
    raw = on_cursor(frame, lambda cur: cur.execute(_grouped_sql(as_of, has_order_id, sort_ids)).df())
    raw = raw[raw["frequency"] > 0]
    key = raw["group_key"].to_numpy(np.int64)
    if not sort_ids:  # by group: a stable radix sort of the small codes, far cheaper than the engine's sort of ids
        order = np.argsort((key + 1).astype(np.int16), kind="stable")
        raw, key = raw.take(order), key[order]
    out = _finish(raw)
    if (key < 0).any() and not len(empty):  # missing values with no "" group yet: "" sorts first
        labels, key = np.r_[np.array([EMPTY_GROUP], dtype=object), labels], key + 1
    out.insert(0, by, pd.Categorical.from_codes(key, categories=pd.Index(labels, dtype=object)))
    return out[[by, *CUSTOMER_COLUMNS]]


def customers_by(
    customers: pd.DataFrame, transactions: pd.DataFrame | None, by: str, as_of: dt.date, sort_ids: bool = True
):
    """One row per group and customer, sorted by group (then id, unless ``sort_ids=False``):
    from the rows (:func:`summarize_by`), or, for a customer table, its customers by their
    own column."""
    if transactions is not None:
        return summarize_by(transactions, by, as_of, sort_ids)
    if by not in customers.columns:
        raise CrmError("error.unknown_column", column=by, columns=", ".join(map(str, customers.columns)))
    c = customers.assign(**{by: group_values(customers[by])})
    return c.sort_values([by, "customer_id"], kind="stable").reset_index(drop=True)


@dataclass
class Group:
    """One group's figures: customers, revenue, the splits used, and whether it is too small."""

    value: str
    customers: int
    revenue: float
    splits: dict
    too_small: bool


def _group_bounds(column: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """A column sorted by group: its values, and where each group starts (plus the end)."""
    if isinstance(column.dtype, pd.CategoricalDtype):  # compare the codes, not the texts
        codes = column.cat.codes.to_numpy()
        bounds = np.flatnonzero(np.r_[True, codes[1:] != codes[:-1], True])
        return column.to_numpy(dtype=object), bounds
    values = column.to_numpy()
    return values, np.flatnonzero(np.r_[True, values[1:] != values[:-1], True])


def _by_group(summary: pd.DataFrame, by: str, analyse) -> tuple[pd.DataFrame, list[Group]]:
    """``analyse(customers)`` → (frame, splits) on each group's customers; the frames stacked
    with ``by`` first. Groups in sorted order; counts add up to the summary's rows."""
    parts, groups = [], []
    values, bounds = _group_bounds(summary[by])
    for start, stop in itertools.pairwise(bounds):
        customers = summary.iloc[start:stop].drop(columns=by).reset_index(drop=True)
        frame, used = analyse(customers)
        frame.insert(0, by, values[start])
        parts.append(frame)
        groups.append(
            Group(
                str(values[start]),
                len(customers),
                float(customers["monetary"].sum()),
                used,
                len(customers) < MIN_GROUP_CUSTOMERS,
            )
        )
    return (pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()), groups


def _below_in_group(v: np.ndarray, g: np.ndarray, starts: np.ndarray) -> np.ndarray:
    """Per row, how many rows of its group hold a strictly smaller value (a "min" rank − 1).
    ``g``: group codes (< 2¹⁵), rows sorted by group, ``starts`` each group's first row. Two
    sorts instead of a grouped rank: the values (any order of ties: equal values only need to
    be adjacent), then the group codes, stably, as 16-bit integers (a radix sort)."""
    n = len(v)
    order = np.argsort(v)
    order = order[np.argsort(g[order].astype(np.int16), kind="stable")]
    gs, vs = g[order], v[order]
    new_run = np.r_[True, (gs[1:] != gs[:-1]) | (vs[1:] != vs[:-1])]
    first_of_run = np.maximum.accumulate(np.where(new_run, np.arange(n), 0))  # ties share the lowest
    below = np.empty(n, dtype=np.float64)
    below[order] = first_of_run - starts[gs]
    return below


def rfm_by(summary: pd.DataFrame, by: str, params=None, scheme="cn8") -> tuple[pd.DataFrame, list[Group]]:
    """:func:`crm_core.rfm.rfm` within each group of :func:`summarize_by`'s table (sorted by
    group): each group's own scores and splits, computed for all groups at once (grouped ranks
    and per-group statistics, not one pass per group). Returns the table (``by`` first, the
    columns of ``rfm``) and the groups."""
    from crm_core.groups import RELATIVE_TOLERANCE
    from crm_core.rfm import DIMS, RfmParams, threshold_scores
    from crm_core.segments import assign, builtin, compile_scheme

    p = (params or RfmParams()).validate()
    chosen = builtin(scheme) if isinstance(scheme, str) else scheme
    if chosen.bins and chosen.uses_scores and p.points != chosen.bins and p.score_method == "quantile":
        p = dataclasses.replace(p, bins=chosen.bins)
    values_by, bounds = _group_bounds(summary[by])
    sizes = np.diff(bounds)
    g = np.repeat(np.arange(len(sizes)), sizes)  # group code per row
    values = np.column_stack([summary[c].to_numpy(dtype=float) for c in ("recency_days", "frequency", p.m_basis)])
    scores = np.empty(values.shape, dtype=np.int8)
    for i, d in enumerate(DIMS):
        v = values[:, i]
        if p.score_method == "quantile":  # share of the group's customers strictly below, as rfm does
            below = _below_in_group(-v if d == "r" else v, g, bounds[:-1])
            scores[:, i] = (np.floor(below / sizes[g] * p.bins).astype(np.int64) + 1).clip(1, p.bins)
        else:
            scores[:, i] = threshold_scores(v, getattr(p, f"{d}_edges"), reverse=d == "r")
    split = np.empty((len(sizes), 3))
    for i, d in enumerate(DIMS):
        col = pd.Series(scores[:, i].astype(float) if p.split_method == "score_mean" else values[:, i])
        if p.split_method in ("mean", "score_mean"):
            split[:, i] = col.groupby(g).mean().to_numpy()
        elif p.split_method == "median":
            split[:, i] = col.groupby(g).median().to_numpy()
        elif p.split_method == "percentile":
            q = 100 - p.split_percentile if d == "r" else p.split_percentile
            split[:, i] = col.groupby(g).quantile(q / 100).to_numpy()
        else:  # value: the same line for every group
            split[:, i] = float(getattr(p, f"{d}_split"))
    row_split = split[g]
    tol = RELATIVE_TOLERANCE * np.maximum(1.0, np.abs(row_split))
    src = scores.astype(float) if p.split_method == "score_mean" else values
    high = src >= row_split - tol
    if p.split_method != "score_mean":  # recency: fewer days is better
        high[:, 0] = src[:, 0] <= row_split[:, 0] + tol[:, 0]
    codes = assign(compile_scheme(chosen), high, scores)
    codes = np.where(codes < 0, len(chosen.rules), codes)
    out = summary[[by, "customer_id", "recency_days", "frequency", "monetary", "avg_spend"]].reset_index(drop=True)
    for i, d in enumerate(DIMS):
        out[f"{d}_score"] = scores[:, i].astype("int64")
    for i, d in enumerate(DIMS):
        out[f"{d}_high"] = high[:, i]
    out["segment"] = np.asarray(chosen.keys, dtype=object)[codes]
    revenue = np.bincount(g, weights=summary["monetary"].to_numpy(float), minlength=len(sizes))
    groups = [
        Group(
            str(values_by[start]),
            int(size),
            float(revenue[k]),
            {d: float(split[k, i]) for i, d in enumerate(DIMS)},
            int(size) < MIN_GROUP_CUSTOMERS,
        )
        for k, (start, size) in enumerate(zip(bounds[:-1], sizes, strict=True))
    ]
    return out, groups


def value_matrix_by(summary: pd.DataFrame, by: str, f_split=None, s_split=None) -> tuple[pd.DataFrame, list[Group]]:
    """:func:`crm_core.value_matrix.value_matrix` within each group (each group's own lines)."""
    from crm_core.value_matrix import Split, lines, value_matrix

    f_split, s_split = f_split or Split(), s_split or Split()

    def analyse(customers):
        f_line, s_line = lines(customers, f_split, s_split)
        return value_matrix(customers, f_split, s_split), {"f": float(f_line), "s": float(s_line)}

    return _by_group(summary, by, analyse)


PAIR_SEP = "\x1f"  # joins a group value and a customer id into one key (a unit separator: in neither)


@dataclass
class LifecycleWithin:
    """:func:`lifecycle_by`'s result: one row per group and customer, the groups, and the
    potential model's holdout check (empty when the potential is not the model)."""

    frame: pd.DataFrame  # by, customer_id, recency_days, frequency, monetary, avg_spend, current_value, potential, cell
    groups: list[Group]
    holdout: dict


def lifecycle_by(
    customers: pd.DataFrame,
    transactions: pd.DataFrame | None,
    by: str,
    as_of: dt.date,
    potential: str = "model",
    v_split=None,
    p_split=None,
    profit: bool = False,
    margin_pct: float | None = None,
    cost_per_order: float = 0.0,
    stage_rules=None,
) -> LifecycleWithin:
    """The lifecycle grid within each group: current value and potential are each group's
    (a customer who buys in two stores has a value and a potential in each), the value and
    potential lines are each group's own.

    ``potential``: ``model`` — the time-split model on the (group, customer) pairs: each pair's
    features come from its rows in that group, and one model is trained on all pairs (a store
    with 30 customers still gets a forecast; its level is its customers' own history); ``clv``
    — the CLV model fitted on the pairs the same way; ``COLUMN`` — a numeric per-customer
    column (a score, the customer's); ``wallet:COLUMN`` — that wallet estimate − spend in the
    group (what this group has not won). Current value is the net spend in the group, or with
    ``profit`` its profit (:func:`crm_core.lifecycle.current_value`: the rows' cost column,
    else ``margin_pct``; less ``cost_per_order`` per purchase). With ``stage_rules`` the frame
    gains each pair's lifecycle stage."""
    from crm_core import potential as pot_mod
    from crm_core.lifecycle import CELLS, cell_codes, current_value, stages
    from crm_core.summarize import summarize
    from crm_core.value_matrix import Split

    v_split, p_split = v_split or Split(), p_split or Split()
    source = customers if transactions is None else transactions
    if by not in source.columns:
        raise CrmError("error.unknown_column", column=by, columns=", ".join(map(str, source.columns)))
    group = group_values(source[by])
    count = int(group.nunique())
    if count > MAX_GROUPS:
        raise CrmError("error.too_many_groups", column=by, count=count, limit=MAX_GROUPS)
    key = group + PAIR_SEP + source["customer_id"].astype("string")
    pairs = pd.DataFrame({"key": key, by: group, "id": source["customer_id"]}).drop_duplicates("key").set_index("key")
    holdout: dict = {}
    if transactions is None:
        pc = customers.assign(customer_id=key.to_numpy(object))
        ptx = None
    else:
        ptx = transactions.assign(customer_id=key.to_numpy(object))
        pc = summarize(ptx, as_of)
    value = current_value(pc, ptx if profit else None, margin_pct if profit else None, cost_per_order)[0]
    value = value.to_numpy(float)
    if potential in ("model", "clv"):
        if ptx is None:
            raise CrmError("error.needs_transactions")
        if potential == "model":
            fitted = pot_mod.predict(ptx, as_of)
            if not fitted.ok:
                raise CrmError(fitted.reason, **fitted.holdout)
            holdout, scores = fitted.holdout, fitted.predicted
        else:
            from crm_core import clv

            scored = clv.score(clv.fit(ptx, as_of))
            scores = scored.set_index("customer_id")["clv"]
        pot = scores.reindex(pc["customer_id"]).fillna(0.0).to_numpy(float)
    else:
        wallet = potential.startswith("wallet:")
        column = potential.split(":", 1)[1] if wallet else potential
        try:
            per_customer = pot_mod.customer_column(customers, transactions, column)
        except KeyError as exc:
            raise CrmError("error.unknown_column", column=column, columns=", ".join(map(str, source.columns))) from exc
        ids = pc["customer_id"].map(pairs["id"])
        pot = per_customer.reindex(ids).to_numpy(float)
        if wallet:
            pot = np.clip(pot - pc["monetary"].to_numpy(float), 0.0, None)
        pot = np.nan_to_num(pot, nan=0.0)
    info = pairs.loc[pc["customer_id"]]
    frame = pd.DataFrame(
        {
            by: pd.array(info[by].to_numpy(object), dtype="string"),
            "customer_id": info["id"].to_numpy(),
            **{c: pc[c].to_numpy() for c in ("recency_days", "frequency", "monetary", "avg_spend")},
            "current_value": value,
            "potential": pot,
        }
    )
    if stage_rules is not None:
        frame["stage"] = stages(pc, ptx, as_of, stage_rules)["stage"].to_numpy()
    frame = frame.iloc[np.lexsort((frame["customer_id"].astype(str).to_numpy(str), frame[by].to_numpy(str)))]
    frame = frame.reset_index(drop=True)
    cells = np.empty(len(frame), dtype=np.int64)
    groups = []
    labels = frame[by].to_numpy()
    bounds = np.flatnonzero(np.r_[True, labels[1:] != labels[:-1], True])
    for start, stop in itertools.pairwise(bounds):
        v, p = frame["current_value"].to_numpy()[start:stop], frame["potential"].to_numpy()[start:stop]
        v_line, p_line = v_split.at(v), p_split.at(p)
        cells[start:stop] = cell_codes(v, p, v_line, p_line)
        n = int(stop - start)
        groups.append(
            Group(str(labels[start]), n, float(frame["monetary"].to_numpy()[start:stop].sum()),
                  {"v": v_line, "p": p_line}, n < MIN_GROUP_CUSTOMERS)
        )  # fmt: skip
    frame["cell"] = np.asarray(CELLS)[cells - 1] if len(cells) else cells
    return LifecycleWithin(frame, groups, holdout)
