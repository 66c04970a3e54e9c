"""Customers over time: status per period, cohorts, and segment migration between two dates.

Periods are calendar months, quarters or years, labelled ``2024-03``, ``2024-Q1`` and ``2024``.
A customer is *active* in a period when they have a purchase row (amount > 0) in it; returns
alone do not make a customer active (their amounts still count in the period's revenue, in
``revenue_other``, so revenue adds up). For each period, every customer active in it or in the
period before is in exactly one status:

* **new**: active, and this is their first active period ever;
* **retained**: active in this period and in the one before;
* **reactivated**: active in this period, not in the one before, but in an earlier one;
* **lapsed**: active in the period before, not in this one.

The statuses, the cohorts and the two-date summary behind migration are Ibis expressions:
compiled to DuckDB SQL for rows in memory, run as they are on an engine reading files
(:mod:`crm_core.engine`, DuckDB or Spark).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow.compute as pc

from crm_core.errors import CrmError
from crm_core.segments import NEW_SINCE

PERIODS = ("month", "quarter", "year")
STATUSES = ("new", "retained", "reactivated", "lapsed")
STATUS_COLUMNS = [
    "period", *STATUSES, "active", "net_growth", "revenue_new", "revenue_retained", "revenue_reactivated",
    "revenue_other", "revenue", "revenue_lapsed_before", "complete",
]  # fmt: skip


def _period(ts, period: str):
    """The period index of a timestamp (Ibis): months and quarters counted from year 0."""
    if period == "month":
        return ts.year() * 12 + ts.month() - 1
    if period == "quarter":
        return ts.year() * 4 + ts.quarter() - 1
    return ts.year()


def activity_expr(t, period: str, as_of: dt.date):
    """Ibis: one row per customer and period with a row up to ``as_of``: ``revenue`` (net)
    and ``bought`` (a purchase row in it). The same expression runs on DuckDB and Spark."""
    import ibis

    t = t.filter(t.order_date.cast("date") <= ibis.date(as_of))
    return t.group_by(customer_id=t.customer_id, period=_period(t.order_date, period)).aggregate(
        revenue=t.amount.sum(), bought=(t.amount > 0).any()
    )


def status_expr(act):
    """Ibis, over :func:`activity_expr`: per period, counts and revenue of the new, retained
    and reactivated customers, of those whose next active period is not the next one
    (``lapse_next``: they are *lapsed* in the period after), and the revenue of customers with
    only returns in it (``revenue_other``). One query: the purchase rows and the return-only
    rows are stacked and summed per period."""
    import ibis

    a = act.filter(act.bought)
    w = ibis.window(group_by=a.customer_id, order_by=a.period)
    a = a.mutate(prev=a.period.lag().over(w), next=a.period.lead().over(w))
    groups = {
        "new": a.prev.isnull(),
        "retained": a.prev == a.period - 1,
        "reactivated": a.prev < a.period - 1,
        "lapse_next": a.next.isnull() | (a.next > a.period + 1),
    }
    zero = ibis.literal(0).cast(act.revenue.type())
    bought = a.select(
        period=a.period,
        **{k: cond.ifelse(1, 0) for k, cond in groups.items()},
        **{f"revenue_{k}": cond.ifelse(a.revenue, zero) for k, cond in groups.items()},
        revenue_other=zero,
    )
    o = act.filter(~act.bought)
    other = o.select(
        period=o.period,
        **{k: ibis.literal(0) for k in groups},
        **{f"revenue_{k}": zero for k in groups},
        revenue_other=o.revenue,
    )
    rows = bought.union(other)
    return rows.group_by("period").aggregate(**{c: rows[c].sum() for c in rows.columns if c != "period"})


def cohort_expr(act):
    """Ibis, over :func:`activity_expr`: per cohort (first period with a purchase) and offset,
    the members with a purchase in that period and the members' net revenue in it."""
    import ibis

    w = ibis.window(group_by=act.customer_id)
    b = act.mutate(cohort=ibis.ifelse(act.bought, act.period, ibis.null("int64")).min().over(w))
    b = b.filter(b.cohort.notnull() & (b.period >= b.cohort))
    return b.group_by(cohort=b.cohort, period_index=b.period - b.cohort).aggregate(
        customers=b.count(where=b.bought), revenue=b.revenue.sum()
    )


_ACT_SCHEMA = {"customer_id": "string", "period": "int64", "revenue": "float64", "bought": "boolean"}


@functools.lru_cache(maxsize=64)
def _sql(kind: str, period: str, as_of: dt.date) -> tuple[str, str]:
    """The expressions compiled to DuckDB SQL: the activity table's, then the query over it."""
    import ibis

    from crm_core.summarize import TRANSACTIONS_SCHEMA

    act = ibis.table(_ACT_SCHEMA, name="act")
    query = status_expr(act) if kind == "status" else cohort_expr(act)
    source = ibis.table(TRANSACTIONS_SCHEMA, name="transactions")
    return ibis.to_sql(activity_expr(source, period, as_of), dialect="duckdb"), ibis.to_sql(query, dialect="duckdb")


