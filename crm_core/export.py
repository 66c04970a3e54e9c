"""Exports that a spreadsheet cannot run: text cells that start like a formula get a ``'``.

Spreadsheets treat a cell starting with ``= + - @`` (or a tab or carriage return, or the
full-width forms of those signs) as a formula. Numbers stay numbers; only text is touched,
header names included.
"""

from __future__ import annotations

import io

import pandas as pd

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n", "＝", "＋", "－", "＠")


def safe_text(value: object) -> object:
    """``'=1+1`` for ``=1+1``; anything that is not text is returned unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def safe_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy whose text cells and headers cannot run as formulas."""
    out = frame.copy()
    out.columns = [safe_text(str(c)) for c in out.columns]
    for c in out.columns:
        col = out[c]
        if col.dtype == object or pd.api.types.is_string_dtype(col):
            out[c] = col.map(safe_text, na_action="ignore")
    return out


def to_csv_bytes(frame: pd.DataFrame) -> bytes:
    """UTF-8 with BOM, so Excel opens Chinese text correctly."""
    return safe_frame(frame).to_csv(index=False).encode("utf-8-sig")


def to_excel_bytes(frame: pd.DataFrame, sheet: str = "data") -> bytes:
    buf = io.BytesIO()
    safe_frame(frame).to_excel(buf, index=False, sheet_name=sheet[:31], engine="openpyxl")
    return buf.getvalue()
