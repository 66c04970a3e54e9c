"""Uploaded file → clean transactions or customer table, plus a load report.

Every row read ends either kept or rejected with exactly one reason, so
``rows_read == rows_kept + rows_rejected`` always holds; repairs (a ``¥`` stripped, an id
trimmed) are counted, and anything the loader had to decide (the layout, date order,
analysis date, column picks, which statuses are purchases) is written into the report.

Transactions follow one purchase/return rule (docs/data-loading.md): a paid order is a
purchase on its payment date for what the customer paid; an order that was never paid is
not a purchase and is reported under its status; a refund is a return of the refunded
amount; a negative line (a cancellation) is a return. Rows of one order share the order's
fields (an export that writes them on the first line only is filled in), and an order total
repeated on every line is counted once. The order model itself lives in :mod:`crm_core.orders`.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from crm_core import orders as order_model
from crm_core.columns import (
    CUSTOMERS,
    DIMENSIONS,
    ROLES,
    TRANSACTIONS,
    alias_candidates,
    detect_columns,
    detect_kind,
    is_strong_match,
    missing_roles,
)
from crm_core.errors import CrmError
from crm_core.layouts import Layout, catalogue, detect_layout, status_vocabulary
from crm_core.parse import is_missing, parse_amounts, parse_dates, parse_ids
from crm_core.readers import MAX_BYTES, RawTable, normalize_header, read_table
from crm_core.summarize import Summary, customer_table_summary, summarize_detail

# Rejection reasons, in the order they are checked: a row gets the first that applies.
REASONS = (
    "bad_line",
    "empty_row",
    "total_row",
    "duplicate_row",
    "missing_id",
    "guest_order",
    "bad_date",
    "bad_amount",
    "status_excluded",
    "not_paid",
    "bad_recency",
    "bad_frequency",
    "duplicate_customer",
    "after_as_of",
)
REPAIRS = (
    "amount_text",
    "id_trimmed",
    "id_float_suffix",
    "id_excel_guard",
    "order_id_filled",
    "order_fields_carried",
    "customer_id_fallback",
    "excel_serial_date",
)
MAX_CELL_CHARS = 1000
# A row whose cell says one of these, and that has no customer of its own, is a total line.
TOTAL_WORDS = {
    "合计",
    "总计",
    "小计",
    "本页合计",
    "累计",
    "合计金额",
    "total",
    "totals",
    "grandtotal",
    "subtotal",
    "sum",
}
CURRENCY_SYMBOLS = {"¥": "CNY", "￥": "CNY", "元": "CNY", "rmb": "CNY", "$": "USD", "€": "EUR", "£": "GBP"}


@dataclass(frozen=True)
class LoadOptions:
    """How to read an upload. ``columns`` overrides detection: ((role, column), ...).

    ``layout``: "auto" (recognise an export layout from the header), "none" (generic
    header aliases only) or a layout key. ``keep_duplicates``: None decides from the data
    (identical rows are separate purchases unless rows carry an order id or a time of day).
    ``purchase_statuses``: the status values that count as purchases (None: the vocabulary).
    """

    kind: str = "auto"  # auto | transactions | customers
    columns: tuple[tuple[str, str], ...] = ()
    as_of: dt.date | None = None
    decimal: str = "."  # "." or ","
    date_order: str = "auto"  # auto | dmy | mdy (only for DD/MM/YYYY-like dates)
    keep_duplicates: bool | None = None
    encoding: str | None = None
    delimiter: str | None = None
    sheet: str | None = None  # a name, "all", or None (same-header sheets combined)
    header_row: int | None = None
    layout: str = "auto"
    purchase_statuses: tuple[str, ...] | None = None
    currency: str | None = None
    max_bytes: int = MAX_BYTES

    def with_columns(self, mapping: dict[str, str]) -> LoadOptions:
        return replace(self, columns=tuple(sorted(mapping.items())))


@dataclass
class Note:
    level: str  # info | warning
    key: str
    params: dict = field(default_factory=dict)


def note_text(note: Note, lang: str, escape=None) -> str:
    """A note or rule in ``lang``: layout keys become layout names, date orders words.

    ``escape`` is applied to every text parameter (names from the file are user data).
    """
    from crm_core.i18n import t

    params = dict(note.params)
    if "order" in params and params["order"] in ("dmy", "mdy"):
        params["order"] = t(f"dateorder.{params['order']}", lang)
    if note.key == "note.guessed":  # (role, column) pairs, the role named in the user's language
        params["picks"] = ", ".join(f"{t('role.' + r, lang)} ← {c}" for r, c in params["picks"])
    if note.key == "rule.layout":
        layout = catalogue().get(params["layout"])
        params["layout"] = layout.name.get(lang, layout.name["en"]) if layout else params["layout"]
    if escape is not None:
        params = {k: escape(v) if isinstance(v, str) else v for k, v in params.items()}
    return t(note.key, lang, **params)


@dataclass
class LoadReport:
    """What happened to every row. ``rejected`` has row, reason, column, value + the cells.

    ``totals`` (transactions): lines, orders, purchase/return/refunded orders, customers,
    gross sales, returns, refunds and net revenue; ``statuses``: orders per status value and
    whether they count; ``samples``: three values per mapped column; ``rules``: the rules
    the loader applied, as label keys with parameters.
    """

    rows_read: int
    rows_kept: int
    rejected: pd.DataFrame
    reason_counts: dict[str, int]
    repairs: dict[str, int]
    notes: list[Note]
    kind: str
    mapping: dict[str, str]
    columns: list[str]
    source: dict
    as_of: dt.date | None
    duplicates_kept: int = 0
    layout: str | None = None
    guessed: list[str] = field(default_factory=list)
    rules: list[Note] = field(default_factory=list)
    totals: dict = field(default_factory=dict)
    statuses: pd.DataFrame | None = None
    samples: dict[str, list[str]] = field(default_factory=dict)
    currency: str | None = None
    excluded: dict = field(default_factory=dict)  # orders and amount left out per status value

    @property
    def rows_rejected(self) -> int:
        return len(self.rejected)


@dataclass
class LoadResult:
    report: LoadReport
    customers: pd.DataFrame  # one row per customer (see summarize.summarize)
    summary: Summary
    transactions: pd.DataFrame | None = None  # None when the upload was a customer table


def load(data: bytes, filename: str, options: LoadOptions = LoadOptions()) -> LoadResult:
    """Read, map, clean and summarise an upload. Raises CrmError when nothing is usable."""
    raw = read_table(
        data,
        filename,
        encoding=options.encoding,
        delimiter=options.delimiter,
        sheet=options.sheet,
        header_row=options.header_row,
        max_bytes=options.max_bytes,
    )
    return load_raw(raw, options)


def load_frame(frame: pd.DataFrame, options: LoadOptions = LoadOptions()) -> LoadResult:
    """The same as :func:`load` for a table already in memory (typed in, or from Python)."""
    raw = RawTable(
        frame=frame.reset_index(drop=True),
        row_numbers=np.arange(1, len(frame) + 1),
        file_format="table",
    )
    return load_raw(raw, options)


@dataclass
class Interpretation:
    """Which kind of table, which layout, and which column plays which role."""

    kind: str
    mapping: dict[str, str]
    layout: Layout | None = None
    id_fallbacks: tuple[str, ...] = ()
    guessed: list[str] = field(default_factory=list)  # roles matched only by a weak or partial header


def interpret(columns: list[str], options: LoadOptions) -> Interpretation:
    """Kind, layout and role → column: detected, then the user's overrides on top."""
    overrides = dict(options.columns)
    kind = options.kind if options.kind in (TRANSACTIONS, CUSTOMERS) else detect_kind(columns)
    layout = None
    if kind == TRANSACTIONS and options.layout != "none":
        if options.layout == "auto":
            layout = detect_layout(columns)
        else:
            layout = catalogue().get(options.layout)
            if layout is None:
                raise CrmError("error.unknown_layout", layout=options.layout, layouts=", ".join(catalogue()))
    fallbacks: tuple[str, ...] = ()
    if layout is not None:
        mapping, fallbacks = layout.resolve(columns)
        guessed: list[str] = []
    else:
        mapping = detect_columns(columns, kind)
        guessed = [r for r, c in mapping.items() if not is_strong_match(c, r)]
    for role, column in overrides.items():
        if role not in ROLES[kind]:
            continue
        guessed = [r for r in guessed if r != role]
        if not column:
            mapping.pop(role, None)
        elif column in columns:
            mapping[role] = column
        else:
            raise CrmError("error.unknown_column", column=column, columns=", ".join(columns))
    if "customer_id" in overrides:
        fallbacks = ()
    used = list(mapping.values())
    if len(used) != len(set(used)):
        dup = next(c for c in used if used.count(c) > 1)
        raise CrmError("error.column_twice", column=dup)
    return Interpretation(kind, mapping, layout, fallbacks, guessed)