def label(index: int, period: str) -> str:
    """``2024-03`` (month), ``2024-Q1`` (quarter), ``2024`` (year) from a period index."""
    if period == "month":
        return f"{index // 12}-{index % 12 + 1:02d}"
    if period == "quarter":
        return f"{index // 4}-Q{index % 4 + 1}"
    return str(index)


def period_end(index: int, period: str) -> dt.date:
    """The last day of a period."""
    if period == "month":
        y, m = divmod(index + 1, 12)
        return dt.date(y, m + 1, 1) - dt.timedelta(days=1)
    if period == "quarter":
        y, q = divmod(index + 1, 4)
        return dt.date(y, 3 * q + 1, 1) - dt.timedelta(days=1)
    return dt.date(index, 12, 31)


def period_index(day: dt.date, period: str) -> int:
    if period == "month":
        return day.year * 12 + day.month - 1
    if period == "quarter":
        return day.year * 4 + (day.month - 1) // 3
    return day.year


def check_period(period: str) -> None:
    if period not in PERIODS:
        raise CrmError("error.param", name="period", value=period)


def _run(transactions: pd.DataFrame, period: str, as_of: dt.date | None, kind: str) -> pd.DataFrame:
    """The activity table (customer × period) on a cursor of its own (the status query reads it
    twice), then the query over it."""
    from crm_core.summarize import engine_columns, on_cursor

    check_period(period)
    frame = engine_columns(transactions)
    if as_of is None:
        as_of = pd.Timestamp(pc.max(frame["order_date"]).as_py()).date() if len(frame) else dt.date.today()
    act_sql, query = _sql(kind, period, as_of)

    def work(cur):
        cur.execute(f"CREATE TEMP TABLE act AS {act_sql}")
        return cur.execute(query).df()

    return on_cursor(frame, work)


def status_by_period(transactions: pd.DataFrame, period: str = "month", as_of: dt.date | None = None) -> pd.DataFrame:
    """New / retained / reactivated / lapsed customers per period, with their revenue.

    Returns
    -------
    DataFrame, one row per period from the first with a purchase to the last (periods with no
    purchase included): ``period`` (label), ``new, retained, reactivated, lapsed, active``
    (= new + retained + reactivated), ``net_growth`` (active − active the period before =
    new + reactivated − lapsed), ``revenue_new, revenue_retained, revenue_reactivated,
    revenue_other`` (returns by customers with no purchase in the period), ``revenue``
    (their sum: the period's net revenue), ``revenue_lapsed_before`` (what the lapsed
    customers spent in the period before) and ``complete`` (False for a period that ends
    after ``as_of``). Rows dated after ``as_of`` are left out.
    """
    status = _run(transactions, period, as_of, "status")
    end = as_of or pd.Timestamp(transactions["order_date"].max()).date()
    return status_table(status, period, end)


def status_table(raw: pd.DataFrame, period: str, end: dt.date) -> pd.DataFrame:
    """:func:`status_by_period`'s table from the result of :func:`status_expr` (on any engine)."""
    cols = ["new", "retained", "reactivated"]
    money = ["revenue_new", "revenue_retained", "revenue_reactivated", "revenue_other", "revenue_lapsed_before"]
    raw = raw.astype(float).astype({"period": "int64"})
    active = raw.loc[raw[cols].sum(axis=1) > 0, "period"]
    if active.empty:
        return pd.DataFrame(columns=STATUS_COLUMNS)
    lapsed = pd.DataFrame(
        {
            "period": raw["period"] + 1,  # active in p, not in p + 1: lapsed in p + 1
            "lapsed": raw["lapse_next"],
            "revenue_lapsed_before": raw["revenue_lapse_next"],
        }
    ).set_index("period")
    index = np.arange(int(active.min()), int(active.max()) + 1)
    out = raw.set_index("period")[[*cols, *money[:4]]].join(lapsed, how="outer").reindex(index).fillna(0.0)
    for c in [*cols, "lapsed"]:
        out[c] = out[c].astype("int64")
    out["active"] = out["new"] + out["retained"] + out["reactivated"]
    out["net_growth"] = out["new"] + out["reactivated"] - out["lapsed"]
    out["revenue"] = out[["revenue_new", "revenue_retained", "revenue_reactivated", "revenue_other"]].sum(axis=1)
    out[[*money, "revenue"]] = out[[*money, "revenue"]].round(2)  # money in cents, not float noise
    out["complete"] = [period_end(int(i), period) <= end for i in index]
    out.insert(0, "period", [label(int(i), period) for i in index])
    return out[STATUS_COLUMNS].reset_index(drop=True)


