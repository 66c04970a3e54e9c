"""Bytes of an uploaded file → a raw table of cells as written, before any cleaning.

Nothing here interprets values: text files give strings, Excel gives the cell values
(numbers, dates, text), Parquet gives its typed columns. Every row keeps the row number a
user sees in the file (header = row 1), so the load report can point at it.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import itertools
import json
import re
import unicodedata
import zipfile
import zlib
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv
from python_calamine import CalamineWorkbook

from crm_core.errors import CrmError
from crm_core.limits import (
    MAX_BYTES,
    MAX_CELLS,
    MAX_COLUMNS,
    MAX_FIELD_CHARS,
    MAX_SHARED_STRINGS,
    MAX_XLSX_RATIO,
    MAX_XLSX_UNZIPPED,
)

DELIMITERS = (",", "\t", ";", "|")
WHITESPACE = " "  # the delimiter name for files whose fields are separated by runs of spaces
TEXT_ENCODINGS = ("utf-8", "gb18030")
# What the page and the CLI offer besides auto-detection.
ENCODINGS = ("utf-8", "gb18030", "big5", "cp1252", "latin-1", "utf-16")
# Single-byte Western code pages a detector confuses on short text: read as cp1252 (a superset
# of Latin-1's printable range), falling back to Latin-1, which decodes every byte.
_LATIN_FAMILY = {
    "cp1250",
    "cp1252",
    "cp437",
    "cp850",
    "cp775",
    "cp852",
    "cp858",
    "cp1257",
    "hp_roman8",
    "iso8859_1",
    "latin_1",
    "iso8859_2",
    "iso8859_4",
    "iso8859_10",
    "iso8859_13",
    "iso8859_15",
    "mac_roman",
    "mac_latin2",
    "mac_iceland",
    "mac_turkish",
    "cp1254",
    "iso8859_9",
    "ascii",
}
_CJK_FAMILY = {
    "gb18030",
    "gb2312",
    "gbk",
    "hz",
    "big5",
    "big5hkscs",
    "cp950",
    "cp949",
    "euc_kr",
    "johab",
    "euc_jp",
    "euc_jis_2004",
    "euc_jisx0213",
    "shift_jis",
    "shift_jis_2004",
    "cp932",
    "iso2022_jp",
}
HEADER_SCAN_ROWS = 30
# Python's csv module refuses fields over 131,072 characters by default; the limits that matter
# are checked here (MAX_FIELD_CHARS for a header, MAX_BYTES for the file), not by the parser.
csv.field_size_limit(MAX_BYTES)


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
    sheets_used: list[str] = field(default_factory=list)  # more than one when same-header sheets were combined
    row_sheets: np.ndarray | None = None  # the sheet of each row, when several were combined
    header_row: int = 1  # the file row of the header (title and meta rows above it are skipped)
    headerless: bool = False  # no header row: columns are named column_1, column_2, ...
    encoding_detected: bool = False  # the encoding was guessed (not UTF-8/UTF-16 and not chosen)
    # Lines the CSV parser could not split into the header's number of fields: (row, text).
    bad_lines: list[tuple[int, str]] = field(default_factory=list)
    renamed_headers: dict[str, str] = field(default_factory=dict)
    # What the reader noticed and repaired: (level, label key, parameters) for the load report.
    notes: list[tuple[str, str, dict]] = field(default_factory=list)


def read_table(
    data: bytes,
    filename: str = "upload.csv",
    *,
    encoding: str | None = None,
    delimiter: str | None = None,
    sheet: str | None = None,
    header_row: int | None = None,
    max_bytes: int = MAX_BYTES,
) -> RawTable:
    """Read CSV/TSV/TXT, Excel .xlsx or Parquet bytes; raise :class:`CrmError` if unusable.

    ``sheet``: a sheet name, ``"all"`` or None (both combine the sheets that share the first
    usable sheet's header). ``header_row``: the file row of the header (1-based); None finds it
    below title and meta rows.
    """
    if len(data) > max_bytes:
        raise CrmError("error.too_large", size_mb=len(data) / 2**20, limit_mb=max_bytes / 2**20)
    if not data or data.isspace():  # (strip() would copy the whole file)
        raise CrmError("error.empty_file")
    name = filename.lower()
    if data[:4] == b"PAR1" or name.endswith((".parquet", ".pq")):
        return _read_parquet(data)
    if data[:4] == b"PK\x03\x04" or name.endswith((".xlsx", ".xlsm")):
        return _read_excel(data, sheet, header_row)
    if data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" or name.endswith(".xls"):
        raise CrmError("error.old_excel")
    return _read_text(data, encoding, delimiter, header_row)


def _filled(cell: object) -> bool:
    return cell is not None and str(cell).strip() != ""


_NUMBERISH = re.compile(r"^[-+(]?[¥$€£]?[\d.,:/\s年月日-]+\)?$")
# A cell that is certainly a value, never a header: a number or a full date.
_VALUE = re.compile(
    r"^[-+]?[¥$€£]?\d[\d,]*(\.\d+)?$|^\d{4}[-/.年]\d{1,2}[-/.月]\d{1,2}日?(\s.*)?$|^\d{1,2}/\d{1,2}/\d{4}(\s.*)?$"
)


def find_header(rows: list[list[object]]) -> int | None:
    """Index of the header among the first rows, or None when the first row is already data.

    A header fills at least half as many cells as the widest of the first rows (so a title
    such as ``销售出库明细表`` or a meta line ``统计期间：… 制表人：…`` is passed over) and
    mostly holds text rather than numbers or dates.
    """
    scan = rows[:HEADER_SCAN_ROWS]
    counts = [sum(_filled(c) for c in r) for r in scan]
    if not counts or max(counts) < 1:
        return 0
    # The table's width is the most common number of filled cells (a title line has fewer, and
    # one overlong line must not make the real header look too narrow).
    width = _consistency([n for n in counts if n])[1]
    need = max(2, -(-width // 2)) if width >= 2 else 1
    for i, (row, n) in enumerate(zip(scan, counts, strict=True)):
        if n >= need:
            cells = [c for c in row if _filled(c)]
            texty = sum(isinstance(c, str) and not _NUMBERISH.match(c.strip()) for c in cells)
            if texty * 2 < len(cells) or _data_like(row, scan[i + 1] if i + 1 < len(scan) else None):
                return None
            return i
    return 0


def _is_value(cell: object) -> bool:
    if isinstance(cell, (int, float)) and not isinstance(cell, bool):
        return True
    return hasattr(cell, "year") or (isinstance(cell, str) and bool(_VALUE.match(cell.strip())))


def _data_like(row: list[object], below: list[object] | None) -> bool:
    """A candidate header is data when it holds a number or a date where the row below does too
    (``Alice,Shop A,2024-01-01,100`` above ``Bob,Shop B,2024-01-02,80``)."""
    if below is None:
        return False
    return any(_is_value(a) and _is_value(b) for a, b in zip(row, below, strict=False))


def clean_headers(raw: list[object]) -> tuple[list[str], dict[str, str]]:
    """Blank headers → ``column_N``; repeated headers → ``name (2)``. Returns names and renames.

    Raises CrmError for more than :data:`MAX_COLUMNS` columns.
    """
    if len(raw) > MAX_COLUMNS:
        raise CrmError("error.too_many_columns", columns=len(raw), limit=MAX_COLUMNS)
    for i, value in enumerate(raw, start=1):
        if value is not None and len(str(value)) > MAX_FIELD_CHARS:
            raise CrmError("error.long_header", column=i, length=len(str(value)), limit=MAX_FIELD_CHARS)
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
        if name != original.strip():  # spaces around a header (Taobao writes some) are no news
            renamed[name] = original
    return names, renamed


# ---------------------------------------------------------------------------- text


def detect_encoding(data: bytes) -> str | None:
    """The encoding charset-normalizer finds for non-UTF-8 bytes, tie-broken for this app's users.

    On short text the detector often ranks Korean or Japanese code pages above GB18030 for
    Chinese, and one Western code page above another: a CJK pick becomes GB18030 (or Big5)
    when that is among its candidates, a Western pick becomes cp1252 (Latin-1 if that fails).
    """
    import charset_normalizer

    matches = charset_normalizer.from_bytes(data[: 1 << 20], cp_isolation=None)
    found = [m.encoding for m in matches]
    if not found:
        return None
    best = found[0]
    if best in _CJK_FAMILY:
        for pick in ("gb18030", "big5"):
            if pick in found:
                return pick
        if _decodes(data, "gb18030"):  # the app's users write Chinese far more than Korean or Japanese
            return "gb18030"
    if best in _LATIN_FAMILY:
        return "cp1252" if _decodes(data, "cp1252") else "latin-1"
    return best


def _decodes(data: bytes, encoding: str) -> bool:
    try:
        data.decode(encoding)
    except (UnicodeError, LookupError):  # UnicodeError: also codecs such as punycode
        return False
    return True


def decode_lines(data: bytes, encoding: str | None = None) -> tuple[str, str, int]:
    """Decode text bytes: UTF-16 by its BOM, the caller's encoding, UTF-8 (BOM or not), else the
    encoding :func:`detect_encoding` finds, else GB18030 (a superset of GBK). Returns the text,
    the encoding and the number of lines read as UTF-8 in a file that is otherwise in another
    encoding (a UTF-8 export appended to a GBK one): each line is decoded in the encoding it is
    valid in, so neither half comes out garbled."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        candidates: tuple[str, ...] = ("utf-16",)
    elif encoding:
        candidates = (encoding,)
    else:
        try:  # most files: decoded once, not checked first and decoded again
            text = data.decode("utf-8-sig")
        except UnicodeError:
            pass
        else:
            if "\x00" in text[:8192]:
                raise CrmError("error.binary")
            return text, "utf-8", 0

        if b"\x00" in data[:8192]:
            raise CrmError("error.binary")
        mixed = _mixed_utf8(data)
        if mixed is not None:
            return mixed
        detected = detect_encoding(data)
        candidates = tuple(dict.fromkeys([*(d for d in [detected] if d), *TEXT_ENCODINGS]))
    for enc in candidates:
        try:
            text = data.decode("utf-8-sig" if enc == "utf-8" else enc)
        except (UnicodeError, LookupError):  # UnicodeError: also codecs such as punycode
            continue
        if "\x00" in text[:8192]:
            raise CrmError("error.binary")
        return text, enc, 0
    if b"\x00" in data[:8192]:
        raise CrmError("error.binary")
    raise CrmError("error.encoding", tried=", ".join(candidates))


# UTF-8 for a CJK character: a lead byte E3–E9 and two continuation bytes. Legacy double-byte
# text (GBK, Big5) almost never forms this by chance, so a line holding it is UTF-8.
_UTF8_CJK = re.compile(rb"[\xe3-\xe9][\x80-\xbf][\x80-\xbf]")


def _mixed_utf8(data: bytes) -> tuple[str, str, int] | None:
    """(text, other encoding, UTF-8 lines) when some lines are UTF-8 Chinese and the others
    are not UTF-8; None when the file is in one encoding."""
    lines = data.split(b"\n")
    utf8 = [bool(_UTF8_CJK.search(line)) and _decodes(line, "utf-8") for line in lines]
    n_utf8 = sum(utf8)
    if n_utf8 < 2:
        return None
    rest = b"\n".join(line for line, is_utf8 in zip(lines, utf8, strict=True) if not is_utf8)
    detected = detect_encoding(rest)
    for enc in dict.fromkeys([*(d for d in [detected] if d), *TEXT_ENCODINGS[1:]]):
        try:
            parts = [
                line.decode("utf-8") if is_utf8 else line.decode(enc) for line, is_utf8 in zip(lines, utf8, strict=True)
            ]
        except (UnicodeError, LookupError):  # UnicodeError: also codecs such as punycode
            continue
        return "\n".join(parts).lstrip("\ufeff"), enc, n_utf8
    return None


def sniff_delimiter(text: str) -> str:
    """The delimiter that splits the first lines into the most, and most consistent, fields.

    Consistency is measured against the most common field count, so title lines above the
    header do not decide. Runs of spaces (:data:`WHITESPACE`) are the fallback when no
    delimiter splits the lines.
    """
    lines = text[:65536].splitlines()[:50]
    best, best_score = ",", (0, 0)
    for d in DELIMITERS:
        try:
            counts = [len(r) for r in csv.reader(lines, delimiter=d) if r]
        except csv.Error:
            continue
        score = _consistency(counts)
        if score[1] >= 2 and score > best_score:
            best, best_score = d, score
    if best_score == (0, 0):
        score = _consistency([len(line.split()) for line in lines if line.strip()])
        if score[1] >= 2:
            return WHITESPACE
    return best


def _consistency(counts: list[int]) -> tuple[int, int]:
    """(how many lines have the most common field count, that count)."""
    if not counts:
        return (0, 0)
    common = max(set(counts), key=lambda c: (counts.count(c), c))
    return (counts.count(common), common)


def _read_text(data: bytes, encoding: str | None, delimiter: str | None, header_row: int | None) -> RawTable:
    decoded, enc, utf8_lines = decode_lines(data, encoding)
    text = decoded.lstrip("\ufeff")
    # UTF-8 bytes are the text already: the parser reads them (no second copy of a large file)
    same = enc == "utf-8" and not utf8_lines and len(text) == len(decoded)  # (decoding dropped one BOM)
    body = (data[3:] if data.startswith(b"\xef\xbb\xbf") else data) if same else None
    if not text or text.isspace():  # (strip() would copy the whole text)
        raise CrmError("error.empty_file")
    if "\r" in text and "\n" not in text:  # old Mac line ends (CR only), as Excel's "CSV (Macintosh)" writes
        text, body = text.replace("\r", "\n"), None
    delim = delimiter or sniff_delimiter(text)
    if delim == WHITESPACE:
        return _read_whitespace(text, enc, encoding is None, header_row)
    head = _head_records(text, delim)
    skip, headerless = _header_index(head, header_row)
    first = head[skip] if skip < len(head) else []
    names, renamed = clean_headers([f"column_{i}" for i in range(1, len(first) + 1)] if headerless else first)
    body = text.encode("utf-8") if body is None else body
    data_from = skip if headerless else skip + 1  # records before the first data row
    # pyarrow skips physical lines; a quoted header cell may hold a line break
    lines_before = _lines_in_records(text, delim, data_from)
    frame, bad = _parse_csv(body, names, delim, use_threads=True, skip_rows=lines_before)
    if any(num is None for num, _ in bad):
        frame, bad = _parse_csv(body, names, delim, use_threads=False, skip_rows=lines_before)
    # pyarrow numbers a row by the lines it skipped plus the records after them: make it the
    # record number a spreadsheet shows (header = row 1)
    bad = [(int(n) - (lines_before - data_from), t) for n, t in bad]
    bad_rows = {num for num, _ in bad}
    total = len(frame) + len(bad)
    first_row = data_from + 1
    row_numbers = np.arange(first_row, total + first_row, dtype=np.int64)
    if bad_rows:
        row_numbers = row_numbers[~np.isin(row_numbers, np.fromiter(bad_rows, np.int64))]
    notes: list[tuple[str, str, dict]] = []
    if utf8_lines:
        notes.append(("warning", "note.mixed_encoding", {"lines": utf8_lines, "encoding": enc}))
    frame, row_numbers, bad = _split_swallowed(frame, row_numbers[: len(frame)], bad, names, delim, notes)
    return RawTable(
        frame=frame,
        row_numbers=row_numbers,
        file_format="csv",
        encoding=enc,
        encoding_detected=encoding is None and enc not in ("utf-8", "utf-16"),
        delimiter=delim,
        header_row=skip + 1,
        headerless=headerless,
        bad_lines=sorted(bad),
        renamed_headers=renamed,
        notes=notes,
    )


def _head_records(text: str, delim: str) -> list[list[str]]:
    """The first :data:`HEADER_SCAN_ROWS` records, read from the top of the text (a reader over
    the whole text copies all of it first)."""
    for part in (text[: 1 << 20], text):
        try:
            rows = list(
                itertools.islice(csv.reader(io.StringIO(part, newline=""), delimiter=delim), HEADER_SCAN_ROWS + 1)
            )
        except csv.Error as exc:
            if len(part) < len(text):
                continue  # the cut fell inside a quoted cell
            raise CrmError("error.unreadable_csv", detail=str(exc)[:200]) from exc
        # a record after the last one wanted: those are whole, whatever the cut did to it
        if len(rows) > HEADER_SCAN_ROWS or len(part) == len(text):
            return rows[:HEADER_SCAN_ROWS]
    return rows[:HEADER_SCAN_ROWS]


def _lines_in_records(text: str, delim: str, records: int) -> int:
    """Physical lines taken by the first ``records`` CSV records."""
    if records == 0:
        return 0
    for part in (text[: 1 << 20], text):  # title rows and a header sit at the top: a prefix, not a copy of it all
        reader = csv.reader(io.StringIO(part, newline=""), delimiter=delim)
        read = sum(1 for _ in itertools.islice(reader, records))
        if read == records and (len(part) == len(text) or reader.line_num < part.count("\n", 0, 1 << 20)):
            return reader.line_num
    return reader.line_num


def _split_swallowed(frame, row_numbers, bad, names, delim, notes):
    """Undo what a stray quote does: a field that opens with ``"`` and is never closed (or closed
    many lines later) makes the parser read every following line into one record, which is then
    rejected as one row. The line holding the quote stays rejected; the lines it swallowed are
    parsed again as the records they are, numbered on from it, and a note says so."""
    for n, text in sorted((b for b in bad if "\n" in b[1].rstrip("\r\n")), reverse=True):
        first, _, rest = text.partition("\n")
        sub, sub_bad = _parse_csv(rest.encode("utf-8"), names, delim, use_threads=False, skip_rows=0)
        if sub.empty:
            continue  # a multi-line cell in a row that is wrong for another reason
        sub_bad = [(int(m), t) for m, t in sub_bad]
        sub_total = len(sub) + len(sub_bad)
        skipped = {m for m, _ in sub_bad}
        sub_numbers = np.array([n + r for r in range(1, sub_total + 1) if r not in skipped], dtype=np.int64)
        at = int(np.searchsorted(row_numbers, n))
        later = row_numbers[at:] + sub_total
        frame = pd.concat([frame.iloc[:at], sub, frame.iloc[at:]], ignore_index=True)
        row_numbers = np.concatenate([row_numbers[:at], sub_numbers, later])
        bad = [(m + sub_total if m > n else m, t) for m, t in bad if m != n]
        bad += [(n, first.rstrip("\r"))] + [(n + m, t) for m, t in sub_bad]
        notes.append(("warning", "note.stray_quote", {"row": n, "rows": sub_total}))
    return frame, row_numbers, sorted(bad)


def _header_index(rows: list[list[object]], header_row: int | None) -> tuple[int, bool]:
    """(index of the header row, or of the first data row when there is none; headerless?)."""
    if header_row is not None:
        if header_row < 1 or header_row > max(1, len(rows)):
            raise CrmError("error.header_row", row=header_row, rows=len(rows))
        return header_row - 1, False
    found = find_header(rows)
    return (0, True) if found is None else (found, False)


def _read_whitespace(text: str, enc: str, detected: bool, header_row: int | None) -> RawTable:
    """Fields separated by runs of spaces (fixed-width logs such as CDNOW's)."""
    lines = text.splitlines()
    rows = [line.split() for line in lines]
    filled = sum(1 for r in rows[:50] if r)
    if _consistency([len(r) for r in rows[:50] if r])[0] < 0.9 * filled:
        # single spaces split unevenly: aligned columns whose values hold spaces ("Order Date",
        # "2024-01-01 10:00") are separated by runs of two or more
        wide = [re.split(r"\s{2,}", line.strip()) if line.strip() else [] for line in lines]
        if _consistency([len(r) for r in wide[:50] if r])[0] >= 0.9 * filled:
            rows = wide
    skip, headerless = _header_index(rows[:HEADER_SCAN_ROWS], header_row)
    width = len(rows[skip]) if skip < len(rows) else 0
    names, renamed = clean_headers([f"column_{i}" for i in range(1, width + 1)] if headerless else rows[skip])
    start = skip if headerless else skip + 1
    good, numbers, bad = [], [], []
    for number, (line, cells) in enumerate(zip(lines[start:], rows[start:], strict=True), start=start + 1):
        if not cells:
            good.append([""] * width)
            numbers.append(number)
        elif len(cells) == width:
            good.append(cells)
            numbers.append(number)
        else:
            bad.append((number, line))
    while good and not any(good[-1]):  # trailing blank lines
        good.pop()
        numbers.pop()
    frame = pd.DataFrame(good, columns=names, dtype="string") if good else pd.DataFrame(columns=names, dtype="string")
    return RawTable(
        frame=frame,
        row_numbers=np.array(numbers, dtype=np.int64),
        file_format="csv",
        encoding=enc,
        encoding_detected=detected and enc not in ("utf-8", "utf-16"),
        delimiter=WHITESPACE,
        header_row=skip + 1,
        headerless=headerless,
        bad_lines=bad,
        renamed_headers=renamed,
    )


def _parse_csv(body: bytes, names: list[str], delim: str, use_threads: bool, skip_rows: int = 1):
    bad: list[tuple[int | None, str]] = []

    def on_invalid(row: pacsv.InvalidRow) -> str:
        bad.append((row.number, row.text))
        return "skip"

    try:
        table = pacsv.read_csv(
            io.BytesIO(body),
            read_options=pacsv.ReadOptions(
                column_names=names, skip_rows=skip_rows, use_threads=use_threads, block_size=1 << 24
            ),
            parse_options=pacsv.ParseOptions(
                delimiter=delim,
                invalid_row_handler=on_invalid,
                ignore_empty_lines=False,
                newlines_in_values=b'"' in body,  # only a quoted cell holds a line break (and costs a slower split)
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


# A cell of a worksheet's XML: its reference, and whether it holds anything (``<c …/>`` is an
# empty, formatted cell). Attribute order varies between writers, so r= is looked for anywhere.
_CELL = re.compile(rb"<c\b([^>]*?)(/?)>")
_REF = re.compile(rb'\br="([A-Z]{1,3})(\d{1,7})"')
_ROW = re.compile(rb"<row\b")
_UNIQUE = re.compile(rb'uniqueCount="(\d+)"')


@dataclass
class SheetShape:
    """What a worksheet holds, found by scanning its XML (no cell objects are built)."""

    rows: int  # the last row holding a value
    columns: int  # the last column holding a value
    cells: int  # cells holding a value


def column_number(letters: bytes) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ch - 64
    return n


# The form Excel, openpyxl and most writers use (r= first): scanned with one findall per block.
# A document type declaration (where entities are declared): Excel never writes one, and
# entity expansion is the classic XML bomb, so any XML part holding one is refused.
_DTD = re.compile(rb"<!(?:DOCTYPE|ENTITY)")
_FAST_CELL = re.compile(rb'<c r="([A-Z]{1,3})(\d{1,7})"[^>]*?(/?)>')
_ANY_CELL = re.compile(rb"<c[\s/>]")


def scan_sheet(stream, chunk: int = 1 << 22, max_cells: int | None = None) -> SheetShape:
    """Stream a worksheet's XML and measure it: a workbook that unpacks to 300 MB is scanned in
    seconds, where building its cells could take minutes and gigabytes. With ``max_cells`` the
    scan stops as soon as the laid-out grid is known to be larger."""
    rows = columns = cells = 0
    row_tags = 0
    tail = b""
    while True:
        block = stream.read(chunk)
        data = tail + block
        cut = len(data) if not block else data.rfind(b"<")  # never split a tag between two blocks
        if block and cut <= 0:  # no whole tag yet: read on
            tail = data
            continue
        part = data[:cut]
        found = _FAST_CELL.findall(part)
        if len(found) == len(_ANY_CELL.findall(part)):
            valued = [f for f in found if not f[2]]  # <c …/> is formatting only, no value
            if valued:
                cells += len(valued)
                columns = max(columns, max(column_number(c) for c in {f[0] for f in valued}))
                rows = max(rows, max(int(f[1]) for f in valued[-64:]))  # rows come in order
        else:  # another attribute order, or cells without references: look at each cell
            for m in _CELL.finditer(part):
                if m.group(2):
                    continue
                cells += 1
                ref = _REF.search(m.group(1))
                if ref:
                    columns = max(columns, column_number(ref.group(1)))
                    rows = max(rows, int(ref.group(2)))
        row_tags += len(_ROW.findall(part))
        if _DTD.search(part):
            raise CrmError("error.xlsx_dtd")
        tail = data[cut:]
        if max_cells is not None and rows * columns > max_cells:
            break  # already too large: the rest cannot make it smaller
        if not block:
            break
    if cells and not columns:  # references left out (the format allows it): cells follow each other
        rows, columns = row_tags, max(1, -(-cells // max(1, row_tags)))
    return SheetShape(rows, columns, cells)


def _check_workbook(data: bytes) -> dict[str, SheetShape]:
    """Refuse, before any parsing, a workbook whose sheets would lay out more cells than
    :data:`MAX_CELLS` (a value far to the right on every row makes a small file into billions
    of cells) or whose shared-strings table claims more than :data:`MAX_SHARED_STRINGS`.
    Returns each worksheet part's shape."""
    shapes: dict[str, SheetShape] = {}
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        names = zf.namelist()
        if "xl/sharedStrings.xml" in names:
            with zf.open("xl/sharedStrings.xml") as f:
                m = _UNIQUE.search(f.read(4096))
            if m and int(m.group(1)) > MAX_SHARED_STRINGS:
                raise CrmError("error.xlsx_strings", count=int(m.group(1)), limit=MAX_SHARED_STRINGS)
        for name in names:
            if name.endswith((".xml", ".rels", ".vml")) and not name.startswith("xl/worksheets/"):
                with zf.open(name) as f:
                    tail = b""
                    while block := f.read(1 << 22):
                        if _DTD.search(tail + block):
                            raise CrmError("error.xlsx_dtd")
                        tail = block[-16:]
            if name.startswith("xl/worksheets/") and name.endswith(".xml"):
                with zf.open(name) as f:
                    shape = scan_sheet(f, max_cells=MAX_CELLS)
                if shape.rows * shape.columns > MAX_CELLS:
                    raise CrmError("error.too_many_cells", rows=shape.rows, columns=shape.columns, limit=MAX_CELLS)
                shapes[name] = shape
    return shapes


def _read_excel(data: bytes, sheet: str | None, header_row: int | None) -> RawTable:
    """An .xlsx read with python-calamine (Rust; ~19× openpyxl on a 1,048,576-row sheet), after
    the zip and every sheet's XML were measured: calamine lays a sheet out as a full grid and
    sizes the shared strings from the file's own claim, so only a workbook within the limits
    reaches it."""
    _check_zip(data)
    try:
        _check_workbook(data)
    except CrmError:
        raise
    # RuntimeError: an encrypted member; NotImplementedError: an unknown compression method
    except (zipfile.BadZipFile, ValueError, KeyError, EOFError, zlib.error, RuntimeError, NotImplementedError) as exc:
        raise CrmError("error.bad_excel") from exc
    try:
        wb = CalamineWorkbook.from_filelike(io.BytesIO(data))
        sheets = list(wb.sheet_names)
        if sheet not in (None, "all") and sheet not in sheets:
            raise CrmError("error.no_sheet", sheet=sheet, sheets=", ".join(sheets))
        order = [sheet] if sheet not in (None, "all") else sheets
        found = [(name, rows) for name in order if (rows := _sheet_rows(_calamine_rows(wb, name), header_row))]
    except (CrmError, KeyboardInterrupt, SystemExit):
        raise
    except BaseException as exc:  # a damaged or hostile file (a Rust panic is a BaseException)
        raise CrmError("error.bad_excel") from exc
    if not found:
        raise CrmError("error.no_rows")
    # Sheets that repeat the first one's header (one sheet per year or month) are one table.
    first_key = [normalize_header(str(h or "")) for h in found[0][1][0]]
    used = [(n, r) for n, r in found if [normalize_header(str(h or "")) for h in r[0]] == first_key]
    header, header_number = found[0][1][0], found[0][1][2]
    names, renamed = clean_headers(header)
    width = len(names)
    cells = [list(r[:width]) + [None] * (width - len(r)) for _, (_, body, _) in used for _, r in body]
    frame = pd.DataFrame(cells, columns=names, dtype=object)
    row_numbers = np.array([n for _, (_, body, _) in used for n, _ in body], dtype=np.int64)
    row_sheets = None
    if len(used) > 1:
        row_sheets = np.array([name for name, (_, body, _) in used for _ in body], dtype=object)
    return RawTable(
        frame=frame,
        row_numbers=row_numbers,
        file_format="excel",
        sheet=used[0][0],
        sheets=sheets,
        sheets_used=[n for n, _ in used],
        row_sheets=row_sheets,
        header_row=header_number,
        renamed_headers=renamed,
    )


def _calamine_rows(wb, name: str) -> list[list]:
    """A sheet's rows from its first row (``rows[i]`` is the sheet's row i + 1), with cells as
    openpyxl gives them: None for empty, whole numbers as int, dates as datetime."""
    grid = wb.get_sheet_by_name(name).to_python(skip_empty_area=False)
    return [[_cell(v) for v in row] for row in grid]


def _cell(v: object) -> object:
    if v == "":
        return None
    if type(v) is float and v.is_integer() and abs(v) < 2**53:
        return int(v)
    if type(v) is dt.date:
        return dt.datetime(v.year, v.month, v.day)
    return v


def _sheet_rows(rows: list[list], header_row: int | None) -> tuple[list, list[tuple[int, list]], int] | None:
    """(header, numbered body rows, header's row number); None for a sheet without a table."""
    if header_row is not None:
        if header_row < 1 or header_row > len(rows):
            return None
        at = header_row - 1
    else:
        at = find_header([list(r) for r in rows[:HEADER_SCAN_ROWS]])
        at = 0 if at is None else at
    if at >= len(rows) or sum(_filled(v) for v in rows[at]) < 2:
        return None
    header = list(rows[at])
    while header and not _filled(header[-1]):
        header.pop()
    body = list(enumerate(rows[at + 1 :], start=at + 2))
    # Trailing empty rows are formatting, not data.
    while body and all(v in (None, "") for v in body[-1][1]):
        body.pop()
    return header, body, at + 1


# ------------------------------------------------------------------------- parquet


def _read_parquet(data: bytes) -> RawTable:
    import pyarrow.parquet as pq

    try:
        table = pq.read_table(io.BytesIO(data))
        if table.num_columns > MAX_COLUMNS:
            raise CrmError("error.too_many_columns", columns=table.num_columns, limit=MAX_COLUMNS)
        # Lists, structs and maps are not values an analysis can group or compare: they are kept
        # as their JSON text (shown in tables, usable as a label), and the report says so.
        # Binary columns are text in some encoding the file does not say: read as UTF-8, with an
        # undecodable byte shown as U+FFFD rather than failing later.
        for f in table.schema:
            if pa.types.is_binary(f.type) or pa.types.is_large_binary(f.type):
                i = table.schema.get_field_index(f.name)
                text = [None if v is None else v.decode("utf-8", "replace") for v in table[i].to_pylist()]
                table = table.set_column(i, f.name, pa.array(text, pa.string()))
        nested = [f.name for f in table.schema if pa.types.is_nested(f.type)]
        for name in nested:
            i = table.schema.get_field_index(name)
            text = [None if v is None else json.dumps(v, ensure_ascii=False, default=str) for v in table[i].to_pylist()]
            table = table.set_column(i, name, pa.array(text, pa.string()))
        frame = table.to_pandas()
    except CrmError:
        raise
    except Exception as exc:  # pyarrow raises several types for a damaged file
        raise CrmError("error.bad_parquet") from exc
    names, renamed = clean_headers(list(frame.columns))
    frame.columns = names
    notes = [("info", "note.nested_columns", {"columns": ", ".join(map(str, nested))})] if nested else []
    return RawTable(
        frame=frame.reset_index(drop=True),
        row_numbers=np.arange(1, len(frame) + 1, dtype=np.int64),
        file_format="parquet",
        renamed_headers=renamed,
        notes=notes,
    )


def normalize_header(name: str) -> str:
    """Header key for matching: full-width → ASCII, lower case, no spaces, no unit in brackets."""
    s = unicodedata.normalize("NFKC", name).lower()
    for open_, close in (("(", ")"), ("[", "]")):
        if s.endswith(close) and open_ in s:
            s = s[: s.rindex(open_)]
    return "".join(ch for ch in s if ch.isalnum())