def resolve_mapping(columns: list[str], options: LoadOptions) -> tuple[str, dict[str, str]]:
    """Kind and role → column (see :func:`interpret`)."""
    found = interpret(columns, options)
    return found.kind, found.mapping


def load_raw(raw: RawTable, options: LoadOptions = LoadOptions()) -> LoadResult:
    columns = list(raw.frame.columns)
    if len(raw.frame) == 0 and not raw.bad_lines:
        raise CrmError("error.no_rows")
    found = interpret(columns, options)
    missing = missing_roles(found.mapping, found.kind)
    if missing:
        raise CrmError("error.missing_columns", roles=", ".join(missing), columns=", ".join(columns))
    cleaner = _Cleaner(raw, found, options)
    if found.kind == TRANSACTIONS:
        kept, as_of = cleaner.transactions()
    else:
        kept, as_of = cleaner.customer_rows()
    report = cleaner.report(found.kind, columns, as_of)
    if report.rows_kept == 0:
        raise CrmError("error.nothing_kept", report=report, rows=report.rows_read, reasons=_reasons_text(report))
    summary = summarize_detail(kept, as_of) if found.kind == TRANSACTIONS else customer_table_summary(kept, as_of)
    return LoadResult(
        report=report,
        customers=summary.customers,
        summary=summary,
        transactions=kept if found.kind == TRANSACTIONS else None,
    )