def cohorts(transactions: pd.DataFrame, period: str = "month", as_of: dt.date | None = None) -> pd.DataFrame:
    """Customers grouped by the period of their first purchase, followed period by period.

    Returns
    -------
    DataFrame, one row per cohort and offset up to the period holding ``as_of``: ``cohort``
    (label), ``period_index`` (0 = the cohort's own period), ``customers`` (members with a
    purchase in that period), ``retention`` (customers / size), ``revenue`` (the members' net
    revenue in that period), ``size`` (customers in the cohort),
    ``cumulative_revenue_per_customer`` and ``complete`` (False for the period holding
    ``as_of`` when it has not ended: its retention is still rising).
    """
    raw = _run(transactions, period, as_of, "cohorts")
    end = as_of or pd.Timestamp(transactions["order_date"].max()).date()
    return cohort_table(raw, period, end)


COHORT_COLUMNS = [
    "cohort", "period_index", "customers", "retention", "revenue", "size", "cumulative_revenue_per_customer",
    "complete",
]  # fmt: skip


def cohort_table(raw: pd.DataFrame, period: str, end: dt.date) -> pd.DataFrame:
    """:func:`cohorts`' table from the result of :func:`cohort_expr` (on any engine)."""
    if raw.empty:
        return pd.DataFrame(columns=COHORT_COLUMNS)
    raw = raw.astype({"cohort": "int64", "period_index": "int64", "customers": "int64", "revenue": "float64"})
    last = int((raw["cohort"] + raw["period_index"]).max())
    grid = pd.DataFrame(
        [(c, k) for c in sorted(raw["cohort"].unique()) for k in range(last - c + 1)],
        columns=["cohort", "period_index"],
    )
    out = grid.merge(raw, on=["cohort", "period_index"], how="left").fillna({"customers": 0, "revenue": 0.0})
    out["customers"] = out["customers"].astype("int64")
    size = out.loc[out["period_index"] == 0].set_index("cohort")["customers"]
    out["size"] = out["cohort"].map(size).astype("int64")
    out["retention"] = out["customers"] / out["size"]
    out["cumulative_revenue_per_customer"] = out.groupby("cohort")["revenue"].cumsum() / out["size"]
    out["revenue"] = out["revenue"].round(2)
    ends = {i: period_end(i, period) <= end for i in range(int(out["cohort"].min()), last + 1)}
    out["complete"] = [ends[c + k] for c, k in zip(out["cohort"], out["period_index"], strict=True)]
    out["cohort"] = [label(int(c), period) for c in out["cohort"]]
    return out[COHORT_COLUMNS]


# --- Migration between two dates ----------------------------------------------------------------

VALUE_MATRIX = "value_matrix"
LIFECYCLE = "lifecycle"  # LifecycleCells, by name (the page and the command line)


@dataclass
class Migration:
    """Who moved where between two dates, and the splits used at each."""

    customers: pd.DataFrame  # one row per customer who bought by date B
    keys: list[str]  # segment keys, most valuable first (unassigned last)
    splits_from: dict
    splits_to: dict
    held: bool  # B used A's splits


_DAILY = """
CREATE TEMP TABLE d AS
WITH t AS (SELECT customer_id, CAST(order_date AS DATE) AS day, amount{order_col} FROM transactions){orders_cte}
SELECT customer_id, day, SUM(orders) AS orders, SUM(amount) AS amount, SUM(returned) AS returned,
       bool_or(bought) AS bought
FROM (
    SELECT customer_id, day, {row_orders} AS orders, amount,
           CASE WHEN amount < 0 THEN -amount ELSE 0 END AS returned, amount > 0 AS bought
    FROM t{orders_union}
)
GROUP BY customer_id, day
"""
# customers numbered in id order, so that the days are sorted on integers, not on text
_KEYS = """
CREATE TEMP TABLE c AS
SELECT customer_id, CAST(row_number() OVER (ORDER BY customer_id) - 1 AS BIGINT) AS k
FROM (SELECT DISTINCT customer_id FROM d)
"""
_DAYS = """
SELECT k, epoch_ms(day) // 86400000 AS day, orders, amount, returned, bought
FROM d JOIN c USING (customer_id) ORDER BY k, day
"""


