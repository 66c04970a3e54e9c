"""Transactions → one row per customer, on an engine (DuckDB embedded by default).

The aggregation is one Ibis expression (:func:`customer_expr`), so the same code can run on
any Ibis backend; only :func:`summarize_detail` knows which engine it is using.
"""

from __future__ import annotations

import datetime as dt
import functools
import threading
from dataclasses import dataclass

import pandas as pd
import pyarrow as pa

CUSTOMER_COLUMNS = [
    "customer_id",
    "first_purchase",
    "last_purchase",
    "recency_days",
    "frequency",
    "monetary",
    "avg_spend",
    "returns",
]
# the typed transactions every engine query reads (see engine_columns)
TRANSACTIONS_SCHEMA = {"customer_id": "string", "order_date": "timestamp", "amount": "float64"}


def transactions_schema(has_order_id: bool, **extra: str) -> dict[str, str]:
    """:data:`TRANSACTIONS_SCHEMA` with ``order_id`` when the rows have one, and ``extra``."""
    return {**TRANSACTIONS_SCHEMA, **({"order_id": "string"} if has_order_id else {}), **extra}


@dataclass
class Summary:
    """The per-customer table and the totals that reconcile it with its input."""

    customers: pd.DataFrame
    as_of: dt.date | None
    rows_in: int
    rows_after_as_of: int
    customers_in: int
    customers_without_purchase: int
    revenue_in: float  # net amount of every row on or before the analysis date
    revenue_without_purchase: float  # net amount of the customers left out

    @property
    def revenue_customers(self) -> float:
        return float(self.customers["monetary"].sum())


_con = None
_con_lock = threading.Lock()


def duckdb_backend():
    """The process's one DuckDB connection, through Ibis (opening one per call costs ~40 ms)."""
    global _con
    with _con_lock:
        if _con is None:
            import ibis

            _con = ibis.duckdb.connect()
    return _con


def engine_columns(transactions: pd.DataFrame, with_order_id: bool = False) -> pa.Table:
    """The columns the engine reads, typed, as an Arrow table (the engine scans Arrow without
    converting a value; a pandas frame's text is converted cell by cell): ``customer_id``
    (text), ``order_date`` (timestamp), ``amount`` (float) and, if asked, ``order_id``."""
    tx = transactions
    columns = {
        "customer_id": _text(tx["customer_id"]),
        "order_date": pa.Array.from_pandas(pd.to_datetime(tx["order_date"])),
        "amount": pa.array(tx["amount"].to_numpy(dtype="float64", na_value=float("nan"))),
    }
    if with_order_id:
        columns["order_id"] = _text(tx["order_id"])
    return pa.table(columns)


def _text(s: pd.Series) -> pa.ChunkedArray:
    """A column as Arrow text: the column's own Arrow data when it is text already (no copy)."""
    from crm_core.parse import arrow_text

    data = arrow_text(s)
    return s.astype("string[pyarrow]").array._pa_array if data is None else data


def on_cursor(frame: pd.DataFrame, work):
    """``work(cursor)`` with ``frame`` registered as ``transactions`` on a cursor of its own.

    DuckDB connections are thread-safe through cursors, so sessions do not wait for each
    other; the frame stays registered only for the work: closing the cursor releases it. (An
    Ibis memtable would stay registered in the shared connection until the process exits:
    every upload would stay in memory.)
    """
    cursor = duckdb_backend().con.cursor()
    try:
        cursor.register("transactions", frame)
        return work(cursor)
    finally:
        cursor.close()


def customer_expr(t, as_of: dt.date, has_order_id: bool, by: tuple[str, ...] = ()):
    """Ibis expression: per-customer first/last purchase, counts and money up to ``as_of``
    (per group and customer when ``by`` names group columns).

    A purchase is a row with amount > 0; returns are negative rows. Customers with no
    purchase keep a row here (frequency 0) so the caller can count them.
    """
    import ibis

    day = t.order_date.cast("date")
    t = t.mutate(day=day).filter(day <= ibis.date(as_of))
    purchase = t.amount > 0
    frequency = t.order_id.nunique(where=purchase) if has_order_id else t.count(where=purchase)
    agg = t.group_by([*by, "customer_id"]).aggregate(
        first_purchase=t.day.min(where=purchase),
        last_purchase=t.day.max(where=purchase),
        frequency=frequency,
        monetary=t.amount.sum(),
        returns=(-t.amount).sum(where=t.amount < 0).fill_null(0),
    )
    as_of_day = ibis.date(as_of).epoch_days()
    return agg.mutate(recency_days=as_of_day - agg.last_purchase.epoch_days())


@functools.lru_cache(maxsize=64)
def _customer_sql(as_of: dt.date, has_order_id: bool) -> str:
    """:func:`customer_expr` compiled to DuckDB SQL over a table named ``transactions``."""
    import ibis

    table = ibis.table(transactions_schema(has_order_id), name="transactions")
    # sorted by id on the engine (a parallel sort; pandas sorting 1M ids took twice as long)
    return ibis.to_sql(customer_expr(table, as_of, has_order_id).order_by("customer_id"), dialect="duckdb")


