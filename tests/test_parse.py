"""Cell parsers: tables of (input, expected)."""

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from crm_core.parse import parse_amounts, parse_dates, parse_ids

AMOUNTS_POINT = [  # text, expected value (None = refused), repaired
    ("12", 12.0, False),
    ("12.5", 12.5, False),
    ("-20", -20.0, False),
    ("¥1,234.50", 1234.5, True),
    ("￥1,234.50", 1234.5, True),
    ("$12", 12.0, True),
    ("1234.5元", 1234.5, True),
    ("RMB 100", 100.0, True),
    ("(12.00)", -12.0, True),
    ("-¥5", -5.0, True),
    ("１２３．５", 123.5, True),
    (" 7 ", 7.0, False),  # surrounding spaces are not worth a report line
    ("1,234,567.89", 1234567.89, True),
    ("1.234", 1.234, False),  # a point is a decimal point here: never 1234
    ("1.234,50", None, False),  # decimal comma: refused, not read as 1.2345
    ("12,5", None, False),
    ("1,2,3", None, False),
    ("abc", None, False),
    ("", None, False),
    ("nan", None, False),
    ("inf", None, False),
    ("1e400", None, False),
    ("99999999999999999", None, False),  # past 1e13: refused as out of range
]


@pytest.mark.parametrize(("text", "expected", "repaired"), AMOUNTS_POINT)
def test_amounts_with_decimal_point(text, expected, repaired):
    res = parse_amounts(pd.Series([text], dtype=object))
    if expected is None:
        assert res.failed[0] and np.isnan(res.values[0])
    else:
        assert not res.failed[0]
        assert res.values[0] == pytest.approx(expected)
        assert bool(res.repaired[0]) is repaired


@pytest.mark.parametrize(
    ("text", "expected"),
    [("1.234,50", 1234.5), ("12,5", 12.5), ("1.234", 1234.0), ("-3,25", -3.25), ("1,234.50", None)],
)
def test_amounts_with_decimal_comma(text, expected):
    res = parse_amounts(pd.Series([text], dtype=object), decimal=",")
    if expected is None:
        assert res.failed[0]
    else:
        assert res.values[0] == pytest.approx(expected)


def test_decimal_comma_lookalikes_are_counted_for_the_hint():
    res = parse_amounts(pd.Series(["1.234,50", "12,5", "abc", "5"], dtype=object))
    assert res.comma_decimal_like == 2


def test_amounts_from_numbers_keep_their_value():
    res = parse_amounts(pd.Series([1.5, 2, float("nan"), float("inf")]))
    assert res.values[:2].tolist() == [1.5, 2.0]
    assert res.failed.tolist() == [False, False, True, True]


DATES = [
    ("2024-03-05", "2024-03-05 00:00"),
    ("2024/3/5 13:45", "2024-03-05 13:45"),
    ("2024.03.05", "2024-03-05 00:00"),
    ("2024年3月5日", "2024-03-05 00:00"),
    ("2024年3月5日 8时5分", "2024-03-05 08:05"),
    ("20240305", "2024-03-05 00:00"),
    ("05-Mar-2024", "2024-03-05 00:00"),
    ("Mar 5, 2024", "2024-03-05 00:00"),
    ("2024-03-05T23:59:59+08:00", "2024-03-05 23:59:59"),  # wall-clock time kept
    ("２０２４－０３－０５", "2024-03-05 00:00"),
    ("2024-02-30", None),
    ("1850-01-01", None),
    ("2024-03-05 25:00", None),
    ("yesterday", None),
    ("", None),
]


@pytest.mark.parametrize(("text", "expected"), DATES)
def test_dates(text, expected):
    res = parse_dates(pd.Series([text]))
    if expected is None:
        assert res.failed[0]
    else:
        assert res.values[0] == pd.Timestamp(expected)


def test_day_month_order_comes_from_the_column_not_the_row():
    res = parse_dates(pd.Series(["03/05/2024", "25/03/2024"]))
    assert res.order == "dmy"
    assert res.values.tolist() == [pd.Timestamp("2024-05-03"), pd.Timestamp("2024-03-25")]
    assert res.ambiguous == 1 and res.example == "03/05/2024"


def test_ambiguous_column_is_reported_and_read_month_first():
    res = parse_dates(pd.Series(["03/05/2024", "12/11/2024"]))
    assert res.order == "mdy" and res.ambiguous == 2
    assert res.values[0] == pd.Timestamp("2024-03-05")


def test_conflicting_rows_are_refused_not_flipped():
    res = parse_dates(pd.Series(["25/03/2024", "26/03/2024", "03/25/2024"]))
    assert res.order == "dmy" and res.conflicting == 1
    assert res.failed.tolist() == [False, False, True]


def test_user_choice_of_order_wins():
    res = parse_dates(pd.Series(["03/05/2024"]), order="dmy")
    assert res.values[0] == pd.Timestamp("2024-05-03")


def test_excel_cells_dates_and_serials():
    cells = pd.Series([dt.datetime(2024, 1, 2, 3, 4), 45000, "2024-01-01", None], dtype=object)
    res = parse_dates(cells, excel=True)
    assert res.values[:3].tolist() == [
        pd.Timestamp("2024-01-02 03:04"),
        pd.Timestamp("2023-03-15"),
        pd.Timestamp("2024-01-01"),
    ]
    assert res.failed.tolist() == [False, False, False, True]


def test_timezone_aware_column_keeps_local_wall_time():
    s = pd.Series(pd.to_datetime(["2024-03-05 23:30"]).tz_localize("Asia/Shanghai"))
    assert parse_dates(s).values[0] == pd.Timestamp("2024-03-05 23:30")


def test_ids_stay_text():
    ids, repaired = parse_ids(pd.Series([" 001 ", "123456789012345678", 1001.0, None, "NULL"], dtype=object))
    assert ids.tolist()[:3] == ["001", "123456789012345678", "1001"]
    assert ids.isna().tolist() == [False, False, False, True, True]
    assert repaired.tolist() == [True, False, False, False, False]


def test_full_width_digits_in_a_text_column():
    """Text columns from CSV take the vectorised fast path; full-width digits must not slip
    into it (\\d matches them) and come out unreadable."""
    s = pd.Series(["１２３", "12", "２０２４-０３-０５"], dtype="str")
    assert parse_amounts(s.iloc[:2]).values.tolist() == [123.0, 12.0]
    assert parse_dates(s.iloc[2:]).values.iloc[0] == pd.Timestamp("2024-03-05")
