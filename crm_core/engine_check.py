"""The load's row checks as one engine query: a proof that a transactions upload's ids and
orders need no repair beyond what Python does on the few rows that need it.

Most of a large system export is plain: every customer and order id a clean token, no row
empty, a total line or a duplicate, every order one customer's. Checking that cell by cell in
pandas costs seconds at a million rows; DuckDB checks it in one parallel pass over the Arrow
columns the reader produced (no copy). When the query proves a file plain,
:class:`crm_core.transactions.TransactionCleaner` skips the checks it proves unnecessary and
builds the same transactions and the same load report. Python reads only what the proof left
open: the customer ids the loader would clean or reject (blank, spaced, guarded, a total word;
listed by the query) on their rows, which alone can be empty or total lines; the dates and
amounts with Arrow's casts, or with the usual column parsers when a cell is odd. When an order
is not plain (a repeated line, a blank or shared order id, an order of several lines with an
id to clean), or the file has a status column or an export layout, ``prove_plain`` returns
None and every check runs as before, so the report says where.

What "plain" means is written below as SQL, one condition per check it replaces; each is
stricter than the Python check it stands for, so a file the query passes would have come
through those checks untouched. tests/test_engine_check.py loads plain files, files with one
defect of every kind and the hostile corpus both ways and compares everything.
"""

from __future__ import annotations

from dataclasses import dataclass

import pyarrow as pa

from crm_core.columns import DIMENSIONS
from crm_core.load_report import TOTAL_SPELLINGS
from crm_core.parse import MISSING_TOKENS, arrow_text

# The roles a plain file may map: the order model has nothing to decide for them (no status,
# payment, refund, discount, quantity × price, order total or currency column).
PLAIN_ROLES = frozenset({"customer_id", "order_id", "order_date", "amount", *DIMENSIONS})
# Every character Python's str.strip() removes (RE2's \s is ASCII only; none is above U+3000).
SPACES = "".join(c for c in map(chr, range(0x3001)) if c.isspace())
_SPACE = "[" + "".join(f"\\x{{{ord(c):x}}}" for c in SPACES) + "]"
# An id the loader would change: spaces around it, or Excel's ``="…"``/``'…`` guard.
_TOUCHED_ID = f"^{_SPACE[:-1]}=\\x{{27}}]|{_SPACE}$"
# An id the padded-id and scientific-notation warnings look at: they run on the ids then.
_SUSPECT_ID = r"^0|[eE]\+"
# More ids to clean than this: the file is not plain (they are read by Python, row by row)
MAX_TOUCHED_IDS = 10_000
_LONGEST_WORD = max(map(len, MISSING_TOKENS | TOTAL_SPELLINGS))
# YYYY-MM-DD, with [ T]hh:mm, :ss, .f to .ffffff (parse.py's ISO fast path)
_ISO_LENGTHS = ", ".join(map(str, (10, 16, 19, *range(21, 27))))


@dataclass(frozen=True)
class Plain:
    """What the query proved, and the counts the report needs."""

    rows: int
    customers: int  # distinct customer ids
    orders: int  # distinct order ids (rows when the file has none)
    suspect_ids: int  # ids starting with 0 or holding E+: the id warnings still run on them
    odd_dates: int  # dates not of an ISO length: the dates are read cell by cell
    touched_ids: list[str]  # ids the loader cleans or rejects (blank, spaced, guarded, a total word)


