"""Customer attributes from a second table (city, membership level, sales rep …), joined to the
data by customer id so that they can filter and group every analysis like a store or channel.

The table is read like any upload (CSV in any encoding, Excel, Parquet; title rows skipped);
its customer-id column is found by the same aliases as the loader's (or chosen), and its ids
are cleaned the same way (``="123"``, ``17850.0``, spaces), so they meet the data's ids.
Nothing is lost silently: rows without an id and repeated ids (the first row of an id is used)
are listed with their file row; ids the data does not have are counted; customers without a
row keep an empty value (their own group, "(no value)"). An attribute column whose name the
data already uses is renamed ``NAME (customer)``.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from crm_core.cleaning import clean_ids
from crm_core.columns import CUSTOMERS, detect_columns
from crm_core.errors import CrmError
from crm_core.readers import read_table

MAX_ATTRIBUTES = 50  # columns joined at most (a customer table with more is not a list of attributes)
SUFFIX = " (customer)"


@dataclass
class Attributes:
    """An attribute table read and checked: one row per customer id."""

    frame: pd.DataFrame  # customer_id (cleaned text) + the attribute columns, as text
    id_column: str  # the column the ids were taken from
    rows_read: int
    rejected: pd.DataFrame  # row (file row), reason (no_id | duplicate_id), customer_id
    guessed: bool  # the id column was found by its header, not chosen
    skipped: list[str] = field(default_factory=list)  # columns left out (beyond MAX_ATTRIBUTES)

    @property
    def columns(self) -> list[str]:
        return [c for c in self.frame.columns if c != "customer_id"]


@dataclass
class Joined:
    """What a join did: the counts add up (customers with + without = the data's customers;
    rows read = rows used + rows rejected; rows used = matched + not in the data)."""

    columns: dict[str, str]  # attribute column in the table → its name in the data
    id_column: str  # the table's column the ids were taken from
    guessed: bool  # found by its header (said), not chosen
    rows_read: int
    rows_used: int
    rows_rejected: int
    matched: int  # attribute rows whose id is a customer of the data
    not_in_data: int  # attribute rows for ids the data does not have
    customers_with: int
    customers_without: int
    skipped: list[str] = field(default_factory=list)  # columns beyond MAX_ATTRIBUTES, not joined
    rejected: pd.DataFrame | None = None  # row, reason, customer_id: the table's rows not used


def read_attributes(data: bytes, filename: str, id_column: str | None = None, **read) -> Attributes:
    """The attribute table of an upload. ``id_column``: the customer-id column (None: found by
    its header, as the loader finds it). Raises :class:`CrmError` when there is no id column
    or nothing besides it."""
    raw = read_table(data, filename, **read)
    frame = raw.frame
    columns = [str(c) for c in frame.columns]
    guessed = id_column is None
    if id_column is None:
        id_column = detect_columns(columns, CUSTOMERS).get("customer_id")
    if id_column is None or id_column not in columns:
        raise CrmError("error.attributes_no_id", columns=", ".join(columns))
    others = [c for c in columns if c != id_column]
    if not others:
        raise CrmError("error.attributes_none", column=id_column)
    skipped = others[MAX_ATTRIBUTES:]
    others = others[:MAX_ATTRIBUTES]
    ids, _ = clean_ids(frame[id_column])
    rows = np.asarray(raw.row_numbers)
    no_id = ids.isna().to_numpy()
    dup = ids.duplicated(keep="first").to_numpy() & ~no_id
    rejected = pd.DataFrame(
        {
            "row": np.r_[rows[no_id], rows[dup]],
            "reason": ["no_id"] * int(no_id.sum()) + ["duplicate_id"] * int(dup.sum()),
            "customer_id": pd.array(np.r_[ids[no_id].to_numpy(object), ids[dup].to_numpy(object)], dtype="string"),
        }
    ).sort_values("row", kind="stable", ignore_index=True)
    keep = ~(no_id | dup)
    values = {c: frame[c][keep].astype("string").str.strip().replace("", pd.NA).to_numpy() for c in others}
    out = pd.DataFrame({"customer_id": ids[keep].to_numpy(object), **values})
    return Attributes(out, id_column, len(frame), rejected, guessed, skipped)


def join_attributes(result, attributes: Attributes):
    """``result`` (a :class:`crm_core.ingest.LoadResult`) with the attribute columns on its
    customers and transactions (by customer id; a customer without a row gets an empty value),
    and what the join did. The figures are unchanged: no row or customer is added or dropped."""
    customers, tx = result.customers, result.transactions
    taken = set(customers.columns) | (set() if tx is None else set(tx.columns))
    names = {c: (f"{c}{SUFFIX}" if c in taken else c) for c in attributes.columns}
    table = attributes.frame.rename(columns=names).set_index("customer_id")
    ids = pd.Index(customers["customer_id"].astype("string"))
    matched = table.index.isin(ids)

    def attach(frame: pd.DataFrame) -> pd.DataFrame:
        at = table.reindex(pd.Index(frame["customer_id"].astype("string")))
        cols = {n: pd.Categorical(at[n].to_numpy(object)) for n in names.values()}  # few values, many rows
        return frame.assign(**cols)

    joined = dataclasses.replace(result, customers=attach(customers), transactions=None if tx is None else attach(tx))
    with_rows = int(ids.isin(table.index).sum())
    used = len(table)
    report = Joined(
        columns=names,
        id_column=attributes.id_column,
        guessed=attributes.guessed,
        rows_read=attributes.rows_read,
        rows_used=used,
        rows_rejected=len(attributes.rejected),
        matched=int(matched.sum()),
        not_in_data=int(used - matched.sum()),
        customers_with=with_rows,
        customers_without=len(customers) - with_rows,
        skipped=attributes.skipped,
        rejected=attributes.rejected,
    )
    return joined, report
