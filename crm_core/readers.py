"""Bytes of an uploaded file → a raw table of cells as written, before any cleaning.

Nothing here interprets values: text files give strings, Excel gives the cell values
(numbers, dates, text), Parquet gives its typed columns. Every row keeps the row number a
user sees in the file (header = row 1), so the load report can point at it.
"""

from __future__ import annotations

import csv
import io
import unicodedata
import zipfile
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv

from crm_core.errors import CrmError

MAX_BYTES = 200 * 1024 * 1024
# An .xlsx is a zip: refuse one that would inflate past this, or by more than this ratio.
MAX_XLSX_UNZIPPED = 500 * 1024 * 1024
MAX_XLSX_RATIO = 200
DELIMITERS = (",", "\t", ";", "|")
TEXT_ENCODINGS = ("utf-8", "gb18030")


@dataclass
class RawTable:
    """Cells as read. ``row_numbers[i]`` is the file row of ``frame.iloc[i]``."""

    frame: pd.DataFrame
    row_numbers: np.ndarray
    file_format: str
    encoding: str | None = None
    delimiter: str | None = None
    sheet: str | None = None
    sheets: list[str] = field(default_factory=list)
    # Lines the CSV parser could not split into the header's number of fields: (row, text).
    bad_lines: list[tuple[int, str]] = field(default_factory=list)
    renamed_headers: dict[str, str] = field(default_factory=dict)


def read_table(
    data: bytes,
    filename: str = "upload.csv",
    *,
    encoding: str | None = None,
    delimiter: str | None = None,
    sheet: str | None = None,
    max_bytes: int = MAX_BYTES,
) -> RawTable:
    """Read CSV/TSV/TXT, Excel .xlsx or Parquet bytes; raise :class:`CrmError` if unusable."""
    if len(data) > max_bytes:
        raise CrmError("error.too_large", size_mb=len(data) / 2**20, limit_mb=max_bytes / 2**20)
    if not data.strip():
        raise CrmError("error.empty_file")
    name = filename.lower()
    if data[:4] == b"PAR1" or name.endswith((".parquet", ".pq")):
        return _read_parquet(data)
    if data[:4] == b"PK\x03\x04" or name.endswith((".xlsx", ".xlsm")):
        return _read_excel(data, sheet)
    if data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" or name.endswith(".xls"):
        raise CrmError("error.old_excel")
    return _read_text(data, encoding, delimiter)


def clean_headers(raw: list[object]) -> tuple[list[str], dict[str, str]]:
    """Blank headers → ``column_N``; repeated headers → ``name (2)``. Returns names and renames."""
    names: list[str] = []
    renamed: dict[str, str] = {}
    seen: set[str] = set()
    for i, value in enumerate(raw, start=1):
        original = "" if value is None else str(value)
        name = " ".join(original.split())  # also folds full-width spaces and line breaks
        if not name:
            name = f"column_{i}"
        base, n = name, 2
        while name in seen:
            name, n = f"{base} ({n})", n + 1
        seen.add(name)
        names.append(name)
        if name != original:
            renamed[name] = original
    return names, renamed


# ---------------------------------------------------------------------------- text


