"""Invariants over generated inputs: no row and no money is lost on the way."""

import datetime as dt

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crm_core.errors import CrmError
from crm_core.ingest import LoadOptions, load, load_frame

CELLS = st.one_of(
    st.sampled_from(["", " ", "NULL", "abc", "¥1,234.50", "(5)", "1.234,5", "-3", "2024-02-30", "=1+1"]),
    st.text(st.characters(exclude_categories=("Cc", "Cs")), max_size=8),
)
ids = st.sampled_from(["c1", "c2", "c3", "007", ""])
dates = st.one_of(
    st.dates(dt.date(2022, 1, 1), dt.date(2024, 12, 31)).map(str),
    st.sampled_from(["2024年3月5日", "2024/3/5 23:59", "bad", ""]),
)
amounts = st.one_of(
    st.decimals(-500, 5000, places=2, allow_nan=False).map(str),
    st.sampled_from(["¥12", "1,000.00", "x", "", "0"]),
)
messy_rows = st.lists(st.tuples(ids, dates, amounts, CELLS), min_size=1, max_size=40)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(messy_rows, st.booleans())
def test_rows_and_revenue_are_conserved(rows, keep_dups):
    frame = pd.DataFrame(rows, columns=["customer_id", "order_date", "amount", "note"])
    text = frame.to_csv(index=False)
    try:
        res = load(text.encode(), "x.csv", LoadOptions(keep_duplicates=keep_dups))
    except CrmError as exc:
        assert exc.key in {"error.nothing_kept", "error.no_rows"}
        return
    r, s = res.report, res.summary
    assert r.rows_read == len(rows)
    assert r.rows_read == r.rows_kept + r.rows_rejected
    assert sum(r.reason_counts.values()) == r.rows_rejected
    assert len(res.transactions) == r.rows_kept
    assert s.revenue_in == pytest.approx(res.transactions["amount"].sum(), abs=1e-6)
    assert s.revenue_customers + s.revenue_without_purchase == pytest.approx(s.revenue_in, abs=1e-6)
    assert len(res.customers) + s.customers_without_purchase == res.transactions["customer_id"].nunique()
    assert res.customers["customer_id"].is_unique
    assert (res.customers["recency_days"] >= 0).all()


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["a", "b", "c", "d"]),
            st.datetimes(dt.datetime(2023, 1, 1), dt.datetime(2024, 12, 31, 23, 59, 59)),
            st.floats(-100, 1000, allow_nan=False).map(lambda v: round(v, 2)),
        ),
        min_size=1,
        max_size=60,
    ),
    st.dates(dt.date(2023, 6, 1), dt.date(2025, 1, 1)),
)
def test_summary_matches_a_plain_pandas_computation(rows, as_of):
    frame = pd.DataFrame(rows, columns=["customer_id", "order_date", "amount"])
    try:
        res = load_frame(frame, LoadOptions(as_of=as_of, keep_duplicates=True))
    except CrmError:
        return
    kept = frame[frame["order_date"].dt.normalize() <= pd.Timestamp(as_of)]
    buys = kept[kept["amount"] > 0]
    got = res.customers.set_index("customer_id")
    assert sorted(got.index) == sorted(buys["customer_id"].unique())
    for cid, g in buys.groupby("customer_id"):
        assert got.loc[cid, "frequency"] == len(g)
        assert got.loc[cid, "monetary"] == pytest.approx(kept.loc[kept["customer_id"] == cid, "amount"].sum())
        last = g["order_date"].max().normalize()
        assert got.loc[cid, "recency_days"] == (pd.Timestamp(as_of) - last).days


customers_strategy = st.lists(
    st.tuples(st.integers(0, 700), st.integers(1, 40), st.floats(-100, 20_000, allow_nan=False)),
    min_size=1,
    max_size=60,
)


@settings(max_examples=50, deadline=None)
@given(customers_strategy, st.sampled_from(["mean", "median", "percentile"]), st.floats(1, 99))
def test_every_customer_in_exactly_one_value_type_and_grid_cell(rows, method, pct):
    import numpy as np

    from crm_core.groups import summary
    from crm_core.lifecycle import cell_codes, pyramid
    from crm_core.value_matrix import TYPES, Split, type_codes

    r = np.array([x[0] for x in rows], float)
    f = np.array([x[1] for x in rows], float)
    m = np.array([x[2] for x in rows], float)
    split = Split(method, pct)
    codes = type_codes(f, m / f, split.at(f), split.at(m / f))
    table = summary(codes, list(TYPES), m, {})
    assert table["customers"].sum() == len(rows) and table["revenue"].sum() == pytest.approx(m.sum(), abs=1e-6)
    cells = cell_codes(m, r, split.at(m), split.at(r))
    assert set(cells) <= {1, 2, 3, 4} and len(cells) == len(rows)
    tiers, tier = pyramid(m)
    assert tiers["customers"].sum() == len(rows) and tiers["revenue"].sum() == pytest.approx(m.sum(), abs=1e-6)
    assert len(tier) == len(rows)


