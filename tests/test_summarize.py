"""Per-customer summary: an exact expected frame on a hand-written table."""

import datetime as dt

import pandas as pd
import pytest

from crm_core.summarize import CUSTOMER_COLUMNS, summarize, summarize_detail


def tx(rows, with_orders=True):
    cols = ["customer_id", "order_date", "amount", "order_id"]
    frame = pd.DataFrame(rows, columns=cols)
    frame["order_date"] = pd.to_datetime(frame["order_date"], format="mixed")
    return frame if with_orders else frame.drop(columns="order_id")


ROWS = [
    ("a", "2024-01-01 09:00", 100.0, "o1"),
    ("a", "2024-01-01 09:00", 50.0, "o1"),  # a second line of the same order
    ("a", "2024-01-10 23:59:59", 30.0, "o2"),  # just before midnight: still 10 Jan
    ("a", "2024-01-12 00:00:01", -20.0, "o2"),  # a return: not a purchase
    ("b", "2024-01-05", 80.0, "o3"),
    ("c", "2024-01-06", -15.0, "o4"),  # only a return: left out, counted
]


def test_exact_table():
    got = summarize(tx(ROWS), as_of=dt.date(2024, 1, 20))
    expected = pd.DataFrame(
        {
            "customer_id": pd.array(["a", "b"], dtype="string"),
            "first_purchase": pd.to_datetime(["2024-01-01", "2024-01-05"]).astype("datetime64[us]"),
            "last_purchase": pd.to_datetime(["2024-01-10", "2024-01-05"]).astype("datetime64[us]"),
            "recency_days": [10, 15],
            "frequency": [2, 1],
            "monetary": [160.0, 80.0],
            "avg_spend": [80.0, 80.0],
            "returns": [20.0, 0.0],
        }
    )
    pd.testing.assert_frame_equal(got, expected)
    assert list(got.columns) == CUSTOMER_COLUMNS


def test_without_order_ids_every_purchase_row_counts():
    got = summarize(tx(ROWS, with_orders=False), as_of=dt.date(2024, 1, 20)).set_index("customer_id")
    assert got.loc["a", "frequency"] == 3 and got.loc["a", "avg_spend"] == pytest.approx(160 / 3)


def test_default_as_of_and_totals_reconcile():
    s = summarize_detail(tx(ROWS))
    assert s.as_of == dt.date(2024, 1, 13)
    assert s.customers.set_index("customer_id").loc["a", "recency_days"] == 3
    assert s.customers_in == 3 and s.customers_without_purchase == 1
    assert s.revenue_in == pytest.approx(225.0)
    assert s.revenue_customers + s.revenue_without_purchase == pytest.approx(s.revenue_in)


def test_rows_after_as_of_are_left_out_and_counted():
    s = summarize_detail(tx(ROWS), as_of=dt.date(2024, 1, 5))
    c = s.customers.set_index("customer_id")
    assert s.rows_after_as_of == 3
    assert c.loc["a", "monetary"] == 150.0 and c.loc["b", "recency_days"] == 0
    assert "c" not in c.index and s.customers_in == 2


def test_input_is_not_mutated():
    frame = tx(ROWS)
    before = frame.copy()
    summarize(frame)
    pd.testing.assert_frame_equal(frame, before)


def test_customers_who_spent_the_same_on_paper_tie_exactly():
    """10.10 + 20.20 in binary floats is 30.299999999999997: without rounding, the customer who
    paid it in two orders would rank below the one who paid 30.30 at once."""
    from crm_core.rfm import RfmParams, rfm

    tx = pd.DataFrame(
        {
            "customer_id": ["two", "two", "one", "low"],
            "order_date": pd.to_datetime(["2024-01-01", "2024-01-02", "2024-01-02", "2024-01-02"]),
            "amount": [10.10, 20.20, 30.30, 1.0],
        }
    )
    assert 10.10 + 20.20 != 30.30  # the noise this guards against
    c = summarize(tx, dt.date(2024, 1, 3)).set_index("customer_id")
    assert c.loc["two", "monetary"] == c.loc["one", "monetary"] == 30.30
    scores = rfm(c.reset_index(), RfmParams(bins=3)).set_index("customer_id")["m_score"]
    assert scores["two"] == scores["one"]