def decode(data: bytes, encoding: str | None = None) -> tuple[str, str]:
    """Decode text bytes, trying UTF-8 (with or without BOM) then GB18030 (a superset of GBK)."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        candidates: tuple[str, ...] = ("utf-16",)
    elif encoding:
        candidates = (encoding,)
    else:
        candidates = TEXT_ENCODINGS
    for enc in candidates:
        try:
            text = data.decode("utf-8-sig" if enc == "utf-8" else enc)
        except (UnicodeDecodeError, LookupError):
            continue
        if "\x00" in text[:8192]:
            raise CrmError("error.binary")
        return text, enc
    if b"\x00" in data[:8192]:
        raise CrmError("error.binary")
    raise CrmError("error.encoding", tried=", ".join(candidates))


def sniff_delimiter(text: str) -> str:
    """The delimiter that splits the first lines into the most, and most consistent, fields."""
    lines = text[:65536].splitlines()[:50]
    best, best_score = ",", (0, 0)
    for d in DELIMITERS:
        try:
            counts = [len(r) for r in csv.reader(lines, delimiter=d) if r]
        except csv.Error:
            continue
        if not counts or counts[0] < 2:
            continue
        consistent = sum(c == counts[0] for c in counts)
        score = (consistent, counts[0])
        if score > best_score:
            best, best_score = d, score
    return best


def _read_text(data: bytes, encoding: str | None, delimiter: str | None) -> RawTable:
    text, enc = decode(data, encoding)
    text = text.lstrip("\ufeff")
    if not text.strip():
        raise CrmError("error.empty_file")
    delim = delimiter or sniff_delimiter(text)
    first = next(csv.reader(io.StringIO(text), delimiter=delim), [])
    names, renamed = clean_headers(first)
    body = text.encode("utf-8")
    frame, bad = _parse_csv(body, names, delim, use_threads=True)
    if any(num is None for num, _ in bad):
        frame, bad = _parse_csv(body, names, delim, use_threads=False)
    bad_rows = {num for num, _ in bad}
    total = len(frame) + len(bad)
    row_numbers = np.array([r for r in range(2, total + 2) if r not in bad_rows], dtype=np.int64)
    return RawTable(
        frame=frame,
        row_numbers=row_numbers[: len(frame)],
        file_format="csv",
        encoding=enc,
        delimiter=delim,
        bad_lines=sorted((int(n), t) for n, t in bad),
        renamed_headers=renamed,
    )


def _parse_csv(body: bytes, names: list[str], delim: str, use_threads: bool):
    bad: list[tuple[int | None, str]] = []

    def on_invalid(row: pacsv.InvalidRow) -> str:
        bad.append((row.number, row.text))
        return "skip"

    try:
        table = pacsv.read_csv(
            io.BytesIO(body),
            read_options=pacsv.ReadOptions(
                column_names=names, skip_rows=1, use_threads=use_threads, block_size=1 << 24
            ),
            parse_options=pacsv.ParseOptions(
                delimiter=delim,
                invalid_row_handler=on_invalid,
                ignore_empty_lines=False,
                newlines_in_values=True,
            ),
            convert_options=pacsv.ConvertOptions(
                column_types={n: pa.string() for n in names},
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
    except (pa.ArrowInvalid, pa.ArrowTypeError) as exc:
        raise CrmError("error.unreadable_csv", detail=str(exc).splitlines()[0][:200]) from exc
    frame = table.to_pandas()
    frame.columns = names  # pyarrow keeps them, but be explicit about order and duplicates
    return frame, bad


# --------------------------------------------------------------------------- excel


def _check_zip(data: bytes) -> None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            infos = zf.infolist()
    except (zipfile.BadZipFile, ValueError) as exc:
        raise CrmError("error.bad_excel") from exc
    unzipped = sum(i.file_size for i in infos)
    zipped = max(1, sum(i.compress_size for i in infos))
    if unzipped > MAX_XLSX_UNZIPPED or unzipped / zipped > MAX_XLSX_RATIO:
        raise CrmError("error.zip_bomb", unzipped_mb=unzipped / 2**20)


def _read_excel(data: bytes, sheet: str | None) -> RawTable:
    import openpyxl  # defusedxml is installed, so openpyxl parses with entity expansion off

    _check_zip(data)
    try:
        wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a damaged or hostile file
        raise CrmError("error.bad_excel") from exc
    try:
        sheets = list(wb.sheetnames)
        if sheet is not None and sheet not in sheets:
            raise CrmError("error.no_sheet", sheet=sheet, sheets=", ".join(sheets))
        order = [sheet] if sheet else sheets
        for name in order:
            rows = _sheet_rows(wb[name])
            if rows is not None:
                header, body = rows
                break
        else:
            raise CrmError("error.no_rows")
    except CrmError:
        raise
    except Exception as exc:
        raise CrmError("error.bad_excel") from exc
    finally:
        wb.close()
    names, renamed = clean_headers(header)
    width = len(names)
    cells = [list(r[:width]) + [None] * (width - len(r)) for _, r in body]
    frame = pd.DataFrame(cells, columns=names, dtype=object)
    row_numbers = np.array([n for n, _ in body], dtype=np.int64)
    return RawTable(
        frame=frame,
        row_numbers=row_numbers,
        file_format="excel",
        sheet=name,
        sheets=sheets,
        renamed_headers=renamed,
    )


def _sheet_rows(ws) -> tuple[list, list[tuple[int, tuple]]] | None:
    """Header = the first row with at least two filled cells (title rows above it are skipped)."""
    header, body = None, []
    for number, row in enumerate(ws.iter_rows(values_only=True), start=1):
        if header is None:
            if sum(v not in (None, "") for v in row) >= 2:
                header = list(row)
                while header and header[-1] in (None, ""):
                    header.pop()
            continue
        body.append((number, row))
    # Trailing empty rows are formatting, not data.
    while body and all(v in (None, "") for v in body[-1][1]):
        body.pop()
    if header is None:
        return None
    return header, body


# ------------------------------------------------------------------------- parquet


def _read_parquet(data: bytes) -> RawTable:
    import pyarrow.parquet as pq

    try:
        frame = pq.read_table(io.BytesIO(data)).to_pandas()
    except Exception as exc:  # pyarrow raises several types for a damaged file
        raise CrmError("error.bad_parquet") from exc
    names, renamed = clean_headers(list(frame.columns))
    frame.columns = names
    return RawTable(
        frame=frame.reset_index(drop=True),
        row_numbers=np.arange(1, len(frame) + 1, dtype=np.int64),
        file_format="parquet",
        renamed_headers=renamed,
    )


def normalize_header(name: str) -> str:
    """Header key for matching: full-width → ASCII, lower case, no spaces, no unit in brackets."""
    s = unicodedata.normalize("NFKC", name).lower()
    for open_, close in (("(", ")"), ("[", "]")):
        if s.endswith(close) and open_ in s:
            s = s[: s.rindex(open_)]
    return "".join(ch for ch in s if ch.isalnum())
