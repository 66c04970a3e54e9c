"""Uploaded file → clean transactions or customer table, plus a load report.

Every row read ends either kept or rejected with exactly one reason, so
``rows_read == rows_kept + rows_rejected`` always holds; repairs (a ``¥`` stripped, an id
trimmed) are counted, and anything the loader had to decide (date order, analysis date,
column picks) is written into the report's notes.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from crm_core.columns import CUSTOMERS, ROLES, TRANSACTIONS, detect_columns, detect_kind, missing_roles
from crm_core.errors import CrmError
from crm_core.parse import is_missing, parse_amounts, parse_dates, parse_ids
from crm_core.readers import MAX_BYTES, RawTable, read_table
from crm_core.summarize import Summary, customer_table_summary, summarize_detail

# Rejection reasons, in the order they are checked: a row gets the first that applies.
REASONS = (
    "bad_line",
    "empty_row",
    "duplicate_row",
    "missing_id",
    "bad_date",
    "bad_amount",
    "bad_recency",
    "bad_frequency",
    "duplicate_customer",
    "after_as_of",
)
REPAIRS = ("amount_text", "id_trimmed", "order_id_filled", "excel_serial_date")
MAX_CELL_CHARS = 1000


@dataclass(frozen=True)
class LoadOptions:
    """How to read an upload. ``columns`` overrides detection: ((role, column), ...)."""

    kind: str = "auto"  # auto | transactions | customers
    columns: tuple[tuple[str, str], ...] = ()
    as_of: dt.date | None = None
    decimal: str = "."  # "." or ","
    date_order: str = "auto"  # auto | dmy | mdy (only for DD/MM/YYYY-like dates)
    keep_duplicates: bool = False
    encoding: str | None = None
    delimiter: str | None = None
    sheet: str | None = None
    max_bytes: int = MAX_BYTES

    def with_columns(self, mapping: dict[str, str]) -> LoadOptions:
        return replace(self, columns=tuple(sorted(mapping.items())))


@dataclass
class Note:
    level: str  # info | warning
    key: str
    params: dict = field(default_factory=dict)


@dataclass
class LoadReport:
    """What happened to every row. ``rejected`` has row, reason, column, value + the cells."""

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


def resolve_mapping(columns: list[str], options: LoadOptions) -> tuple[str, dict[str, str]]:
    """Kind and role → column: detected, then the user's overrides on top."""
    overrides = dict(options.columns)
    kind = options.kind if options.kind in (TRANSACTIONS, CUSTOMERS) else detect_kind(columns)
    mapping = detect_columns(columns, kind)
    for role, column in overrides.items():
        if role not in ROLES[kind]:
            continue
        if not column:
            mapping.pop(role, None)
        elif column in columns:
            mapping[role] = column
        else:
            raise CrmError("error.unknown_column", column=column, columns=", ".join(columns))
    used = list(mapping.values())
    if len(used) != len(set(used)):
        dup = next(c for c in used if used.count(c) > 1)
        raise CrmError("error.column_twice", column=dup)
    return kind, mapping


def load_raw(raw: RawTable, options: LoadOptions = LoadOptions()) -> LoadResult:
    columns = list(raw.frame.columns)
    if len(raw.frame) == 0 and not raw.bad_lines:
        raise CrmError("error.no_rows")
    kind, mapping = resolve_mapping(columns, options)
    missing = missing_roles(mapping, kind)
    if missing:
        raise CrmError("error.missing_columns", roles=", ".join(missing), columns=", ".join(columns))
    cleaner = _Cleaner(raw, mapping, options)
    kept, as_of = cleaner.transactions() if kind == TRANSACTIONS else cleaner.customer_rows()
    report = cleaner.report(kind, columns, as_of)
    if report.rows_kept == 0:
        raise CrmError("error.nothing_kept", report=report, rows=report.rows_read, reasons=_reasons_text(report))
    summary = summarize_detail(kept, as_of) if kind == TRANSACTIONS else customer_table_summary(kept, as_of)
    return LoadResult(
        report=report,
        customers=summary.customers,
        summary=summary,
        transactions=kept if kind == TRANSACTIONS else None,
    )


def _reasons_text(report: LoadReport):
    def text(lang: str) -> str:
        from crm_core.i18n import t

        return "; ".join(f"{t('reason.' + k, lang)}: {v}" for k, v in report.reason_counts.items() if v)

    return text


