"""Row checks shared by every upload: each row kept or rejected with exactly one reason.

:class:`Cleaner` holds the bookkeeping (a reason and a column per row, repairs, notes), the
checks every table gets (empty, total and duplicate rows, customer ids, dates, amounts, the
analysis date), the customer-table path, and the report. Transactions add the order model in
:mod:`crm_core.transactions`.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from crm_core.load_report import (
    MAX_CELL_CHARS,
    REASONS,
    REPAIRS,
    TOTAL_SPELLINGS,
    Interpretation,
    LoadOptions,
    LoadReport,
    Note,
)
from crm_core.parse import is_missing, parse_amounts, parse_dates, parse_ids
from crm_core.readers import RawTable

_SCIENTIFIC = r"^[0-9](?:\.[0-9]+)?[eE]\+?[0-9]+$"


class Cleaner:
    """Assigns each row at most one rejection reason, in REASONS order."""

    def __init__(self, raw: RawTable, found: Interpretation, options: LoadOptions) -> None:
        self.raw, self.found, self.options = raw, found, options
        self.mapping = found.mapping
        self.original = raw.frame  # cells as read: what the rejected-rows table shows
        self.frame = raw.frame  # cells the parsers read (order fields carried for transactions)
        n = len(self.frame)
        # each row's reason and column, written by _reject only; made at the first rejection
        # (two arrays of a million Python strings cost more than a whole plain load's checks)
        self._reason: np.ndarray | None = None
        self._column: np.ndarray | None = None
        self._ok = np.ones(n, dtype=bool)  # reason == "", kept beside it: read after every step
        self.repairs = dict.fromkeys(REPAIRS, 0)
        self.notes: list[Note] = []
        self.rules: list[Note] = []
        self.duplicates_kept = 0
        self.totals: dict = {}
        self.statuses: pd.DataFrame | None = None
        self.excluded: dict = {}
        self.currency: str | None = options.currency
        self.empty = np.zeros(n, dtype=bool)
        self.orders_unique = False  # proven: no order id is on two kept rows

    # -- shared steps
    def _empty_and_total_rows(self, rows: np.ndarray | None = None) -> None:
        """The first checks: rows with no value at all, then total lines. ``rows``: the only
        positions that can be either (the engine proved the others have a customer)."""
        f = self.frame if rows is None else self.frame.iloc[rows]
        empty = np.ones(len(f), dtype=bool)
        for c in f.columns:
            empty &= is_missing(f[c])
        self.empty = self._spread(rows, empty)
        self._reject(self.empty, "empty_row")
        self._totals(rows)

    def _spread(self, rows: np.ndarray | None, mask: np.ndarray) -> np.ndarray:
        """A mask over ``rows`` as a mask over every row."""
        if rows is None:
            return mask
        out = np.zeros(len(self._ok), dtype=bool)
        out[rows] = mask
        return out

    def _reject(self, mask: np.ndarray, reason: str, column: str = "") -> None:
        new = np.asarray(mask, dtype=bool) & self._ok
        if not new.any():
            return
        self.reason[new] = reason
        self._ok &= ~new
        self.column[new] = column

    @property
    def reason(self) -> np.ndarray:
        """Each row's rejection reason ("" when kept)."""
        if self._reason is None:
            self._reason = np.full(len(self._ok), "", dtype=object)
        return self._reason

    @property
    def column(self) -> np.ndarray:
        """The column each rejection points at ("" for a whole row, or when kept)."""
        if self._column is None:
            self._column = np.full(len(self._ok), "", dtype=object)
        return self._column

    @property
    def ok(self) -> np.ndarray:
        return self._ok.copy()

    def _totals(self, rows: np.ndarray | None = None) -> None:
        """Total lines (合计, Grand total …) are reported as totals, not as bad rows."""
        f = self.original if rows is None else self.original.iloc[rows]
        id_col = self.mapping["customer_id"]
        hit = np.zeros(len(f), dtype=bool)
        for c in f.columns:
            s = f[c]
            if s.dtype.kind in "biufcmM":
                continue
            # a hash lookup of the spellings exports use: a regex over every cell cost seconds at 1M rows
            hit |= s.isin(TOTAL_SPELLINGS).to_numpy()
        if hit.any():
            own = ~is_missing(f[id_col]) & ~f[id_col].isin(TOTAL_SPELLINGS).to_numpy()
            self._reject(self._spread(rows, hit & ~own), "total_row")

    def _duplicates(self, decide_from_time: pd.Series | None, customers: bool = False, has_order: bool = False) -> None:
        """Identical rows: dropped when rows carry an order id or a time of day, else kept
        (two identical purchases on one day are real purchases in a log without order ids)."""
        first = [self.mapping[r] for r in ("order_id", "order_date", "paid_date", "amount") if r in self.mapping]
        dup = duplicate_rows(self.original, first) & ~self.empty
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
        ids, repairs = clean_ids(self.frame[col])
        self._count_id_repairs(repairs)
        layout = self.found.layout
        guest_ids = set(layout.guest_ids) if layout else set()
        if guest_ids:
            ids = ids.mask(ids.isin(guest_ids))
        for fallback in self.found.id_fallbacks:
            blank = ids.isna()
            if not blank.any():
                break
            more, _ = clean_ids(self.frame[fallback])
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
        # cheap literal tests first: the regexes run only where they can match
        maybe_sci = valid[valid.str.contains("E+", regex=False) | valid.str.contains("e+", regex=False)]
        sci = int(maybe_sci.str.match(_SCIENTIFIC).fillna(False).sum())
        if sci:
            self.notes.append(Note("warning", "note.ids_scientific", {"column": col, "count": sci}))
        if not valid.str.startswith("0").any():
            padded = ()
        else:
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

    # -- customer tables
    def customer_rows(self) -> tuple[pd.DataFrame, dt.date | None]:
        m = self.mapping
        self._empty_and_total_rows()
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
        none = np.array([], dtype=object)
        reasons, where = (self.reason[bad], self.column[bad]) if bad.any() else (none, none)
        cells = (f[bad] if bad.any() else f.iloc[:0]).astype("string").apply(lambda s: s.str.slice(0, MAX_CELL_CHARS))
        value = ["" if c == "" else cells.at[i, c] for i, c in zip(cells.index, where, strict=True)]
        head = {
            "row": raw.row_numbers[bad],
            "reason": reasons,
            "column": where,
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
        notes.extend(Note(level, key, params) for level, key, params in raw.notes)
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
        column = frame[col].head(2000)  # the first 200 filled values are almost always near the top
        if (~is_missing(column)).sum() < 200 and len(frame) > len(column):
            column = frame[col]
        values = column[~is_missing(column)].head(200).astype("string").str.slice(0, 40)
        out[role] = list(dict.fromkeys(values.tolist()))[:n]
    return out


def duplicate_rows(frame: pd.DataFrame, first: list[str] = ()) -> np.ndarray:
    """Rows identical, as text, to an earlier row (``frame.astype("string").duplicated()``).

    Comparing every column of every row costs a hash of each column; instead the rows are
    first narrowed by the ``first`` columns (most distinct values: an order id, a time stamp),
    keeping the rows whose value there occurs more than once — a row with an earlier twin
    always stays, as does the twin — and only those are compared in full. Exact, and one
    column's hash when order ids are unique."""
    n = len(frame)
    rows = np.arange(n)
    for col in [c for c in first if c in frame.columns][:2]:
        if not len(rows):
            break
        shared = frame[col].iloc[rows].astype("string").duplicated(keep=False).to_numpy()
        rows = rows[shared]
    out = np.zeros(n, dtype=bool)
    if len(rows):
        out[rows] = frame.iloc[rows].astype("string").duplicated(keep="first").to_numpy()
    return out


_EXCEL_GUARD = r'^(?:="(?P<q>.*)"|\'(?P<a>.*))$'


def clean_ids(s: pd.Series, floats: bool = True) -> tuple[pd.Series, dict[str, np.ndarray]]:
    """Ids as text, with what spreadsheets and exports do to them undone.

    ``="123"`` and ``'123`` (written so Excel keeps the digits) become ``123``; a column of
    whole numbers written as floats (``17850.0``) loses the ``.0``; spaces and tabs are trimmed.
    ``floats=False``: ``s`` is part of a column whose other ids are not floats (never strip ``.0``).
    """
    ids, trimmed = parse_ids(s)
    guarded = np.zeros(len(ids), dtype=bool)
    maybe = ids.str.startswith(("=", "'")).fillna(False).to_numpy()  # cheap test before the regex
    if maybe.any():
        guard = ids[maybe].str.extract(_EXCEL_GUARD)
        found = guard.notna().any(axis=1)
        guarded[np.flatnonzero(maybe)[found.to_numpy()]] = True
        inner = guard["q"].fillna(guard["a"]).str.strip()[found]
        ids = ids.copy()
        ids[guarded] = inner.to_numpy()
        ids = ids.mask(ids == "")
    floaty = np.zeros(len(ids), dtype=bool)
    valid = ids.dropna()
    if floats and len(valid) and valid.str.contains(".", regex=False).all():
        is_float = valid.str.fullmatch(r"-?[0-9]+\.0+").fillna(False)
        if is_float.all():
            floaty = ids.str.fullmatch(r"-?[0-9]+\.0+").fillna(False).to_numpy()
            ids = ids.str.replace(r"\.0+$", "", regex=True)
    return ids, {"id_trimmed": trimmed & ~guarded, "id_excel_guard": guarded, "id_float_suffix": floaty}
