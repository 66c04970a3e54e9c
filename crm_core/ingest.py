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

import numpy as np
import pandas as pd

from crm_core.cleaning import Cleaner
from crm_core.columns import CUSTOMERS, ROLES, TRANSACTIONS, detect_columns, detect_kind, is_strong_match, missing_roles
from crm_core.errors import CrmError
from crm_core.layouts import catalogue, detect_layout
from crm_core.load_report import (  # noqa: F401  (the public names of loading live here too)
    DEFAULT_OPTIONS,
    REASONS,
    REPAIRS,
    Interpretation,
    LoadOptions,
    LoadReport,
    LoadResult,
    Note,
    note_text,
)
from crm_core.readers import RawTable, read_table
from crm_core.summarize import customer_table_summary, summarize_detail
from crm_core.transactions import TransactionCleaner


def load(data: bytes, filename: str, options: LoadOptions = DEFAULT_OPTIONS, progress=None) -> LoadResult:
    """Read, map, clean and summarise an upload. Raises CrmError when nothing is usable.

    ``progress(stage, **figures)``, when given, is told each stage as it starts: ``read``
    (``mb``), ``check`` (``rows`` read) and ``summarise`` (``rows`` kept)."""
    if progress is not None:
        progress("read", mb=len(data) / 2**20)
    raw = read_table(
        data,
        filename,
        encoding=options.encoding,
        delimiter=options.delimiter,
        sheet=options.sheet,
        header_row=options.header_row,
        max_bytes=options.max_bytes,
    )
    return load_raw(raw, options, progress)


def load_frame(frame: pd.DataFrame, options: LoadOptions = DEFAULT_OPTIONS, progress=None) -> LoadResult:
    """The same as :func:`load` for a table already in memory (typed in, or from Python)."""
    raw = RawTable(
        frame=frame.reset_index(drop=True),
        row_numbers=np.arange(1, len(frame) + 1),
        file_format="table",
    )
    return load_raw(raw, options, progress)


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


def load_raw(raw: RawTable, options: LoadOptions = DEFAULT_OPTIONS, progress=None) -> LoadResult:
    columns = list(raw.frame.columns)
    if progress is not None:
        progress("check", rows=len(raw.frame))
    if len(raw.frame) == 0 and not raw.bad_lines:
        raise CrmError("error.no_rows")
    found = interpret(columns, options)
    missing = missing_roles(found.mapping, found.kind)
    if missing:
        raise CrmError("error.missing_columns", roles=", ".join(missing), columns=", ".join(columns))
    cleaner = (TransactionCleaner if found.kind == TRANSACTIONS else Cleaner)(raw, found, options)
    if found.kind == TRANSACTIONS:
        kept, as_of = cleaner.transactions()
    else:
        kept, as_of = cleaner.customer_rows()
    report = cleaner.report(found.kind, columns, as_of)
    if report.rows_kept == 0:
        raise CrmError("error.nothing_kept", report=report, rows=report.rows_read, reasons=_reasons_text(report))
    if progress is not None:
        progress("summarise", rows=report.rows_kept)
    if found.kind == TRANSACTIONS:
        summary = summarize_detail(kept, as_of, orders_unique=cleaner.orders_unique)
    else:
        summary = customer_table_summary(kept, as_of)
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