class History:
    """Every customer's purchase days, kept so that the per-customer summary as of *any* date
    is a few vectorised passes instead of a new scan of the transactions (what moving date A
    on the page costs). :meth:`at` returns exactly what :func:`crm_core.summarize.summarize`
    returns for the rows up to that date (a test checks it on several dates)."""

    def __init__(self, transactions: pd.DataFrame) -> None:
        from crm_core.summarize import engine_columns, on_cursor

        has_orders = "order_id" in transactions.columns
        frame = engine_columns(transactions, has_orders)
        sql = _DAILY.format(
            order_col=", order_id" if has_orders else "",
            # an order counts once, on the day of its first purchase line (as distinct order ids do)
            orders_cte=(
                ", o AS (SELECT customer_id, MIN(day) AS day FROM t WHERE amount > 0 GROUP BY customer_id, order_id)"
                if has_orders
                else ""
            ),
            row_orders="0" if has_orders else "CASE WHEN amount > 0 THEN 1 ELSE 0 END",
            orders_union=(" UNION ALL SELECT customer_id, day, 1, 0.0, 0.0, false FROM o" if has_orders else ""),
        )

        def work(cur):  # sorted by customer number, then day, on the engine
            cur.execute(sql)
            cur.execute(_KEYS)
            ids = cur.execute("SELECT customer_id FROM c ORDER BY k").fetchnumpy()["customer_id"]
            return ids, cur.execute(_DAYS).fetchnumpy()

        ids, daily = on_cursor(frame, work)
        k = np.asarray(daily["k"], dtype=np.int64)
        starts = np.searchsorted(k, np.arange(len(ids), dtype=np.int64))  # every customer has a row
        self.starts = starts
        self.ids = pd.array(np.asarray(ids, dtype=object), dtype="string")
        self.day = np.asarray(daily["day"], dtype="int64")
        n = len(self.day)
        # money with a 0 at the end, so that a customer's rows up to a date are one reduceat slice
        self.amount = np.append(np.asarray(daily["amount"], dtype=float), 0.0)
        self.returned = np.append(np.asarray(daily["returned"], dtype=float), 0.0)
        orders = np.asarray(daily["orders"], dtype="int64")
        self.cum_orders = np.concatenate([[0], np.cumsum(orders)])  # integers: exact
        bought = np.asarray(daily["bought"], dtype=bool)
        rows = np.arange(n, dtype=np.int64)
        self.last_buy = np.maximum.accumulate(np.where(bought, rows, -1)) if n else rows  # latest bought row ≤ i
        self.next_buy = (  # earliest bought row ≥ i
            np.minimum.accumulate(np.where(bought, rows, n)[::-1])[::-1] if n else rows
        )
        # (customer, day) as one sorted key: a date's cut in every customer is one searchsorted
        ends = np.append(starts[1:], n).astype(np.int64)
        customer = np.repeat(np.arange(len(starts), dtype=np.int64), ends - starts)
        self.day0 = int(self.day.min()) if n else 0
        self.span = int(self.day.max()) - self.day0 + 2 if n else 1
        self.key = customer * self.span + (self.day - self.day0)

    def _stops(self, as_of: dt.date) -> np.ndarray:
        """Per indexed customer, the end of their rows up to ``as_of`` (rows on it count)."""
        cut = np.datetime64(as_of, "D").astype("int64")
        offset = min(max(cut - self.day0, -1), self.span - 1)
        probe = np.arange(len(self.starts), dtype=np.int64) * self.span + offset
        return np.searchsorted(self.key, probe, side="right")

    def net_upto(self, as_of: dt.date) -> np.ndarray:
        """Per indexed customer, the net amount of every row up to ``as_of`` (returns by a
        customer who had not bought yet included)."""
        if not len(self.starts):
            return np.zeros(0)
        return _sums(self.amount, self.starts.astype(np.int64), self._stops(as_of))

    def at(self, as_of: dt.date) -> pd.DataFrame:
        """The per-customer summary as of ``as_of`` (see :meth:`at_with_positions`)."""
        return self.at_with_positions(as_of)[0]

    def at_with_positions(self, as_of: dt.date) -> tuple[pd.DataFrame, np.ndarray]:
        """The per-customer summary as of ``as_of`` (rows on the date count), customers who had
        bought by then, sorted by id: the columns of :data:`crm_core.summarize.CUSTOMER_COLUMNS`."""
        from crm_core.summarize import CUSTOMER_COLUMNS

        if not len(self.starts):
            return pd.DataFrame(columns=CUSTOMER_COLUMNS), np.array([], dtype=int)
        cut = np.datetime64(as_of, "D").astype("int64")
        starts = self.starts.astype(np.int64)
        stop = self._stops(as_of)  # each customer's rows up to the date are [start, stop)
        orders = self.cum_orders[stop] - self.cum_orders[starts]
        keep = orders > 0
        start, stop = starts[keep], stop[keep]
        last = self.day[self.last_buy[stop - 1]]  # a purchase in [start, stop) exists: orders > 0
        first = self.day[self.next_buy[start]]
        monetary = _sums(self.amount, start, stop)
        out = pd.DataFrame(
            {
                "customer_id": self.ids[keep],
                "first_purchase": first.astype("datetime64[D]").astype("datetime64[us]"),
                "last_purchase": last.astype("datetime64[D]").astype("datetime64[us]"),
                "recency_days": (cut - last).astype("int64"),
                "frequency": orders[keep].astype("int64"),
                "monetary": monetary,
                "avg_spend": monetary / orders[keep],
                "returns": _sums(self.returned, start, stop),
            }
        )
        # already in id order (the engine sorted the index); the positions say which indexed
        # customers the rows are (returned, not stored: the index is shared between sessions)
        return out[CUSTOMER_COLUMNS], np.flatnonzero(keep)