_AFTER = "SELECT COUNT(*) FROM transactions WHERE CAST(order_date AS DATE) > ?"


@functools.lru_cache(maxsize=64)
def _grouped_sql(as_of: dt.date, has_order_id: bool, sort_ids: bool = True) -> str:
    """:func:`customer_expr` per ``group_key`` (integer codes of the groups, in the order of
    their text) and customer, sorted by both, or not sorted (see
    :func:`crm_core.scope.summarize_by`)."""
    import ibis

    table = ibis.table(transactions_schema(has_order_id, group_key="int64"), name="transactions")
    expr = customer_expr(table, as_of, has_order_id, ("group_key",))
    return ibis.to_sql(expr.order_by(["group_key", "customer_id"]) if sort_ids else expr, dialect="duckdb")


def summarize_detail(transactions: pd.DataFrame, as_of: dt.date | None = None, orders_unique: bool = False) -> Summary:
    """:func:`summarize` plus the counts that show nothing was lost on the way.

    ``orders_unique``: the caller knows no order id is on two rows (the loader proves it),
    so purchases are counted as rows instead of distinct order ids: the same number, without
    hashing every order id."""
    tx = transactions
    if as_of is None:
        if tx.empty:
            raise ValueError("no transactions to summarise")
        as_of = (pd.Timestamp(tx["order_date"].max()).normalize() + pd.Timedelta(days=1)).date()
    has_order_id = "order_id" in tx.columns and not orders_unique
    frame = engine_columns(tx, has_order_id)

    def work(cur):  # the rows after the date counted by the engine, on the same cursor
        result = cur.execute(_customer_sql(as_of, has_order_id)).df()
        after = cur.execute(_AFTER, [as_of]).fetchone()[0]
        return result, int(after)

    result, after = on_cursor(frame, work)
    bought = result["frequency"] > 0
    left_out = result[~bought]
    customers = _finish(result[bought])
    return Summary(
        customers=customers,
        as_of=as_of,
        rows_in=len(frame),
        rows_after_as_of=after,
        customers_in=len(result),
        customers_without_purchase=len(left_out),
        revenue_in=float(result["monetary"].sum()),
        revenue_without_purchase=float(left_out["monetary"].sum()),
    )


def summarize(transactions: pd.DataFrame, as_of: dt.date | None = None) -> pd.DataFrame:
    """One row per customer who bought at least once on or before ``as_of``.

    Parameters
    ----------
    transactions : columns ``customer_id``, ``order_date``, ``amount``; optional ``order_id``.
    as_of : analysis date; default the day after the latest ``order_date``. Later rows are
        left out.

    Returns
    -------
    DataFrame with ``customer_id``, ``first_purchase``, ``last_purchase`` (dates of purchase
    rows), ``recency_days`` (as_of − last purchase), ``frequency`` (distinct orders among
    purchase rows, else purchase rows), ``monetary`` (net of returns), ``avg_spend``
    (monetary / frequency) and ``returns`` (returned amount, positive).
    """
    return summarize_detail(transactions, as_of).customers


MONEY_DIGITS = 6  # far below a cent, far above a float sum's noise


def _finish(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.copy()
    for c in ("first_purchase", "last_purchase"):
        out[c] = pd.to_datetime(out[c]).astype("datetime64[us]")
    out["customer_id"] = out["customer_id"].astype("string")
    out["recency_days"] = out["recency_days"].astype("int64")
    out["frequency"] = out["frequency"].astype("int64")
    # sums of cents in binary floats carry noise (10.10 + 20.20 = 30.299999999999997): rounded at
    # a millionth, customers who spent the same on paper tie exactly, as on an engine's decimals
    out["monetary"] = out["monetary"].astype("float64").round(MONEY_DIGITS)
    out["returns"] = out["returns"].astype("float64").round(MONEY_DIGITS)
    out["avg_spend"] = out["monetary"] / out["frequency"]
    return out[CUSTOMER_COLUMNS].reset_index(drop=True)


def customer_table_summary(table: pd.DataFrame, as_of: dt.date | None) -> Summary:
    """A customer table that was uploaded already aggregated (no returns known)."""
    bought = table["frequency"] > 0
    out = table[bought].copy()
    out["first_purchase"] = pd.NaT
    out["returns"] = float("nan")
    out["avg_spend"] = out["monetary"] / out["frequency"]
    out["customer_id"] = out["customer_id"].astype("string")
    out["first_purchase"] = out["first_purchase"].astype("datetime64[us]")
    out["last_purchase"] = pd.to_datetime(out["last_purchase"]).astype("datetime64[us]")
    extras = [c for c in table.columns if c not in CUSTOMER_COLUMNS]
    return Summary(
        customers=out[CUSTOMER_COLUMNS + extras].reset_index(drop=True),
        as_of=as_of,
        rows_in=len(table),
        rows_after_as_of=0,
        customers_in=len(table),
        customers_without_purchase=int((~bought).sum()),
        revenue_in=float(table["monetary"].sum()),
        revenue_without_purchase=float(table.loc[~bought, "monetary"].sum()),
    )
