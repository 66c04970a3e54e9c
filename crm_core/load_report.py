"""What a load produces and how it is described: options, notes, the report, the result.

Shared by :mod:`crm_core.ingest` (the entry points), :mod:`crm_core.cleaning` (row checks)
and :mod:`crm_core.transactions` (the order model applied to transaction rows).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace

import pandas as pd

from crm_core.layouts import Layout, catalogue
from crm_core.readers import MAX_BYTES
from crm_core.summarize import Summary

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
TOTAL_WORDS = (
    "合计",
    "总计",
    "小计",
    "本页合计",
    "累计",
    "合计金额",
    "Total",
    "Totals",
    "Grand total",
    "Subtotal",
    "Sum",
)


def _total_spellings() -> frozenset[str]:
    """How exports write a total cell: the word, in any case, with a colon or spaced out."""
    out = set()
    for word in TOTAL_WORDS:
        forms = {word, word.lower(), word.upper(), word.title()}
        if not word.isascii() and len(word) == 2:
            forms |= {f"{word[0]} {word[1]}", f"{word[0]}\u3000{word[1]}"}
        for form in forms:
            out |= {form, f"{form}:", f"{form}：", f" {form}", f"{form} "}
    return frozenset(out)


TOTAL_SPELLINGS = _total_spellings()
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


DEFAULT_OPTIONS = LoadOptions()


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


@dataclass
class Interpretation:
    """Which kind of table, which layout, and which column plays which role."""

    kind: str
    mapping: dict[str, str]
    layout: Layout | None = None
    id_fallbacks: tuple[str, ...] = ()
    guessed: list[str] = field(default_factory=list)  # roles matched only by a weak or partial header