def _text(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def eligible(frame, mapping: dict[str, str], layout, fallbacks, options, file_format: str) -> bool:
    """Whether the query can stand for the checks at all: a text file read as Arrow text, no
    export layout, only the plain roles, the default number format and no chosen statuses."""
    return (
        file_format == "csv"
        and layout is None
        and not fallbacks
        and options.decimal == "."
        and options.purchase_statuses is None
        and set(mapping) <= PLAIN_ROLES
        and {"customer_id", "order_date", "amount"} <= set(mapping)
        and len(frame) > 0
        and all(arrow_text(frame[c]) is not None for c in frame.columns)
    )


def prove_plain(frame, mapping: dict[str, str], cursor) -> Plain | None:
    """One query over every cell: the proof, or None when an order (or more than
    :data:`MAX_TOUCHED_IDS` ids) needs the full checks."""
    columns = list(frame.columns)
    alias = {c: f"c{i}" for i, c in enumerate(columns)}
    table = pa.table({alias[c]: arrow_text(frame[c]) for c in columns})
    cid, date = alias[mapping["customer_id"]], alias[mapping["order_date"]]
    oid = alias.get(mapping.get("order_id", ""))
    tokens = ", ".join(_text(t) for t in sorted(MISSING_TOKENS))
    # A total line is a row with a total word somewhere and no customer of its own (its id
    # blank or a total word): only the rows of the ids listed as touched can be one.
    words = ", ".join(_text(t) for t in sorted(TOTAL_SPELLINGS))

    def touched(col: str, words: str = "") -> str:
        word = f"lower({col}) IN ({tokens})" + (f" OR {col} IN ({words})" if words else "")
        short = f"length({col}) <= {_LONGEST_WORD}"
        return f"(regexp_matches({col}, '{_TOUCHED_ID}') OR ({short} AND ({word})))"

    # The id checks run once per distinct id (a customer has many rows), the others per row.
    per_customer = {
        "customers": "count(*)",
        "touched_ids": "count(*) FILTER (WHERE touched)",
        # no untouched id without a point: the ids may all be written as floats (123.0)
        "undotted_ids": "count(*) FILTER (WHERE NOT touched AND NOT contains(v, '.'))",
        "suspect_ids": f"count(*) FILTER (WHERE regexp_matches(v, '{_SUSPECT_ID}'))",
        "touched_values": f"array_slice(list(v) FILTER (WHERE touched), 1, {MAX_TOUCHED_IDS})",
    }
    per_row = {
        "rows": "count(*)",
        # dates of a length other than the ISO forms': then the dates are read as usual. Of what
        # Arrow's cast reads, only YYYY-MM-DD HH (13 characters) is not ISO for the full check.
        "odd_dates": f"count(*) FILTER (WHERE length({date}) NOT IN ({_ISO_LENGTHS}))",
    }
    if oid is not None:
        per_row["bad_order_ids"] = f"count(*) FILTER (WHERE {touched(oid)})"
        per_row["undotted_order_ids"] = f"count(*) FILTER (WHERE NOT contains({oid}, '.'))"
        per_row["orders"] = f"count(DISTINCT {oid})"
    ids = f"SELECT v, {touched('v', words)} AS touched FROM (SELECT DISTINCT {cid} AS v FROM upload)"
    cursor.register("upload", table)
    try:
        sql = (
            "SELECT * FROM (SELECT "
            + ", ".join(f"{v} AS {k}" for k, v in per_customer.items())
            + f" FROM ({ids})), (SELECT "
            + ", ".join(f"{v} AS {k}" for k, v in per_row.items())
            + " FROM upload)"
        )
        got = dict(zip([*per_customer, *per_row], cursor.execute(sql).fetchall()[0], strict=True))
        rows = got["rows"]
        orders = got.get("orders", rows)
        if not got["undotted_ids"] or got["touched_ids"] > MAX_TOUCHED_IDS:
            return None
        # an id the loader cleans or rejects is read by Python, on its rows only; in an order of
        # several lines the order's other lines could lend it their customer: every check runs
        if got["touched_ids"] and oid is not None and orders < rows:
            return None
        if oid is not None and (got["bad_order_ids"] or not got["undotted_order_ids"]):
            return None
        if (oid is None or orders < rows) and not _lines_plain(cursor, columns, alias, cid, oid, mapping, tokens):
            return None
    finally:
        cursor.unregister("upload")
    return Plain(
        rows=rows,
        customers=got["customers"],
        orders=orders,
        suspect_ids=got["suspect_ids"],
        odd_dates=got["odd_dates"],
        touched_ids=list(got["touched_values"] or []),
    )


def _lines_plain(cursor, columns, alias, cid, oid, mapping, tokens) -> bool:
    """Several lines per order, or no order ids: no identical lines (which the loader drops or
    counts), and for orders no order id two customers share and no blank order-level cell
    (which would be carried from the order's other lines)."""
    every = ", ".join(alias[c] for c in columns)
    twins = f"(SELECT count(*) FROM (SELECT 1 FROM upload GROUP BY {every} HAVING count(*) > 1))"
    if oid is None:
        return not cursor.execute(f"SELECT {twins}").fetchall()[0][0]
    dims = [alias[mapping[r]] for r in DIMENSIONS if r in mapping]
    stripped = "lower(regexp_replace({0}, '^{1}+|{1}+$', '', 'g'))"
    blank = " OR ".join(stripped.format(d, _SPACE) + f" IN ({tokens})" for d in dims) or "false"
    sql = f"""
        SELECT {twins},
          (SELECT count(*) FROM (SELECT 1 FROM upload GROUP BY {oid} HAVING count(DISTINCT {cid}) > 1)),
          (SELECT count(*) FROM upload WHERE {blank})
    """
    found = cursor.execute(sql).fetchall()[0]
    return not any(found)