def _sums(values: np.ndarray, start: np.ndarray, stop: np.ndarray) -> np.ndarray:
    """Σ values[start:stop] per pair, summed in row order (0 for an empty range). ``values``
    ends with a 0 that no range covers, so that ``stop`` may be its last index."""
    sums = np.add.reduceat(values, np.column_stack([start, stop]).ravel())[::2]
    return np.where(stop > start, sums, 0.0)


def segments_at(transactions: pd.DataFrame | History, as_of: dt.date, scheme, params=None, split: dict | None = None):
    """Each customer's segment as of a date (rows up to it), and the splits used.

    ``transactions``: the rows, or a :class:`History` of them (much faster for many dates).
    ``scheme``: a :class:`~crm_core.segments.Scheme` (RFM rules with ``params``) or
    ``"value_matrix"`` (types at the mean lines; ``split`` = {"f": …, "s": …} holds them).
    Returns (frame with ``customer_id, segment, recency_days, frequency, monetary`` and, for
    :func:`combine`, ``_pos`` (place in the history) and ``_rank`` (segment value rank), splits).
    """
    history = transactions if isinstance(transactions, History) else History(transactions)
    return segment(*history.at_with_positions(as_of), scheme, params, split, as_of)


def segment(customers: pd.DataFrame, positions: np.ndarray, scheme, params=None, split: dict | None = None, as_of=None):
    """:func:`segments_at` for a per-customer summary already made as of ``as_of``
    (``positions``: each row's place in a list both dates share, for :func:`combine`)."""
    if customers.empty:
        empty = pd.DataFrame(columns=["customer_id", "segment", "recency_days", "frequency", "monetary"])
        return empty, {}
    if isinstance(scheme, LifecycleCells):
        codes, used = scheme.codes(customers, as_of, split)
        keys = list(LifecycleCells.keys)
    elif scheme == VALUE_MATRIX:
        from crm_core.value_matrix import TYPES, Split, lines, type_codes

        f_line, s_line = (split["f"], split["s"]) if split else lines(customers, Split(), Split())
        codes = type_codes(
            customers["frequency"].to_numpy(float), customers["avg_spend"].to_numpy(float), f_line, s_line
        )
        keys = list(TYPES)
        used = {"f": float(f_line), "s": float(s_line)}
    else:
        from crm_core.rfm import RfmParams, flags, prepare, splits
        from crm_core.segments import assign, compile_scheme

        p = params or RfmParams()
        if scheme.bins and scheme.uses_scores and p.points != scheme.bins and p.score_method == "quantile":
            p = dataclasses.replace(p, bins=scheme.bins)  # rules written for 3 or 4 points score on them
        # ranks cost ~0.5 s at a million customers: skip them when the rules read only flags
        prep = prepare(customers, p, with_scores=scheme.uses_scores or p.split_method == "score_mean")
        used = split or splits(prep, p)
        f = flags(prep, used, on_scores=p.split_method == "score_mean")
        codes = assign(compile_scheme(scheme), f, prep.scores)
        codes = np.where(codes < 0, len(scheme.rules), codes)
        keys = scheme.keys
    out = customers[["customer_id", "recency_days", "frequency", "monetary"]].copy()
    out.insert(1, "segment", pd.Series(np.asarray(keys, dtype=object)[codes], index=out.index, dtype=object))
    order = {k: i for i, k in enumerate(value_order(scheme))}
    # for combine(): where each customer sits in the history, and the segment's value rank
    out["_pos"] = positions
    out["_rank"] = np.asarray([order[k] for k in keys])[codes]
    return out, used


def value_order(scheme) -> list[str]:
    """Segment keys from most to least valuable: a scheme's declared ranks (rule order where
    none is declared), ``unassigned`` last; value-matrix types premium first."""
    if isinstance(scheme, LifecycleCells):
        return list(LifecycleCells.keys)
    if scheme == VALUE_MATRIX:
        from crm_core.value_matrix import TYPES

        return list(TYPES)
    return scheme.ranked_keys


