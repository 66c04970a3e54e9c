"""Exports that a spreadsheet cannot run: text that starts like a formula gets a ``'``.

Spreadsheets treat a cell starting with ``= + - @`` (or a tab or carriage return, or the
full-width forms of those signs) as a formula. A line break inside a cell can start a new
row in a spreadsheet that reads the file loosely, so every line inside a cell is treated the
same way, and CSV cells holding a line break are quoted (Excel's dialect, CRLF rows). Numbers
stay numbers; only text is touched, header names included.
"""

from __future__ import annotations

import io
import re

import pandas as pd

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n", "＝", "＋", "－", "＠")
_LINE_FORMULA = re.compile(r"([\r\n])(?=[=+\-@\t＝＋－＠])")


def safe_text(value: object) -> object:
    """``'=1+1`` for ``=1+1`` (also after a line break inside the cell); non-text unchanged."""
    if not isinstance(value, str):
        return value
    if value.startswith(FORMULA_STARTS):
        value = "'" + value
    if "\r" in value or "\n" in value:
        value = _LINE_FORMULA.sub(r"\1'", value)
    return value


def safe_frame(frame: pd.DataFrame, cell=safe_text) -> pd.DataFrame:
    """A copy whose text cells and headers went through ``cell`` (by default: cannot run as
    formulas)."""
    out = frame.copy()
    out.columns = [cell(str(c)) for c in out.columns]
    for c in out.columns:
        col = out[c]
        if isinstance(col.dtype, pd.CategoricalDtype):  # labels are text too (segments, moves)
            col = col.astype(object)
        if col.dtype == object or pd.api.types.is_string_dtype(col):
            out[c] = col.map(cell, na_action="ignore")
    return out


def to_csv_bytes(frame: pd.DataFrame) -> bytes:
    """UTF-8 with BOM, so Excel opens Chinese text correctly."""
    # CRLF rows: the csv writer then quotes every cell holding a CR or an LF
    return safe_frame(frame).to_csv(index=False, lineterminator="\r\n").encode("utf-8-sig")


# Characters an .xlsx cannot hold (XML 1.0 forbids C0 controls other than tab, LF and CR).
_XML_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_SHEET_ILLEGAL = re.compile(r"[\[\]:*?/\\]")


EXCEL_CELL_CHARS = 32_767  # the most a spreadsheet cell holds


def excel_text(value: object) -> object:
    """Text an .xlsx can hold: each forbidden control character becomes U+FFFD, and a text
    longer than a cell holds is cut with a visible "…" (the CSV export keeps it whole);
    non-text unchanged."""
    if not isinstance(value, str):
        return value
    value = _XML_ILLEGAL.sub("\ufffd", value)
    return value if len(value) <= EXCEL_CELL_CHARS else value[: EXCEL_CELL_CHARS - 1] + "…"


def to_excel_bytes(frame: pd.DataFrame, sheet: str = "data", about: list[str] | None = None) -> bytes:
    """One sheet, formula-safe; control characters a workbook cannot hold are replaced. With
    ``about``, a second sheet "about" holds those lines (the filters the data was narrowed
    by, the analysis date): the data sheet stays one plain table."""
    cell = lambda v: excel_text(safe_text(v))  # noqa: E731
    out = safe_frame(frame, cell)
    name = _SHEET_ILLEGAL.sub("_", excel_text(sheet))[:31].strip("'") or "data"
    buf = io.BytesIO()
    with pd.ExcelWriter(buf, engine="openpyxl") as xl:
        out.to_excel(xl, index=False, sheet_name=name)
        if about:
            pd.DataFrame({"": [cell(line) for line in about]}).to_excel(
                xl, sheet_name="about" if name != "about" else "about_", index=False, header=False
            )
    return buf.getvalue()