def _reasons_text(report: LoadReport):
    def text(lang: str) -> str:
        from crm_core.i18n import t

        return "; ".join(f"{t('reason.' + k, lang)}: {v}" for k, v in report.reason_counts.items() if v)

    return text


def keys_text(order_ids: pd.Series, row_numbers: np.ndarray) -> np.ndarray:
    """Order ids as shown: the id, or ``row N`` for a row without one (its own order)."""
    return order_model.order_keys(order_ids, row_numbers).to_numpy()


_SCIENTIFIC = r"^[0-9](?:\.[0-9]+)?[eE]\+?[0-9]+$"


class _Cleaner:
    """Assigns each row at most one rejection reason, in REASONS order."""

    def __init__(self, raw: RawTable, found: Interpretation, options: LoadOptions) -> None:
        self.raw, self.found, self.options = raw, found, options
        self.mapping = found.mapping
        self.original = raw.frame  # cells as read: what the rejected-rows table shows
        self.frame = raw.frame  # cells the parsers read (order fields carried for transactions)
        n = len(self.frame)
        self.reason = np.full(n, "", dtype=object)
        self.column = np.full(n, "", dtype=object)
        self.repairs = dict.fromkeys(REPAIRS, 0)
        self.notes: list[Note] = []
        self.rules: list[Note] = []
        self.duplicates_kept = 0
        self.totals: dict = {}
        self.statuses: pd.DataFrame | None = None
        self.excluded: dict = {}
        self.currency: str | None = options.currency
        self.empty = np.ones(n, dtype=bool)
        for c in self.frame.columns:
            self.empty &= is_missing(self.frame[c])
        self._reject(self.empty, "empty_row")
        self._totals()

    # -- shared steps
    def _reject(self, mask: np.ndarray, reason: str, column: str = "") -> None:
        new = np.asarray(mask, dtype=bool) & (self.reason == "")
        self.reason[new] = reason
        self.column[new] = column

    @property
    def ok(self) -> np.ndarray:
        return self.reason == ""

    def _totals(self) -> None:
        """Total lines (合计, Grand total …) are reported as totals, not as bad rows."""
        f = self.original
        id_col = self.mapping["customer_id"]
        hit = np.zeros(len(f), dtype=bool)
        for c in f.columns:
            s = f[c]
            if s.dtype.kind in "biufcmM":
                continue
            text = s.astype("string").str.replace(r"[\s:：]", "", regex=True).str.lower()
            hit |= text.isin(TOTAL_WORDS).fillna(False).to_numpy()
        if hit.any():
            ids = f[id_col].astype("string").str.replace(r"[\s:：]", "", regex=True).str.lower()
            own = ~is_missing(f[id_col]) & ~ids.isin(TOTAL_WORDS).fillna(False).to_numpy()
            self._reject(hit & ~own, "total_row")

    def _duplicates(self, decide_from_time: pd.Series | None, customers: bool = False, has_order: bool = False) -> None:
        """Identical rows: dropped when rows carry an order id or a time of day, else kept
        (two identical purchases on one day are real purchases in a log without order ids)."""
        dup = self.original.astype("string").duplicated(keep="first").to_numpy() & ~self.empty
        keep = self.options.keep_duplicates
        if keep is None and customers:
            keep = False
        if keep is None:
            has_time = decide_from_time is not None and bool(
                (decide_from_time.dropna() != decide_from_time.dropna().dt.normalize()).any()
            )
            keep = not (has_order or has_time)
            rule = "rule.duplicates_dropped_order" if has_order else "rule.duplicates_dropped_time"
            if dup.any():  # the rule is stated where it changes something
                self.rules.append(Note("info", "rule.duplicates_kept" if keep else rule, {"count": int(dup.sum())}))
        if keep:
            self.duplicates_kept = int((dup & self.ok).sum())
            if self.duplicates_kept:
                self.notes.append(Note("info", "note.duplicates_kept", {"count": self.duplicates_kept}))
        else:
            self._reject(dup, "duplicate_row")

    def _ids(self) -> None:
        col = self.mapping["customer_id"]
        ids, repairs = _clean_ids(self.frame[col])
        self._count_id_repairs(repairs)
        layout = self.found.layout
        guest_ids = set(layout.guest_ids) if layout else set()
        if guest_ids:
            ids = ids.mask(ids.isin(guest_ids))
        for fallback in self.found.id_fallbacks:
            blank = ids.isna()
            if not blank.any():
                break
            more, _ = _clean_ids(self.frame[fallback])
            filled = blank & more.notna()
            ids = ids.where(~filled, more)
            self.repairs["customer_id_fallback"] += int((filled.to_numpy() & self.ok).sum())
        if layout is not None and layout.lowercase_ids:
            ids = ids.str.lower()
        missing = ids.isna().to_numpy()
        if layout is not None and "order_id" in self.mapping:  # a shop's order with no customer: a guest
            in_order = ~is_missing(self.frame[self.mapping["order_id"]])
            self._reject(missing & in_order, "guest_order", col)
        self._reject(missing, "missing_id", col)
        self.ids = ids
        self._id_warnings(ids, col)

    def _count_id_repairs(self, repairs: dict[str, np.ndarray]) -> None:
        for key, mask in repairs.items():
            self.repairs[key] += int((mask & self.ok).sum())

    def _id_warnings(self, ids: pd.Series, col: str) -> None:
        valid = ids[self.ok & ids.notna().to_numpy()]
        if valid.empty:
            return
        sci = int(valid.str.match(_SCIENTIFIC).fillna(False).sum())
        if sci:
            self.notes.append(Note("warning", "note.ids_scientific", {"column": col, "count": sci}))
        digits = valid[valid.str.fullmatch(r"[0-9]+").fillna(False)]
        padded = digits[digits.str.startswith("0")]
        if len(padded):
            width = int(padded.str.len().mode().iloc[0])
            short = int(((~digits.str.startswith("0")) & (digits.str.len() < width)).sum())
            if short:
                self.notes.append(
                    Note("warning", "note.ids_lost_zeros", {"column": col, "count": short, "width": width})
                )
        if len(valid) >= 20 and valid.is_unique and "order_id" not in self.mapping:
            self.notes.append(Note("warning", "note.ids_unique_per_row", {"column": col, "count": len(valid)}))

    def _parse_dates(self, role: str):
        col = self.mapping[role]
        res = parse_dates(self.frame[col], self.options.date_order, self.raw.file_format == "excel")
        if res.ambiguous:
            self.notes.append(
                Note(
                    "warning",
                    "note.date_order",
                    {"column": col, "order": res.order, "count": res.ambiguous, "example": res.example},
                )
            )
        if res.conflicting:
            self.notes.append(
                Note("warning", "note.date_conflict", {"column": col, "order": res.order, "count": res.conflicting})
            )
        return res

    def _count_serial_dates(self, col: str) -> None:
        if self.raw.file_format == "excel":
            nums = self.frame[col].map(lambda v: isinstance(v, (int, float)) and not isinstance(v, bool))
            self.repairs["excel_serial_date"] += int((nums.to_numpy() & self.ok).sum())

    def _dates(self, role: str):
        res = self._parse_dates(role)
        self._reject(res.failed, "bad_date", self.mapping[role])
        self._count_serial_dates(self.mapping[role])
        return res.values

    def _parse_amounts(self, role: str):
        col = self.mapping[role]
        res = parse_amounts(self.frame[col], self.options.decimal)
        if res.comma_decimal_like:
            self.notes.append(Note("warning", "note.comma_decimal", {"column": col, "count": res.comma_decimal_like}))
        return res

    def _amounts(self, role: str, reason: str):
        res = self._parse_amounts(role)
        self._reject(res.failed, reason, self.mapping[role])
        if reason == "bad_amount":
            self.repairs["amount_text"] += int((res.repaired & self.ok).sum())
        return res.values

    def _as_of(self, dates: pd.Series) -> dt.date | None:
        if self.options.as_of is not None:
            return self.options.as_of
        valid = dates[self.ok]
        if valid.notna().any():
            as_of = (valid.max().normalize() + pd.Timedelta(days=1)).date()
            self.notes.append(Note("info", "note.as_of_default", {"as_of": as_of.isoformat()}))
            return as_of
        return None

    def _after(self, dates: pd.Series, as_of: dt.date | None, column: str) -> None:
        if as_of is not None:
            after = (dates.dt.normalize() > pd.Timestamp(as_of)).to_numpy()
            self._reject(after, "after_as_of", column)

    def _extras(self) -> list[str]:
        return [c for c in self.frame.columns if c not in self.mapping.values() and c not in self.found.id_fallbacks]

    # -- transactions
    def transactions(self) -> tuple[pd.DataFrame, dt.date | None]:
        m, layout = self.mapping, self.found.layout
        if layout is not None:
            self.rules.append(Note("info", "rule.layout", {"layout": layout.key}))
        if "paid_date" in m and "order_date" in m and is_missing(self.frame[m["paid_date"]]).all():
            # a payment-date column with no date at all says nothing: orders are dated by the order
            self.notes.append(Note("warning", "note.paid_blank", {"column": m["paid_date"]}))
            m = self.mapping = {r: c for r, c in m.items() if r != "paid_date"}
        has_orders = "order_id" in m
        if has_orders:
            order_ids, _ = _clean_ids(self.frame[m["order_id"]])
        else:
            order_ids = pd.Series(pd.NA, index=self.frame.index, dtype="string")
        keys = order_model.order_keys(order_ids, self.raw.row_numbers)
        if has_orders:
            carry = [m[r] for r in order_model.ORDER_LEVEL if r in m] + list(self.found.id_fallbacks)
            self.frame, carried, shared = order_model.carry_order_fields(self.frame, keys, carry, m["customer_id"])
            self.repairs["order_fields_carried"] = carried
            if shared:
                self.notes.append(Note("warning", "note.order_id_shared", {"column": m["order_id"], "count": shared}))
        order_res = self._parse_dates("order_date") if "order_date" in m else None
        paid_res = self._parse_dates("paid_date") if "paid_date" in m else None
        self._duplicates((order_res or paid_res).values, has_order=bool(order_ids.notna().any()))
        self._ids()
        # one order per order id and customer: an id two customers share is two orders
        keys = keys + "\x1f" + self.ids.fillna("")
        date, date_col = self._purchase_dates(order_res, paid_res)
        amount = self._line_or_order_amounts()
        refund = self._optional_amount("refund_amount")
        refund_date = self._refund_dates()
        full_refund = self._statuses(keys, paid_res)
        as_of = self._as_of(date)
        self._after(date, as_of, date_col)
        ok = self.ok
        lines = pd.DataFrame(
            {
                "customer_id": self.ids[ok].to_numpy(),
                "order_date": date[ok].to_numpy(),
                "amount": amount[ok].to_numpy(),
                "order_key": keys[ok].to_numpy(),
            }
        )
        if has_orders:
            blank = order_ids[ok].isna().to_numpy()
            self.repairs["order_id_filled"] = int(blank.sum())
            if blank.any():
                self.notes.append(Note("info", "note.order_id_filled", {"count": int(blank.sum())}))
            lines["order_id"] = keys_text(order_ids[ok], self.raw.row_numbers[ok])
        for role in (*DIMENSIONS, "currency"):
            if role in m:
                lines[role] = self.frame[m[role]][ok].to_numpy()
        for c in self._extras():
            lines[c] = self.frame[c][ok].to_numpy()
        built = order_model.build(
            lines,
            order_level_amount="order_total" in m and "amount" not in m,
            net_of_refunds=bool(layout and layout.amount_net_of_refunds),
            refund=None if refund is None else pd.Series(refund[ok].to_numpy()),
            full_refund=full_refund[ok],
            refund_date=None if refund_date is None else pd.Series(refund_date[ok].to_numpy()),
        )
        self.totals = built.totals
        if built.totals["refunds_capped"]:
            self.notes.append(Note("warning", "note.refund_capped", {"count": built.totals["refunds_capped"]}))
        self._currency(ok)
        self._interpretation_rules(has_orders)
        return built.transactions.drop(columns="order_key"), as_of

    def _refund_dates(self) -> pd.Series | None:
        """Refund dates where the export has them; an unreadable one falls back to the purchase date."""
        m = self.mapping
        if "refund_date" not in m:
            return None
        res = parse_dates(self.frame[m["refund_date"]], self.options.date_order, self.raw.file_format == "excel")
        unreadable = int((res.failed & ~is_missing(self.frame[m["refund_date"]]) & self.ok).sum())
        if unreadable:
            self.notes.append(
                Note("warning", "note.refund_date_unreadable", {"column": m["refund_date"], "count": unreadable})
            )
        return res.values

    def _purchase_dates(self, order_res, paid_res) -> tuple[pd.Series, str]:
        """A purchase is dated by its payment when the export has one, else by the order."""
        m = self.mapping
        if paid_res is not None and order_res is not None:
            present = ~is_missing(self.frame[m["paid_date"]])
            self._reject(present & paid_res.failed, "bad_date", m["paid_date"])
            self._reject(order_res.failed & paid_res.failed, "bad_date", m["order_date"])
            date = paid_res.values.where(paid_res.values.notna(), order_res.values)
            self.rules.append(Note("info", "rule.date_paid", {"paid": m["paid_date"], "order": m["order_date"]}))
            col = m["paid_date"]
        else:
            res, role = (paid_res, "paid_date") if paid_res is not None else (order_res, "order_date")
            present = ~is_missing(self.frame[m[role]])
            # a blank payment date is an unpaid order (rejected as not paid below), not a bad date
            self._reject(res.failed & (present if role == "paid_date" else True), "bad_date", m[role])
            date, col = res.values, m[role]
            self.rules.append(Note("info", "rule.date_one", {"column": col}))
        for role in ("order_date", "paid_date"):
            if role in m:
                self._count_serial_dates(m[role])
        return date, col

    def _line_or_order_amounts(self) -> pd.Series:
        """What each line contributes: the order total, the line amount, or quantity × price."""
        m = self.mapping
        if "amount" in m:
            amount = self._amounts("amount", "bad_amount")
            self.rules.append(Note("info", "rule.amount_line", {"column": m["amount"]}))
        elif "order_total" in m:
            amount = self._amounts("order_total", "bad_amount")
            self.rules.append(Note("info", "rule.amount_order", {"column": m["order_total"]}))
        else:
            qty = self._amounts("quantity", "bad_amount")
            price = self._amounts("unit_price", "bad_amount")
            amount = qty * price
            self.rules.append(
                Note("info", "rule.amount_qty_price", {"quantity": m["quantity"], "price": m["unit_price"]})
            )
        if "discount" in m and "order_total" not in m:
            discount = self._optional_amount("discount")
            amount = amount - discount.fillna(0.0).abs()
            self.rules.append(Note("info", "rule.discount", {"column": m["discount"]}))
        return amount

    def _optional_amount(self, role: str) -> pd.Series | None:
        """An amount column that may be blank (blank = 0); unreadable cells reject the row."""
        if role not in self.mapping:
            return None
        res = self._parse_amounts(role)
        present = ~is_missing(self.frame[self.mapping[role]])
        self._reject(present & res.failed, "bad_amount", self.mapping[role])
        return res.values.fillna(0.0)

    def _statuses(self, keys: pd.Series, paid_res) -> np.ndarray:
        """Reject orders that are not purchases; return the rows refunded in full by status."""
        m, layout = self.mapping, self.found.layout
        n = len(self.frame)
        if "status" in m:
            vocab = layout.statuses if layout is not None else status_vocabulary()
            decision = order_model.classify(self.frame[m["status"]], vocab, self.options.purchase_statuses)
            cls = decision.cls
            blank = int(((cls == "") & self.ok).sum())
            if blank:
                self.notes.append(Note("warning", "note.status_blank", {"column": m["status"], "count": blank}))
        else:
            cls = np.full(n, "", dtype=object)
            decision = None
        before = self.ok.copy()
        self._reject(cls == "excluded", "status_excluded", m.get("status", ""))
        closed = cls == "closed"
        if paid_res is not None:
            paid = ~is_missing(self.frame[m["paid_date"]])
            paid |= cls == "chosen"  # statuses the user added count without a payment date
            self.rules.append(Note("info", "rule.paid_only", {"column": m["paid_date"]}))
            self._reject(~paid, "not_paid", m["paid_date"])
        else:
            self._reject(closed, "status_excluded", m.get("status", ""))
        if decision is not None:
            self.statuses = order_model.status_table(
                self.frame[m["status"]][before], keys[before], cls[before], self.ok[before]
            )
            counted = self.statuses[self.statuses["counted"]]["status"].tolist()
            self.rules.append(Note("info", "rule.statuses", {"column": m["status"], "statuses": ", ".join(counted)}))
            if decision.unknown_values:
                self.notes.append(
                    Note(
                        "warning",
                        "note.status_unknown",
                        {"column": m["status"], "values": ", ".join(decision.unknown_values[:10])},
                    )
                )
        left_out = before & ~self.ok & np.isin(self.reason, ("status_excluded", "not_paid"))
        if left_out.any():
            label = self.frame[m["status"]].astype("string").str.strip().fillna("") if "status" in m else None
            frame = pd.DataFrame({"key": keys[left_out].to_numpy(), "reason": self.reason[left_out]})
            frame["status"] = label[left_out].to_numpy() if label is not None else ""
            first = frame.drop_duplicates("key")
            sizes = first.groupby(["status", "reason"]).size()
            self.excluded = {(s or reason): int(count) for (s, reason), count in sizes.items()}
        return (cls == "refunded") | closed

    def _currency(self, ok: np.ndarray) -> None:
        m = self.mapping
        if self.currency is not None:
            return
        if "currency" in m:
            values = self.frame[m["currency"]][ok].astype("string").str.strip().str.upper().dropna()
            values = values[values != ""]
            if len(values):
                counts = values.value_counts()
                self.currency = str(counts.index[0])
                if len(counts) > 1:
                    self.notes.append(
                        Note(
                            "warning",
                            "note.mixed_currency",
                            {"column": m["currency"], "currencies": ", ".join(counts.index[:5])},
                        )
                    )
                return
        role = next((r for r in ("amount", "order_total", "unit_price") if r in m), None)
        if role is None:
            return
        sample = self.frame[m[role]][ok].head(2000).astype("string").str.lower().dropna()
        for symbol, code in CURRENCY_SYMBOLS.items():
            if sample.str.contains(symbol, regex=False).any():
                self.currency = code
                return

    def _interpretation_rules(self, has_orders: bool) -> None:
        m = self.mapping
        if has_orders:
            self.rules.append(Note("info", "rule.frequency_orders", {"column": m["order_id"]}))
        else:
            self.rules.append(Note("info", "rule.frequency_rows", {}))
        if "refund_amount" in m:
            layout = self.found.layout
            key = "rule.refunds_net" if layout is not None and layout.amount_net_of_refunds else "rule.refunds"
            self.rules.append(Note("info", key, {"column": m["refund_amount"]}))
        used = m.get("amount") or m.get("order_total")
        layout, columns = self.found.layout, list(self.frame.columns)
        if layout is not None:  # the layout knows its export's other amounts
            keys = {normalize_header(a) for a in layout.alternatives}
            others = [c for c in columns if normalize_header(c) in keys]
        else:
            others = [c for role in ("amount", "order_total") for c in alias_candidates(columns, role)]
        others = [c for c in dict.fromkeys(others) if c not in m.values()]
        if used and others:
            self.notes.append(
                Note("warning", "note.amount_candidates", {"used": used, "others": ", ".join(others[:5])})
            )
        if "amount" in m and re.search(r"price|单价|价格", m["amount"], re.IGNORECASE):
            self.notes.append(Note("warning", "note.amount_is_price", {"column": m["amount"]}))
        picks = [(r, m[r]) for r in self.found.guessed if r in m]
        if picks:
            self.notes.append(Note("warning", "note.guessed", {"picks": picks}))

    # -- customer tables
    def customer_rows(self) -> tuple[pd.DataFrame, dt.date | None]:
        m = self.mapping
        self._duplicates(None, customers=True)
        self._ids()
        last = self._dates("last_purchase") if "last_purchase" in m else None
        if "recency_days" in m:
            recency = self._amounts("recency_days", "bad_recency")
            self._reject(~(recency >= 0).to_numpy(), "bad_recency", m["recency_days"])
        freq = self._amounts("frequency", "bad_frequency")
        bad_freq = ~((freq >= 0) & (freq == freq.round())).to_numpy()
        self._reject(bad_freq, "bad_frequency", m["frequency"])
        monetary = self._amounts("monetary", "bad_amount")
        dup = self.ids.where(self.ok).duplicated(keep="first").to_numpy() & self.ids.notna().to_numpy()
        self._reject(dup & self.ok, "duplicate_customer", m["customer_id"])
        if last is not None:
            as_of = self._as_of(last)
            self._after(last, as_of, m["last_purchase"])
        else:
            as_of = self.options.as_of
        ok = self.ok
        out = pd.DataFrame({"customer_id": self.ids[ok].to_numpy()})
        if last is not None:
            out["last_purchase"] = last[ok].dt.normalize().to_numpy()
            out["recency_days"] = (pd.Timestamp(as_of) - out["last_purchase"]).dt.days
        else:
            out["recency_days"] = recency[ok].round().astype("int64").to_numpy()
            out["last_purchase"] = (
                pd.Timestamp(as_of) - pd.to_timedelta(out["recency_days"], unit="D") if as_of is not None else pd.NaT
            )
        out["frequency"] = freq[ok].astype("int64").to_numpy()
        out["monetary"] = monetary[ok].to_numpy()
        for c in self._extras():
            out[c] = self.frame[c][ok].to_numpy()
        return out, as_of

    # -- the report
    def report(self, kind: str, columns: list[str], as_of: dt.date | None) -> LoadReport:
        raw, f = self.raw, self.original
        bad = ~self.ok
        cells = f[bad].astype("string").apply(lambda s: s.str.slice(0, MAX_CELL_CHARS))
        value = ["" if c == "" else cells.at[i, c] for i, c in zip(cells.index, self.column[bad], strict=True)]
        head = {
            "row": raw.row_numbers[bad],
            "reason": self.reason[bad],
            "column": self.column[bad],
            "value": pd.array(value, dtype="string"),
        }
        if raw.row_sheets is not None:
            head = {"sheet": raw.row_sheets[bad], **head}
        rejected = pd.concat([pd.DataFrame(head), cells.reset_index(drop=True)], axis=1)
        if raw.bad_lines:
            lines = pd.DataFrame(
                {
                    "row": [n for n, _ in raw.bad_lines],
                    "reason": "bad_line",
                    "column": "",
                    "value": [t[:MAX_CELL_CHARS] for _, t in raw.bad_lines],
                }
            )
            rejected = pd.concat([rejected, lines], ignore_index=True)
        order = ["sheet", "row"] if raw.row_sheets is not None else ["row"]
        rejected = rejected.sort_values(order, kind="stable").reset_index(drop=True)
        counts = {r: 0 for r in REASONS}
        counts.update(rejected["reason"].value_counts().to_dict())
        source = {
            "format": raw.file_format,
            "encoding": raw.encoding,
            "encoding_detected": raw.encoding_detected,
            "delimiter": raw.delimiter,
            "sheet": raw.sheet,
            "sheets": raw.sheets,
            "sheets_used": raw.sheets_used,
            "header_row": raw.header_row,
            "headerless": raw.headerless,
        }
        return LoadReport(
            rows_read=len(f) + len(raw.bad_lines),
            rows_kept=int(self.ok.sum()),
            rejected=rejected,
            reason_counts={r: int(counts[r]) for r in REASONS},
            repairs=self.repairs,
            notes=self._source_notes() + self.notes,
            kind=kind,
            mapping=dict(self.mapping),
            columns=columns,
            source=source,
            as_of=as_of,
            duplicates_kept=self.duplicates_kept,
            layout=self.found.layout.key if self.found.layout else None,
            guessed=list(self.found.guessed),
            rules=self.rules,
            totals=self.totals,
            statuses=self.statuses,
            samples=_samples(f, self.mapping),
            currency=self.currency,
            excluded=self.excluded,
        )

    def _source_notes(self) -> list[Note]:
        raw, notes = self.raw, []
        if raw.renamed_headers:
            names = ", ".join(f"{v!r} → {k}" for k, v in raw.renamed_headers.items())
            notes.append(Note("info", "note.headers_renamed", {"names": names}))
        if raw.header_row > 1:
            notes.append(Note("info", "note.header_row", {"row": raw.header_row}))
        if raw.headerless:
            notes.append(Note("warning", "note.headerless", {"count": len(raw.frame.columns)}))
        if raw.encoding_detected:
            notes.append(Note("info", "note.encoding_detected", {"encoding": raw.encoding}))
        if len(raw.sheets_used) > 1:
            notes.append(Note("info", "note.sheets_combined", {"sheets": ", ".join(raw.sheets_used)}))
        others = [s for s in raw.sheets if s not in raw.sheets_used]
        if raw.file_format == "excel" and others:
            notes.append(Note("info", "note.other_sheets", {"sheets": ", ".join(others)}))
        return notes