class LifecycleCells:
    """The lifecycle grid as a segmentation that can be followed over time: current value (net
    spend up to the date) × growth potential (the model of :mod:`crm_core.potential` refitted
    on the rows up to the date), each cut at its mean (``split`` = {"v": …, "p": …} holds the
    lines). Cells as in :mod:`crm_core.lifecycle`; most valuable first: 4 (high value, high
    potential), 3 (high, low), 2 (low, high), 1 (low, low)."""

    keys = ("4", "3", "2", "1")

    def __init__(self, transactions: pd.DataFrame) -> None:
        self.transactions = transactions

    def codes(self, customers: pd.DataFrame, as_of: dt.date, split: dict | None):
        from crm_core.lifecycle import cell_codes
        from crm_core.potential import predict

        pot = predict(self.transactions, as_of + dt.timedelta(days=1))  # a purchase on the date counts
        if not pot.ok:
            raise CrmError("error.lifecycle_at", day=as_of.isoformat())
        value = customers["monetary"].to_numpy(float)
        potential = pot.predicted.reindex(customers["customer_id"].astype(str)).fillna(0.0).to_numpy(float)
        v_line, p_line = (split["v"], split["p"]) if split else (float(value.mean()), float(potential.mean()))
        cell = cell_codes(value, potential, v_line, p_line)  # 1–4
        return 4 - cell, {"v": float(v_line), "p": float(p_line)}  # index into keys ("4", "3", "2", "1")


def migration(
    transactions: pd.DataFrame | History,
    date_from: dt.date,
    date_to: dt.date,
    scheme,
    params=None,
    hold_splits: bool = False,
) -> Migration:
    """Segments at ``date_from`` (A) and ``date_to`` (B) for every customer who bought by B.

    Splits are recomputed at each date unless ``hold_splits``: then B is cut at A's splits, so
    a move means the customer changed, not the yardstick.

    Returns a :class:`Migration` whose ``customers`` has ``customer_id, segment_from``
    (empty for a customer with no purchase by A), ``segment_to``, ``recency_from,
    frequency_from, monetary_from, recency_to, frequency_to, monetary_to``, ``revenue_between``
    (net amount of the rows in (A, B]) and ``move`` (up, down, same, new: by the scheme's value order).
    """
    check_dates(date_from, date_to)
    if isinstance(transactions, History):
        at_a, at_b = (transactions.at_with_positions(d) for d in (date_from, date_to))
        customers_b, positions_b = at_b
        at_b = (customers_b.assign(net_before_a=transactions.net_upto(date_from)[positions_b]), positions_b)
    else:  # one scan of the rows for both dates
        at_a, at_b = two_dates(transactions, date_from, date_to)
    return migrate(at_a, at_b, scheme, params, hold_splits, (date_from, date_to))


def check_dates(date_from: dt.date, date_to: dt.date) -> None:
    if date_from >= date_to:
        raise CrmError("error.migration_dates", a=date_from.isoformat(), b=date_to.isoformat())


def migrate(at_a: tuple, at_b: tuple, scheme, params=None, hold_splits: bool = False, dates=(None, None)):
    """:func:`migration` (a :class:`Migration`) from the per-customer summaries at both
    ``dates`` (as :func:`two_dates` returns them, from memory or an engine)."""
    a = segment(*at_a, scheme, params, None, dates[0])
    held = bool(hold_splits and a[1])
    b = segment(*at_b, scheme, params, a[1] if held else None, dates[1])
    net = at_b[0]["net_before_a"].to_numpy(float) if "net_before_a" in at_b[0].columns else None
    return combine(a, b, scheme, held, net)


def two_dates_expr(t, date_from: dt.date, date_to: dt.date, has_order_id: bool):
    """Ibis: one row per customer who bought by ``date_to``, with what segments need of
    :func:`crm_core.summarize.customer_expr` at both dates (``last_day`` (days since 1970),
    ``frequency, monetary`` suffixed ``_a`` and ``_b``; ``frequency_a`` is 0 for a customer
    with no purchase by ``date_from``), sorted by id. One scan of the rows for both dates."""
    import ibis

    t = t.mutate(day=t.order_date.cast("date"))
    t = t.filter(t.day <= ibis.date(date_to))
    buy = t.amount > 0
    by_a = t.day <= ibis.date(date_from)
    count = (lambda where: t.order_id.nunique(where=where)) if has_order_id else (lambda where: t.count(where=where))
    days = t.day.epoch_days()
    # no nulls in the result (a customer with nothing by A gets 0 and a day they never use):
    # Ibis turns a column with nulls into Python objects one by one, a second at a million rows
    agg = t.group_by("customer_id").aggregate(
        last_day_a=days.max(where=buy & by_a).fill_null(_NO_DAY),
        frequency_a=count(buy & by_a),
        monetary_a=t.amount.sum(where=by_a).fill_null(0),
        last_day_b=days.max(where=buy).fill_null(_NO_DAY),
        frequency_b=count(buy),
        monetary_b=t.amount.sum(),
    )
    return agg.filter(agg.frequency_b > 0).order_by("customer_id")