@settings(max_examples=50, deadline=None)
@given(customers_strategy, st.floats(0, 700), st.floats(0, 300))
def test_moving_a_line_up_never_makes_anyone_high(rows, line, bump):
    import numpy as np

    from crm_core.lifecycle import cell_codes
    from crm_core.value_matrix import type_codes

    f = np.array([x[1] for x in rows], float)
    v = np.array([x[2] for x in rows], float)
    low, high = type_codes(f, v, line, line), type_codes(f, v, line + bump, line + bump)
    # premium (0) can only become something else, uncertain (3) can only gain members
    assert ((high == 0) <= (low == 0)).all() and ((low == 3) <= (high == 3)).all()
    assert (cell_codes(v, f, line + bump, line + bump) <= cell_codes(v, f, line, line)).all()


def _orders_strategy():
    from exports import PAID, PARTIAL, PENDING, REFUNDED, VOIDED, Order

    line = st.tuples(
        st.sampled_from(["Tea", "Cup", "Pot"]), st.integers(1, 4), st.sampled_from([4.99, 20.5, 30.0, 99.9])
    )

    def build(spec):
        out = []
        for i, (cust, day, status, lines, refund_share, shipping) in enumerate(spec):
            total = sum(q * p for _, q, p in lines) + shipping
            out.append(
                Order(
                    str(2000 + i),
                    cust,
                    dt.datetime(2024, 3, day, 9, 30),
                    status,
                    lines,
                    shipping=shipping,
                    refund=round(total * refund_share, 2),
                )
            )
        return out

    order = st.tuples(
        st.sampled_from(["c1", "c2", "c3", None]),
        st.integers(1, 28),
        st.sampled_from([PAID, PARTIAL, REFUNDED, PENDING, VOIDED]),
        st.lists(line, min_size=1, max_size=3),
        st.sampled_from([0.1, 0.5]),
        st.sampled_from([0.0, 5.0]),
    )
    return st.lists(order, min_size=1, max_size=12).map(build)


STATUS_VALUES = ["paid", "partially_refunded", "refunded", "pending", "voided"]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_orders_strategy(), st.one_of(st.none(), st.sets(st.sampled_from(STATUS_VALUES)).map(tuple)))
def test_orders_conserve_money_and_rows_under_any_status_set(orders, statuses):
    """Lines → orders → customers: gross − returns − refunds = net = Σ monetary (+ customers
    left out); every line kept or rejected once; with the default statuses, each customer's
    monetary is what the order data says."""
    from exports import expected_orders, shopify_csv

    try:
        res = load(shopify_csv(orders), "orders_export.csv", LoadOptions(purchase_statuses=statuses))
    except CrmError as exc:
        assert exc.key == "error.nothing_kept"
        return
    r, s, t = res.report, res.summary, res.report.totals
    assert r.rows_read == sum(len(o.lines) for o in orders)
    assert r.rows_read == r.rows_kept + r.rows_rejected == r.totals["lines"] + r.rows_rejected
    assert t["gross_sales"] - t["returns"] - t["refunds"] == pytest.approx(t["net_revenue"], abs=1e-6)
    assert res.transactions["amount"].sum() == pytest.approx(t["net_revenue"], abs=1e-6)
    assert s.revenue_customers + s.revenue_without_purchase == pytest.approx(t["net_revenue"], abs=1e-6)
    if statuses is None:
        keyed = [
            type(o)(o.oid, f"{o.customer}@example.com", o.created, o.status, o.lines, o.shipping, o.refund)
            for o in orders
            if o.customer
        ]
        expected = expected_orders(keyed, s.as_of)
        got = res.customers.set_index("customer_id")
        assert sorted(got.index) == sorted(expected)
        for cid, e in expected.items():
            assert got.loc[cid, "monetary"] == pytest.approx(e["monetary"], abs=1e-6)
            assert got.loc[cid, "frequency"] == e["frequency"]


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["1", "2", None, ""]), st.sampled_from(["a", "b"]), st.sampled_from([None, "x", "y"])
        ),
        max_size=30,
    ),
    st.lists(st.sampled_from(["o", "d", "n"]), max_size=3),
)
def test_duplicate_rows_narrowed_by_a_column_equal_the_full_comparison(rows, first):
    from crm_core.cleaning import duplicate_rows

    frame = pd.DataFrame(rows, columns=["o", "d", "n"], dtype=object).astype("string")
    expected = frame.astype("string").duplicated(keep="first").to_numpy()
    assert (duplicate_rows(frame, first) == expected).all()