def _samples(frame: pd.DataFrame, mapping: dict[str, str], n: int = 3) -> dict[str, list[str]]:
    """Up to ``n`` distinct filled values of each mapped column, as text."""
    out = {}
    for role, col in mapping.items():
        values = frame[col][~is_missing(frame[col])].head(200).astype("string").str.slice(0, 40)
        out[role] = list(dict.fromkeys(values.tolist()))[:n]
    return out


_EXCEL_GUARD = r'^(?:="(?P<q>.*)"|\'(?P<a>.*))$'


def _clean_ids(s: pd.Series) -> tuple[pd.Series, dict[str, np.ndarray]]:
    """Ids as text, with what spreadsheets and exports do to them undone.

    ``="123"`` and ``'123`` (written so Excel keeps the digits) become ``123``; a column of
    whole numbers written as floats (``17850.0``) loses the ``.0``; spaces and tabs are trimmed.
    """
    ids, trimmed = parse_ids(s)
    guard = ids.str.extract(_EXCEL_GUARD)
    guarded = guard.notna().any(axis=1).to_numpy()
    if guarded.any():
        inner = guard["q"].fillna(guard["a"]).str.strip()
        ids = ids.where(~guarded, inner)
        ids = ids.mask(ids == "")
    floaty = np.zeros(len(ids), dtype=bool)
    valid = ids.dropna()
    if len(valid):
        is_float = valid.str.fullmatch(r"-?[0-9]+\.0+").fillna(False)
        if is_float.all():
            floaty = ids.str.fullmatch(r"-?[0-9]+\.0+").fillna(False).to_numpy()
            ids = ids.str.replace(r"\.0+$", "", regex=True)
    return ids, {"id_trimmed": trimmed & ~guarded, "id_excel_guard": guarded, "id_float_suffix": floaty}