class _Cleaner:
    """Assigns each row at most one rejection reason, in REASONS order."""

    def __init__(self, raw: RawTable, mapping: dict[str, str], options: LoadOptions) -> None:
        self.raw, self.mapping, self.options = raw, mapping, options
        self.frame = raw.frame
        n = len(self.frame)
        self.reason = np.full(n, "", dtype=object)
        self.column = np.full(n, "", dtype=object)
        self.repairs = dict.fromkeys(REPAIRS, 0)
        self.notes: list[Note] = []
        self.duplicates_kept = 0
        self._common()

    # -- shared steps
    def _reject(self, mask: np.ndarray, reason: str, column: str = "") -> None:
        new = np.asarray(mask, dtype=bool) & (self.reason == "")
        self.reason[new] = reason
        self.column[new] = column

    @property
    def ok(self) -> np.ndarray:
        return self.reason == ""

    def _common(self) -> None:
        f = self.frame
        empty = np.ones(len(f), dtype=bool)
        for c in f.columns:
            empty &= is_missing(f[c])
        self._reject(empty, "empty_row")
        dup = f.astype("string").duplicated(keep="first").to_numpy() & ~empty
        if self.options.keep_duplicates:
            self.duplicates_kept = int(dup.sum())
            if self.duplicates_kept:
                self.notes.append(Note("info", "note.duplicates_kept", {"count": self.duplicates_kept}))
        else:
            self._reject(dup, "duplicate_row")
        col = self.mapping["customer_id"]
        self.ids, trimmed = parse_ids(f[col])
        self._reject(self.ids.isna().to_numpy(), "missing_id", col)
        self.repairs["id_trimmed"] = int((trimmed & self.ok).sum())

    def _dates(self, role: str):
        col = self.mapping[role]
        res = parse_dates(self.frame[col], self.options.date_order, self.raw.file_format == "excel")
        self._reject(res.failed, "bad_date", col)
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
        if self.raw.file_format == "excel":
            nums = self.frame[col].map(lambda v: isinstance(v, (int, float)) and not isinstance(v, bool))
            self.repairs["excel_serial_date"] = int((nums.to_numpy() & self.ok).sum())
        return res.values

    def _amounts(self, role: str, reason: str):
        col = self.mapping[role]
        res = parse_amounts(self.frame[col], self.options.decimal)
        self._reject(res.failed, reason, col)
        if reason == "bad_amount":
            self.repairs["amount_text"] += int((res.repaired & self.ok).sum())
        if res.comma_decimal_like:
            self.notes.append(Note("warning", "note.comma_decimal", {"column": col, "count": res.comma_decimal_like}))
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

    def _after(self, dates: pd.Series, as_of: dt.date | None, role: str) -> None:
        if as_of is not None:
            after = (dates.dt.normalize() > pd.Timestamp(as_of)).to_numpy()
            self._reject(after, "after_as_of", self.mapping[role])

    def _extras(self) -> list[str]:
        return [c for c in self.frame.columns if c not in self.mapping.values()]

    # -- kinds
    def transactions(self) -> tuple[pd.DataFrame, dt.date | None]:
        dates = self._dates("order_date")
        amounts = self._amounts("amount", "bad_amount")
        as_of = self._as_of(dates)
        self._after(dates, as_of, "order_date")
        ok = self.ok
        out = pd.DataFrame(
            {
                "customer_id": self.ids[ok].to_numpy(),
                "order_date": dates[ok].to_numpy(),
                "amount": amounts[ok].to_numpy(),
            }
        )
        if "order_id" in self.mapping:
            orders, _ = parse_ids(self.frame[self.mapping["order_id"]])
            orders = orders[ok].reset_index(drop=True)
            blank = orders.isna()
            if blank.any():
                rows = pd.Series(self.raw.row_numbers[ok]).astype("string")
                orders = orders.mask(blank, "row " + rows)
                self.repairs["order_id_filled"] = int(blank.sum())
                self.notes.append(Note("info", "note.order_id_filled", {"count": int(blank.sum())}))
            out["order_id"] = orders.to_numpy()
        for c in self._extras():
            out[c] = self.frame[c][ok].to_numpy()
        return out, as_of

    def customer_rows(self) -> tuple[pd.DataFrame, dt.date | None]:
        m = self.mapping
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
            self._after(last, as_of, "last_purchase")
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
        raw, f = self.raw, self.frame
        bad = ~self.ok
        cells = f[bad].astype("string").apply(lambda s: s.str.slice(0, MAX_CELL_CHARS))
        value = ["" if c == "" else cells.at[i, c] for i, c in zip(cells.index, self.column[bad], strict=True)]
        rejected = pd.concat(
            [
                pd.DataFrame(
                    {
                        "row": raw.row_numbers[bad],
                        "reason": self.reason[bad],
                        "column": self.column[bad],
                        "value": pd.array(value, dtype="string"),
                    }
                ),
                cells.reset_index(drop=True),
            ],
            axis=1,
        )
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
        rejected = rejected.sort_values("row", kind="stable").reset_index(drop=True)
        counts = {r: 0 for r in REASONS}
        counts.update(rejected["reason"].value_counts().to_dict())
        source = {
            "format": raw.file_format,
            "encoding": raw.encoding,
            "delimiter": raw.delimiter,
            "sheet": raw.sheet,
            "sheets": raw.sheets,
        }
        notes = list(self.notes)
        if raw.renamed_headers:
            notes.insert(
                0,
                Note(
                    "info",
                    "note.headers_renamed",
                    {"names": ", ".join(f"{v!r} → {k}" for k, v in raw.renamed_headers.items())},
                ),
            )
        return LoadReport(
            rows_read=len(f) + len(raw.bad_lines),
            rows_kept=int(self.ok.sum()),
            rejected=rejected,
            reason_counts={r: int(counts[r]) for r in REASONS},
            repairs=self.repairs,
            notes=notes,
            kind=kind,
            mapping=dict(self.mapping),
            columns=columns,
            source=source,
            as_of=as_of,
            duplicates_kept=self.duplicates_kept,
        )
