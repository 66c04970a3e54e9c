"""Cell parsers for ids, amounts and dates, vectorised over a column.

Each returns the parsed values plus a mask of cells it *repaired* (changed the text of to read
it, e.g. stripped ``¥`` or thousands separators) and leaves cells it cannot read as missing,
so the caller can reject those rows and say why. Nothing is guessed in a way that changes a
number: ``1.234,50`` is refused unless the caller says the decimal separator is a comma, and
a day/month order is chosen for a whole column, never flipped row by row.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

MISSING_TOKENS = {"", "null", "none", "nan", "n/a", "#n/a", "na"}
MAX_AMOUNT = 1e13
MIN_YEAR, MAX_YEAR = 1900, 2100
EXCEL_EPOCH = pd.Timestamp("1899-12-30")

_CURRENCY = r"(?i:rmb|cny|usd|eur|hkd)|[¥$€£元圆\s]"
_POINT = r"^[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?$"
_POINT_GROUPED = r"^[-+]?\d{1,3}(?:,\d{3})+(?:\.\d+)?$"
_COMMA = r"^[-+]?\d+(?:,\d+)?$"
# Fast paths: ASCII digits only ([0-9], not \d, which also matches full-width digits).
_PLAIN_NUMBER = r"-?[0-9]+(?:\.[0-9]+)?"
_COMMA_GROUPED = r"^[-+]?\d{1,3}(?:\.\d{3})+(?:,\d+)?$"
# What a refused cell looks like when the file writes a decimal comma (1.234,50 or 12,5).
_COMMA_HINT = r"^[-+]?(?:\d{1,3}(?:\.\d{3})*|\d+),\d{1,2}$"

_TIME = (
    r"(?:[T\s]+(?P<H>\d{1,2})[:时](?P<M>\d{1,2})分?(?::?(?P<S>\d{1,2})(?:\.\d+)?秒?)?)?"
    r"(?:\s*(?:Z|[+-]\d{2}:?\d{2}))?"  # a zone offset is dropped: the wall-clock time is kept
)
_YMD = rf"^(?P<y>\d{{4}})[-/.年](?P<m>\d{{1,2}})[-/.月](?P<d>\d{{1,2}})日?{_TIME}$"
_COMPACT = r"^(?P<y>\d{4})(?P<m>\d{2})(?P<d>\d{2})$"
_ISO = r"[0-9]{4}-[0-9]{2}-[0-9]{2}(?:[ T][0-9]{2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]{1,6})?)?)?"
_XXY = rf"^(?P<a>\d{{1,2}})[-/.](?P<b>\d{{1,2}})[-/.](?P<y>\d{{4}}){_TIME}$"
_DMONY = rf"^(?P<d>\d{{1,2}})[-\s]?(?P<mon>[A-Za-z]{{3,9}})\.?[-\s,]*(?P<y>\d{{4}}){_TIME}$"
_MONDY = rf"^(?P<mon>[A-Za-z]{{3,9}})\.?\s+(?P<d>\d{{1,2}}),?\s+(?P<y>\d{{4}}){_TIME}$"
MONTHS = {
    m: i for i, m in enumerate(["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], 1)
}


def normalize_text(s: pd.Series) -> pd.Series:
    """NFKC (full-width digits, ￥ and （） become ASCII) and trimmed, as a string column."""
    return s.astype("string").str.normalize("NFKC").str.strip()


def arrow_text(s: pd.Series) -> pa.ChunkedArray | None:
    """The column's own Arrow text (pandas' Arrow-backed strings), or None: no copy."""
    data = getattr(s.array, "_pa_array", None)
    if data is None or not (pa.types.is_string(data.type) or pa.types.is_large_string(data.type)):
        return None
    return data


def arrow_cast(s: pd.Series, kind: pa.DataType) -> np.ndarray | None:
    """Every cell of a text column read by Arrow's cast (float64, timestamp): a writable
    array, or None when Arrow refuses a cell (then the whole column; the caller reads it
    another way)."""
    try:
        return np.require(pc.cast(pa.array(s.array), kind).to_numpy(zero_copy_only=False), requirements="W")
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, TypeError):
        return None


_MISSING_SEEN: dict[int, np.ndarray] = {}  # id of a live Arrow column → its mask (dropped with the column)


def is_missing(s: pd.Series) -> np.ndarray:
    """True where a cell is empty or a usual 'no value' token. A column of text is checked
    once: the answer is kept with its (immutable) Arrow data, which every check of the same
    column during a load reads again (the empty-row check, ids, dates, amounts, samples)."""
    if s.dtype.kind in "biufcmM":
        return s.isna().to_numpy()
    data = getattr(s.array, "_pa_array", None)  # pandas' Arrow-backed text: a pyarrow.ChunkedArray
    if data is not None:
        seen = _MISSING_SEEN.get(id(data))
        if seen is not None and len(seen) == len(s):
            return seen.copy()
    text = s.astype("string").str.strip().str.lower()
    out = (text.isna() | text.isin(MISSING_TOKENS)).to_numpy()
    if data is not None and id(data) not in _MISSING_SEEN:
        _MISSING_SEEN[id(data)] = out.copy()
        weakref.finalize(data, _MISSING_SEEN.pop, id(data), None)  # before the id can be reused
    return out


def parse_ids(s: pd.Series) -> tuple[pd.Series, np.ndarray]:
    """Ids as text. Numbers from Excel lose a trailing ``.0``; surrounding spaces are trimmed."""
    missing = is_missing(s)
    if s.dtype.kind in "iu":
        text = s.astype("string")
    elif s.dtype.kind == "f" or s.dtype == object:
        text = s.map(_id_text, na_action="ignore").astype("string")
    else:
        text = s.astype("string")
    stripped = text.str.strip()
    repaired = (stripped != text).fillna(False).to_numpy() & ~missing
    return stripped.mask(missing), repaired


def _id_text(v: object) -> object:
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return v if isinstance(v, str) else str(v)


@dataclass
class AmountResult:
    values: pd.Series  # float64, NaN where unreadable
    repaired: np.ndarray
    failed: np.ndarray
    comma_decimal_like: int = 0  # refused cells that would read with a decimal comma


def parse_amounts(s: pd.Series, decimal: str = ".") -> AmountResult:
    """Money amounts: ``¥1,234.50``, ``$12``, ``(12.00)`` = −12, ``１２３`` (full width)."""
    missing = is_missing(s)
    if s.dtype.kind in "biuf":
        values = s.astype("float64")
        repaired = np.zeros(len(s), bool)
    else:
        values, repaired = _amounts_from_objects(s, decimal)
    finite = np.isfinite(values.to_numpy()) & (np.abs(values.fillna(0).to_numpy()) < MAX_AMOUNT)
    failed = ~missing & ~finite
    values = values.where(finite)
    comma_like = 0
    if decimal == "." and failed.any():
        text = normalize_text(s[failed]).str.replace(_CURRENCY, "", regex=True)
        comma_like = int(text.str.match(_COMMA_HINT).fillna(False).sum())
    return AmountResult(values.astype("float64"), repaired & ~failed, failed | missing, comma_like)


def _is_text(s: pd.Series) -> bool:
    return isinstance(s.dtype, pd.StringDtype)


def _numbers_in(s: pd.Series) -> pd.Series:
    """True where an object column holds a number (Excel cells), False for text."""
    if _is_text(s):
        return pd.Series(False, index=s.index)
    return s.map(lambda v: isinstance(v, (int, float, np.number)) and not isinstance(v, bool)).astype(bool)


def _plain_numbers(texts: pd.Series) -> np.ndarray:
    """Cells of ASCII digits with an optional sign and point: Arrow's cast, as for a whole
    column of them (the same doubles as pandas, faster)."""
    values = arrow_cast(texts, pa.float64())
    return pd.to_numeric(texts, errors="coerce").to_numpy() if values is None else values


def _amounts_from_objects(s: pd.Series, decimal: str) -> tuple[pd.Series, np.ndarray]:
    if decimal == "." and _is_text(s):  # a column of plain numbers (a system export): one Arrow cast
        values = arrow_cast(s, pa.float64())
        if values is not None:
            return pd.Series(values, index=s.index, dtype="float64"), np.zeros(len(s), bool)
        # money signs, grouping, spaces …: cell by cell below
    is_number = _numbers_in(s)
    out = pd.Series(np.nan, index=s.index, dtype="float64")
    if is_number.any():
        out[is_number] = pd.to_numeric(s[is_number], errors="coerce")
    repaired = np.zeros(len(s), bool)
    texts = s[~is_number].astype("string")
    if decimal == "." and len(texts):
        # Fast path for plain numbers (most cells of a system export): vectorised, no repair.
        plain = texts.str.fullmatch(_PLAIN_NUMBER).fillna(False).to_numpy()
        if plain.any():
            idx = texts.index[plain]
            out[idx] = _plain_numbers(texts[plain])
            texts = texts[~plain]
    if len(texts):
        raw = texts
        t = normalize_text(raw)
        negative = t.str.match(r"^\(.*\)$").fillna(False)
        t = t.str.replace(r"^\((.*)\)$", r"\1", regex=True)
        t = t.str.replace(_CURRENCY, "", regex=True)
        if decimal == ".":
            ok = t.str.match(_POINT) | t.str.match(_POINT_GROUPED)
            num = t.str.replace(",", "", regex=False)
        else:
            ok = t.str.match(_COMMA) | t.str.match(_COMMA_GROUPED)
            num = t.str.replace(".", "", regex=False).str.replace(",", ".", regex=False)
        ok = ok.fillna(False)
        val = pd.to_numeric(num.where(ok), errors="coerce").astype("float64")
        val = val.where(~negative, -val.abs())
        out[texts.index] = val.to_numpy()
        changed = (raw.str.strip() != num).fillna(False) & ok
        repaired[s.index.get_indexer(texts.index)] = changed.to_numpy()
    return out, repaired


@dataclass
class DateResult:
    values: pd.Series  # datetime64, NaT where unreadable
    failed: np.ndarray
    order: str | None = None  # "dmy"/"mdy" when a DD/MM vs MM/DD column was seen
    ambiguous: int = 0  # cells readable either way
    conflicting: int = 0  # cells refused because they contradict the column's order
    example: str | None = None


def parse_dates(s: pd.Series, order: str = "auto", excel: bool = False) -> DateResult:
    """Dates with or without time: ISO, ``2024/3/5``, ``2024.03.05``, ``2024年3月5日``,
    ``20240305``, ``05-Mar-2024``, DD/MM/YYYY or MM/DD/YYYY (one order for the column)."""
    missing = is_missing(s)
    if s.dtype.kind == "M":
        values = s.dt.tz_localize(None) if getattr(s.dt, "tz", None) else s
        return _finish(values.astype("datetime64[us]"), missing, DateResult(values, missing))
    out = pd.Series(pd.NaT, index=s.index, dtype="datetime64[us]")
    result = DateResult(out, missing)
    if _is_text(s):
        is_dt = pd.Series(False, index=s.index)
    else:
        is_dt = s.map(lambda v: isinstance(v, (pd.Timestamp, np.datetime64)) or hasattr(v, "year")).astype(bool)
    if is_dt.any():
        stamps = pd.to_datetime(s[is_dt].map(_naive), errors="coerce")
        out[is_dt] = stamps.astype("datetime64[us]")
    is_num = _numbers_in(s)
    if s.dtype.kind in "iuf":
        is_num = pd.Series(True, index=s.index)
    if is_num.any():
        nums = pd.to_numeric(s[is_num], errors="coerce")
        if excel:  # Excel stores dates as days since 1899-12-30
            nums = nums.where((nums >= 1) & (nums < 2958466))
            out[is_num] = (EXCEL_EPOCH + pd.to_timedelta(nums, unit="D")).astype("datetime64[us]")
        else:  # a number like 20240305 from a typed column
            text = nums.map(lambda v: f"{int(v)}" if pd.notna(v) and float(v).is_integer() else "")
            out[is_num] = _from_parts(text.str.extract(_COMPACT)).to_numpy()
    rest = ~(is_dt | is_num) & ~pd.Series(missing, index=s.index)
    if rest.any():
        t = s[rest].astype("string")
        # Fast path for ISO dates and times (most system exports): parsed by pandas in C,
        # which refuses impossible dates such as Feb 30.
        iso = t.str.fullmatch(_ISO).fillna(False)
        if iso.any():
            out[t.index[iso]] = _iso_stamps(t[iso])
            t = t[~iso]
        t = normalize_text(t)
        parsed = pd.Series(pd.NaT, index=t.index, dtype="datetime64[us]")
        for pattern in (_YMD, _COMPACT, _DMONY, _MONDY):
            todo = parsed.isna()
            parts = t[todo].str.extract(pattern)
            parsed[todo] = _from_parts(parts).to_numpy()
        todo = parsed.isna()
        parts = t[todo].str.extract(_XXY)
        if parts["y"].notna().any():
            parsed[todo] = _day_month(parts, t[todo], order, result).to_numpy()
        out[parsed.index] = parsed.to_numpy()
    return _finish(out, missing, result)


def _iso_stamps(t: pd.Series) -> np.ndarray:
    """ISO dates and times. Arrow's cast reads them as pandas' ISO parser does, several times
    faster, but refuses the whole column for one impossible day (Feb 30): pandas then reads
    them, the impossible ones as NaT."""
    stamps = arrow_cast(t, pa.timestamp("us"))
    if stamps is None:
        stamps = pd.to_datetime(t, format="ISO8601", errors="coerce").astype("datetime64[us]").to_numpy()
    return stamps


def _naive(v: object) -> object:
    if getattr(v, "tzinfo", None) is not None:
        return v.replace(tzinfo=None)
    return v


def _finish(values: pd.Series, missing: np.ndarray, result: DateResult) -> DateResult:
    years = values.dt.year
    values = values.where((years >= MIN_YEAR) & (years <= MAX_YEAR))
    result.values = values
    result.failed = values.isna().to_numpy() | missing
    return result


def _from_parts(parts: pd.DataFrame) -> pd.Series:
    if "mon" in parts:
        parts = parts.assign(m=parts["mon"].str.lower().str[:3].map(MONTHS))

    def col(name: str) -> pd.Series:
        if name not in parts:
            return pd.Series(np.nan, index=parts.index)
        return pd.to_numeric(parts[name], errors="coerce")

    frame = pd.DataFrame(
        {
            "year": col("y"),
            "month": col("m"),
            "day": col("d"),
            "hour": col("H").fillna(0),
            "minute": col("M").fillna(0),
            "second": col("S").fillna(0),
        },
        index=parts.index,
    )
    bad = frame[["year", "month", "day"]].isna().any(axis=1)
    bad |= (frame["hour"] > 23) | (frame["minute"] > 59) | (frame["second"] > 59)
    bad |= (frame["year"] < MIN_YEAR) | (frame["year"] > MAX_YEAR)
    out = pd.Series(pd.NaT, index=parts.index, dtype="datetime64[us]")
    if (~bad).any():
        out[~bad] = pd.to_datetime(frame[~bad], errors="coerce").astype("datetime64[us]")
    return out


def _day_month(parts: pd.DataFrame, text: pd.Series, order: str, result: DateResult) -> pd.Series:
    """Pick one order for the column: the one every value allows, else the one most allow."""
    a = pd.to_numeric(parts["a"], errors="coerce")
    b = pd.to_numeric(parts["b"], errors="coerce")
    seen = parts["y"].notna()
    dmy_ok = seen & (b <= 12)
    mdy_ok = seen & (a <= 12)
    if order not in ("dmy", "mdy"):
        # Month first is the usual order in English exports when nothing decides it.
        order = "dmy" if int(dmy_ok.sum()) > int(mdy_ok.sum()) else "mdy"
    result.order = order
    both = dmy_ok & mdy_ok & (a != b)
    result.ambiguous = int(both.sum())
    fits = dmy_ok if order == "dmy" else mdy_ok
    result.conflicting = int((seen & ~fits).sum())
    if result.ambiguous:
        result.example = str(text[both].iloc[0])
    day, month = (parts["a"], parts["b"]) if order == "dmy" else (parts["b"], parts["a"])
    return _from_parts(parts.assign(d=day, m=month))