_NO_DAY = -(10**6)  # before year 1: never a purchase day


@functools.lru_cache(maxsize=64)
def _two_dates_sql(date_from: dt.date, date_to: dt.date, has_order_id: bool) -> str:
    import ibis

    from crm_core.summarize import transactions_schema

    table = ibis.table(transactions_schema(has_order_id), name="transactions")
    return ibis.to_sql(two_dates_expr(table, date_from, date_to, has_order_id))


def two_dates(transactions: pd.DataFrame, date_from: dt.date, date_to: dt.date):
    """The per-customer summaries at both dates from one scan of the rows:
    ((customers at A, positions), (customers at B, positions)), as
    :meth:`History.at_with_positions` returns them."""
    from crm_core.summarize import engine_columns, on_cursor

    has_order_id = "order_id" in transactions.columns
    frame = engine_columns(transactions, has_order_id)
    sql = _two_dates_sql(date_from, date_to, has_order_id)
    return split_dates(on_cursor(frame, lambda cur: cur.execute(sql).df()), date_from, date_to)


def split_dates(raw: pd.DataFrame, date_from: dt.date, date_to: dt.date):
    """:func:`two_dates` from the result of :func:`two_dates_expr` (on any engine): the
    columns of :data:`crm_core.summarize.CUSTOMER_COLUMNS`, with ``first_purchase`` and
    ``returns`` empty (segments do not read them; leaving them out of the scan saves a third)."""
    out = []
    ids = raw["customer_id"].astype("string")
    for k, day in (("a", date_from), ("b", date_to)):
        frequency = raw[f"frequency_{k}"].to_numpy("int64")
        keep = np.flatnonzero(frequency > 0)
        last_day = raw[f"last_day_{k}"].to_numpy("int64")[keep]
        last = pd.Series(last_day.astype("datetime64[D]").astype("datetime64[us]"))
        monetary = raw[f"monetary_{k}"].to_numpy("float64")[keep]
        part = pd.DataFrame(
            {
                "customer_id": ids.iloc[keep].reset_index(drop=True),
                "first_purchase": pd.Series(pd.NaT, index=last.index, dtype="datetime64[us]"),
                "last_purchase": last,
                "recency_days": (pd.Timestamp(day) - last).dt.days.astype("int64"),
                "frequency": frequency[keep],
                "monetary": monetary,
                "avg_spend": monetary / frequency[keep],
                "returns": np.nan,
            }
        )
        if k == "b":  # rows up to A of every customer at B, for revenue_between
            part["net_before_a"] = raw["monetary_a"].to_numpy("float64")[keep]
        out.append((part, keep))
    return out[0], out[1]


def combine(at_a: tuple, at_b: tuple, scheme, held: bool = False, net_before_a=None) -> Migration:
    """A :class:`Migration` from :func:`segments_at` at A and at B (so a page can keep B's
    segments while the user moves A). ``net_before_a``: per customer at B, the net amount of
    their rows up to A (:meth:`History.net_upto`), so that ``revenue_between`` leaves out a
    return made before A by a customer who had not bought by then; without it, spend at B
    minus spend at A."""
    (a, split_a), (b, split_b) = at_a, at_b
    keys = value_order(scheme)  # segments' ``_rank`` index into these
    out = b.rename(columns={"segment": "segment_to", **{c: f"{c.split('_')[0]}_to" for c in _RFM}})
    src = a.rename(columns={"segment": "segment_from", **{c: f"{c.split('_')[0]}_from" for c in _RFM}})
    aligned = False
    if "_pos" in a.columns and "_pos" in b.columns:
        # both from one History: align by position (ids sorted; everyone who had bought by A
        # has by B), checked, else the join below
        pos_a, pos_b = a["_pos"].to_numpy(), b["_pos"].to_numpy()
        idx = np.searchsorted(pos_b, pos_a)
        aligned = bool((idx < len(pos_b)).all() and (pos_b[np.minimum(idx, len(pos_b) - 1)] == pos_a).all())
    if aligned:
        at = np.full(len(b), -1)
        at[idx] = np.arange(len(a))
        found = at >= 0
        code_from = np.full(len(b), len(keys))  # "" (no purchase by A) after the keys
        code_from[found] = a["_rank"].to_numpy()[at[found]]
        for c in _RFM:
            col = f"{c.split('_')[0]}_from"
            values = np.full(len(b), np.nan)
            values[found] = src[col].to_numpy(float)[at[found]]
            out[col] = values
        code_to = b["_rank"].to_numpy()
    else:
        out = out.merge(src, on="customer_id", how="left")
        order = {k: i for i, k in enumerate(keys)}
        code_from = out["segment_from"].map(order).fillna(len(keys)).to_numpy("int64")
        code_to = out["segment_to"].map(order).to_numpy("int64")
    # segments and moves as categoricals: a million labels without a million strings
    out["segment_from"] = pd.Categorical.from_codes(code_from, categories=[*keys, ""])
    out["segment_to"] = pd.Categorical.from_codes(code_to, categories=keys)
    before = out["monetary_from"].fillna(0.0).to_numpy(float) if net_before_a is None else np.asarray(net_before_a)
    out["revenue_between"] = out["monetary_to"].to_numpy(float) - before
    new = code_from == len(keys)
    move = np.select([new, code_to < code_from, code_to > code_from], [0, 1, 2], default=3)  # 0 = most valuable
    out["move"] = pd.Categorical.from_codes(move, categories=MOVES)
    cols = [
        "customer_id", "segment_from", "segment_to", "recency_from", "frequency_from", "monetary_from",
        "recency_to", "frequency_to", "monetary_to", "revenue_between", "move",
    ]  # fmt: skip
    return Migration(out[cols].reset_index(drop=True), keys, split_a, split_b, held)


