"""Lines → orders → purchases and returns: the order model of real exports.

Pure functions over aligned arrays (one entry per input row) so :mod:`crm_core.ingest` can
keep its one-reason-per-row bookkeeping. Rules in docs/data-loading.md.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from crm_core.layouts import status_class
from crm_core.parse import is_missing

# Roles whose value belongs to the order, not the line: an export may write them only on
# the order's first line (Shopify), so blanks on its other lines are filled from it.
ORDER_LEVEL = (
    "customer_id",
    "order_date",
    "paid_date",
    "status",
    "order_total",
    "refund_amount",
    "refund_date",
    "currency",
    "store",
    "channel",
    "region",
)


def order_keys(order_ids: pd.Series, row_numbers: np.ndarray) -> pd.Series:
    """The order of each row: its order id, or the row itself when it has none."""
    out = order_ids.astype("string")
    blank = out.isna().to_numpy()
    if blank.any():  # text only for the rows that need it: 1M string joins cost ~0.3 s
        out = out.copy()
        out[blank] = pd.Series(row_numbers[blank]).map("row {}".format).to_numpy()
    return out


def carry_order_fields(
    frame: pd.DataFrame, keys: pd.Series, columns: list[str], customer: str
) -> tuple[pd.DataFrame, int, int]:
    """Blank order-level cells filled from the first filled cell of the same order (``keys``:
    integer order codes, 0 … n−1).

    An order id that rows of different customers share is not one order: nothing is carried
    between its rows. Returns the new frame, how many lines received at least one value, and
    how many order ids were shared by several customers.
    """
    codes = keys.to_numpy()  # integer order codes (pd.factorize of the order keys)
    if len(codes) == 0 or codes.max() + 1 == len(codes):  # one line per order: nothing to carry
        return frame, 0, 0
    who = frame[customer].astype("string").str.strip().where(~is_missing(frame[customer]))
    customers_per_order = who.groupby(codes, sort=False).transform("nunique")
    shared = (customers_per_order > 1).to_numpy()
    out = frame.copy()
    touched = np.zeros(len(frame), dtype=bool)
    for col in columns:
        blank = is_missing(frame[col])
        if not blank.any() or blank.all():
            continue
        first = frame[col].where(~blank).groupby(keys.to_numpy(), sort=False).transform("first")
        fill = blank & first.notna().to_numpy() & ~shared
        if fill.any():
            values = out[col].astype(object)
            values[fill] = first[fill].to_numpy()
            out[col] = values
            touched |= fill
    return out, int(touched.sum()), int(keys[shared].nunique())


@dataclass
class StatusDecision:
    """Per row: the status class that applies ("" when the file has no status column)."""

    cls: np.ndarray  # purchase | refunded | closed | excluded | chosen | unknown | ""
    unknown_values: list[str] = field(default_factory=list)


def classify(status: pd.Series | None, vocabulary: dict[str, str], purchase_statuses: tuple[str, ...] | None):
    """The class of every row's status; with ``purchase_statuses`` the user's list decides
    which values count (a listed value the vocabulary calls refunded or closed keeps that meaning)."""
    if status is None:
        return StatusDecision(np.full(0, "", dtype=object))
    text = status.astype("string").str.strip().fillna("")
    values = pd.unique(text.to_numpy())
    known = {v: status_class(v, vocabulary) for v in values}
    if purchase_statuses is not None:
        # A chosen value keeps its meaning when it has one (refunded, closed: refunded if paid);
        # a value the vocabulary excludes or does not know becomes "chosen": a purchase even
        # without a payment date, because the user says so.
        chosen = {str(s).strip() for s in purchase_statuses}
        known = {
            v: ((c if c in ("purchase", "refunded", "closed") else "chosen") if v in chosen else "excluded")
            for v, c in known.items()
        }
    unknown = sorted(v for v, c in known.items() if c is None and v)
    mapping = {v: (c or ("unknown" if v else "")) for v, c in known.items()}
    return StatusDecision(text.map(mapping).to_numpy(dtype=object), unknown)


def status_table(status: pd.Series, keys: pd.Series, cls: np.ndarray, counted: np.ndarray) -> pd.DataFrame:
    """Orders per status value: ``status, status_class, orders, counted`` (counted = purchases)."""
    frame = pd.DataFrame(
        {"status": status.astype("string").str.strip().fillna("").to_numpy(), "key": keys.to_numpy(), "cls": cls}
    )
    frame["counted"] = counted
    first = frame.drop_duplicates("key")
    out = (
        first.groupby(["status", "cls"], sort=False)
        .agg(orders=("key", "size"), counted=("counted", "any"))
        .reset_index()
        .rename(columns={"cls": "status_class"})
        .sort_values("orders", ascending=False, kind="stable")
        .reset_index(drop=True)
    )
    return out


@dataclass
class Orders:
    """What the kept lines became: the transactions the summary reads, and the totals."""

    transactions: pd.DataFrame
    totals: dict


def build(
    lines: pd.DataFrame,
    *,
    order_level_amount: bool,
    net_of_refunds: bool,
    refund: pd.Series | None,
    full_refund: np.ndarray,
    refund_date: pd.Series | None,
) -> Orders:
    """Kept lines (``customer_id, order_date, amount, order_key`` + extras) → transactions.

    ``order_level_amount``: ``amount`` is the order's total, written on each line or the
    first: one row per order with its first line's fields. Otherwise each line is a row of
    its own (negative lines are returns). ``refund`` (order-level, aligned with ``lines``)
    and ``full_refund`` (orders refunded in full by their status) add one return row per
    refunded order, dated by ``refund_date`` where the export has it.
    """
    key = lines["order_key"]
    once = (~key.duplicated()).to_numpy()  # each order's first line carries its order-level values
    rows = lines[once].copy() if order_level_amount else lines.copy()
    column = pd.Series(0.0, index=lines.index) if refund is None else refund.fillna(0.0).clip(lower=0.0)
    column = column.where(once, 0.0)
    if not (column > 0).any() and not np.asarray(full_refund).any():
        return Orders(rows.reset_index(drop=True), _totals(lines, rows, rows["amount"], 0.0, 0, 0))
    order_amount = (
        lines["amount"].groupby(key.to_numpy(), sort=False).transform("first" if order_level_amount else "sum")
    )
    if net_of_refunds:
        # the amount already has the refund column's value taken off: the purchase was amount + refund
        bump = column[once] if order_level_amount else column
        rows["amount"] = rows["amount"] + bump.to_numpy()
        order_amount = order_amount + column.groupby(key.to_numpy(), sort=False).transform("sum")
    worth = order_amount.clip(lower=0.0)
    # a status that says "refunded" without a refund amount refunds the whole order
    refunds = column.where(~(full_refund & (column <= 0)), worth).where(once, 0.0)
    capped = int((refunds > worth + 1e-9).sum())
    refunds = refunds.clip(upper=worth)
    gross_amount = rows["amount"].copy()
    per_order = pd.DataFrame(
        {"customer_id": lines["customer_id"], "order_key": key, "refund": refunds, "date": lines["order_date"]}
    )
    if "order_id" in lines:
        per_order["order_id"] = lines["order_id"]
    if refund_date is not None:
        per_order["date"] = refund_date.where(refund_date.notna(), lines["order_date"])
    per_order = per_order[per_order["refund"] > 0]
    returns = pd.DataFrame(
        {
            "customer_id": per_order["customer_id"].to_numpy(),
            "order_date": per_order["date"].to_numpy(),
            "amount": -per_order["refund"].to_numpy(),
            "order_key": per_order["order_key"].to_numpy(),
        }
    )
    if "order_id" in lines:
        returns["order_id"] = per_order["order_id"].to_numpy()
    out = pd.concat([rows, returns], ignore_index=True) if len(returns) else rows.reset_index(drop=True)
    totals = _totals(lines, rows, gross_amount, float(per_order["refund"].sum()), len(per_order), capped)
    return Orders(out, totals)


def _totals(
    lines: pd.DataFrame, rows: pd.DataFrame, amount: pd.Series, refunded: float, refunded_orders: int, capped: int
):
    """Lines, orders, customers and money from gross to net (see :class:`Orders`)."""
    values = amount.to_numpy()
    codes, uniques = pd.factorize(rows["order_key"])  # one hash pass, then integer counts

    def distinct(mask: np.ndarray) -> int:
        return int(np.count_nonzero(np.bincount(codes[mask], minlength=len(uniques))))

    orders = int(lines["order_key"].nunique()) if len(rows) != len(lines) else len(uniques)
    customers = int(lines["customer_id"].nunique())
    out = totals_of(values, orders, distinct(values > 0), distinct(values < 0), customers, refunded, refunded_orders)
    return {**out, "lines": len(lines), "refunds_capped": capped}


def totals_of(
    values: np.ndarray,
    orders: int,
    purchase_orders: int,
    return_orders: int,
    customers: int,
    refunded: float = 0.0,
    refunded_orders: int = 0,
) -> dict:
    """The totals of :class:`Orders` from the amounts of the rows and the counts."""
    positive = float(values[values > 0].sum())
    negative = float(-values[values < 0].sum()) + 0.0  # + 0.0: no "-0.0" in the report
    return {
        "lines": len(values),
        "orders": orders,
        "purchase_orders": purchase_orders,
        "return_orders": return_orders,
        "refunded_orders": refunded_orders,
        "customers": customers,
        "gross_sales": positive,
        "returns": negative,
        "refunds": refunded,
        "net_revenue": positive - negative - refunded,
        "refunds_capped": 0,
    }