MOVES = ("new", "up", "down", "same")
_RFM = ("recency_days", "frequency", "monetary")


def migration_matrix(mig: Migration) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Customers and revenue between the dates, from segment at A (rows, ``_new`` last: new
    since A, a key no rule may use) to segment at B (columns). The customers add up to
    everyone who bought by B."""
    k = len(mig.keys)
    c = mig.customers
    # codes from combine(): segment_from in [*keys, ""] ("" = new since A, the last row)
    cell = c["segment_from"].cat.codes.to_numpy("int64") * k + c["segment_to"].cat.codes.to_numpy("int64")
    rows = [*mig.keys, NEW_SINCE]
    n = np.bincount(cell, minlength=(k + 1) * k).reshape(k + 1, k)
    rev = np.bincount(cell, weights=c["revenue_between"].to_numpy(float), minlength=(k + 1) * k).reshape(k + 1, k)
    return pd.DataFrame(n, index=rows, columns=mig.keys), pd.DataFrame(rev, index=rows, columns=mig.keys)


def segment_history(
    transactions: pd.DataFrame, period: str, scheme, params=None, as_of: dt.date | None = None, history=None
):
    """Customers per segment at the end of each period (splits recomputed at each end).

    Returns a DataFrame with ``period`` and one column per segment key (``value_order``),
    from the first period with a purchase to the one holding ``as_of``; the last row is taken
    at ``as_of`` when the period has not ended.
    """
    check_period(period)
    dates = pd.to_datetime(transactions.loc[transactions["amount"] > 0, "order_date"])
    if dates.empty:
        return pd.DataFrame(columns=["period", *value_order(scheme)])
    end = as_of or dates.max().date()
    history, rows = history or History(transactions), []
    for i in range(period_index(dates.min().date(), period), period_index(end, period) + 1):
        day = min(period_end(i, period), end)
        seg, _ = segments_at(history, day, scheme, params)
        counts = seg["segment"].value_counts()
        rows.append({"period": label(i, period), **{k: int(counts.get(k, 0)) for k in value_order(scheme)}})
    return pd.DataFrame(rows)


def customer_history(
    transactions: pd.DataFrame, customer_id: str, period: str, scheme, params=None, as_of=None, history=None
):
    """One customer's segment and status at the end of each period since their first purchase
    (``history``: a :class:`History` of the same rows, to reuse):
    ``period, segment, status`` (status empty in a period where they were neither active nor
    just lapsed)."""
    check_period(period)
    own = transactions[transactions["customer_id"].astype("string") == customer_id]
    bought = pd.to_datetime(own.loc[own["amount"] > 0, "order_date"])
    if bought.empty:
        return pd.DataFrame(columns=["period", "segment", "status"])
    end = as_of or pd.to_datetime(transactions["order_date"]).max().date()
    months = {period_index(d.date(), period) for d in bought if d.date() <= end}
    if not months:  # bought only after the analysis date
        return pd.DataFrame(columns=["period", "segment", "status"])
    first = min(months)
    history, rows = history or History(transactions), []
    for i in range(first, period_index(end, period) + 1):
        day = min(period_end(i, period), end)
        seg, _ = segments_at(history, day, scheme, params)
        s = seg.loc[seg["customer_id"] == customer_id, "segment"]
        if i in months:
            status = "new" if i == first else ("retained" if i - 1 in months else "reactivated")
        else:
            status = "lapsed" if i - 1 in months else ""
        rows.append({"period": label(i, period), "segment": s.iloc[0] if len(s) else "", "status": status})
    return pd.DataFrame(rows)
