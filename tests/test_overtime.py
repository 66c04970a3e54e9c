"""Customers over time: statuses, cohorts and migration against figures worked out by hand and
an independent per-customer loop written here."""

import datetime as dt

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crm_core import overtime
from crm_core.errors import CrmError
from crm_core.rfm import rfm
from crm_core.segments import NEW_SINCE, builtin, load_scheme
from crm_core.summarize import summarize


def tx(rows):
    frame = pd.DataFrame(rows, columns=["customer_id", "order_date", "amount"])
    frame["order_date"] = pd.to_datetime(frame["order_date"], format="mixed")
    return frame


ROWS = [
    ("a", "2024-01-05", 10.0),
    ("a", "2024-02-10", 20.0),
    ("a", "2024-04-02", 30.0),  # lapsed in March, back in April: reactivated
    ("b", "2024-02-03", 50.0),
    ("b", "2024-02-20", -5.0),  # a return in the same month
    ("b", "2024-03-11", -15.0),  # a return only: not active in March
    ("c", "2024-04-30 18:00", 40.0),  # on the analysis date itself: counts
    ("e", "2024-01-20", 7.0),
    ("d", "2024-05-03", 99.0),  # after the analysis date: left out
]
AS_OF = dt.date(2024, 4, 30)


def test_status_per_month_worked_out_by_hand():
    got = overtime.status_by_period(tx(ROWS), "month", AS_OF).set_index("period")
    assert list(got.index) == ["2024-01", "2024-02", "2024-03", "2024-04"]  # March: no purchase at all
    by_hand = {  # new, retained, reactivated, lapsed
        "2024-01": (2, 0, 0, 0),  # a, e
        "2024-02": (1, 1, 0, 1),  # b new, a retained, e lapsed
        "2024-03": (0, 0, 0, 2),  # a and b lapsed (b only returned something)
        "2024-04": (1, 0, 1, 0),  # c new, a reactivated
    }
    for period, counts in by_hand.items():
        assert tuple(got.loc[period, list(overtime.STATUSES)]) == counts, period
    assert got.loc["2024-03", "revenue_other"] == -15.0
    assert got.loc["2024-02", "revenue_new"] == 45.0  # b's purchase net of its same-month return
    assert got.loc["2024-04", "revenue_reactivated"] == 30.0 and got.loc["2024-04", "revenue_new"] == 40.0
    assert got.loc["2024-03", "revenue_lapsed_before"] == 20.0 + 45.0
    assert list(got["net_growth"]) == [2, 0, -2, 2]
    assert got["revenue"].sum() == pytest.approx(sum(a for c, d, a in ROWS if d < "2024-05"))
    assert got["complete"].all()


def test_quarter_and_year_labels_and_an_incomplete_period():
    got = overtime.status_by_period(tx(ROWS), "quarter", dt.date(2024, 4, 30))
    assert list(got["period"]) == ["2024-Q1", "2024-Q2"]
    assert list(got["complete"]) == [True, False]  # Q2 ends on 30 June
    assert list(overtime.status_by_period(tx(ROWS), "year", AS_OF)["period"]) == ["2024"]


def test_cohorts_worked_out_by_hand():
    got = overtime.cohorts(tx(ROWS), "month", AS_OF).set_index(["cohort", "period_index"])
    assert got.loc[("2024-01", 0), "size"] == 2
    assert [got.loc[("2024-01", k), "customers"] for k in range(4)] == [2, 1, 0, 1]
    assert [got.loc[("2024-02", k), "customers"] for k in range(3)] == [1, 0, 0]
    assert got.loc[("2024-02", 1), "revenue"] == -15.0  # the cohort's return in March
    assert got.loc[("2024-04", 0), "customers"] == 1 and ("2024-04", 1) not in got.index
    assert got.loc[("2024-01", 3), "retention"] == 0.5
    assert got.loc[("2024-01", 3), "cumulative_revenue_per_customer"] == pytest.approx((10 + 7 + 20 + 30) / 2)


def independent_status(frame: pd.DataFrame, as_of: dt.date) -> pd.DataFrame:
    """The statuses by a plain loop over customers and months (the definition, not SQL)."""
    frame = frame[frame["order_date"].dt.normalize() <= pd.Timestamp(as_of)]
    month = frame["order_date"].dt.year * 12 + frame["order_date"].dt.month - 1
    active = {c: set(month[(frame["customer_id"] == c) & (frame["amount"] > 0)]) for c in frame["customer_id"].unique()}
    periods = sorted(set().union(*active.values())) if active else []
    if not periods:
        return pd.DataFrame(columns=["new", "retained", "reactivated", "lapsed"])
    rows = {}
    for p in range(periods[0], periods[-1] + 1):
        counts = dict.fromkeys(overtime.STATUSES, 0)
        for months in active.values():
            if p in months:
                if min(months) == p:
                    counts["new"] += 1
                elif p - 1 in months:
                    counts["retained"] += 1
                else:
                    counts["reactivated"] += 1
            elif p - 1 in months:
                counts["lapsed"] += 1
        rows[overtime.label(p, "month")] = counts
    return pd.DataFrame.from_dict(rows, orient="index")


row = st.tuples(
    st.sampled_from(["a", "b", "c", "d", "007"]),
    st.dates(dt.date(2023, 1, 1), dt.date(2024, 6, 30)),
    st.sampled_from([-20.0, 0.0, 5.5, 10.0, 99.99]),
)


@settings(max_examples=60, deadline=None)
@given(st.lists(row, min_size=1, max_size=40), st.dates(dt.date(2023, 3, 1), dt.date(2024, 6, 30)))
def test_every_customer_in_exactly_one_status(rows, as_of):
    frame = tx([(c, str(d), a) for c, d, a in rows])
    got = overtime.status_by_period(frame, "month", as_of)
    expected = independent_status(frame, as_of)
    if expected.empty:
        assert got.empty
        return
    got = got.set_index("period")
    assert list(got.index) == list(expected.index)
    for status in overtime.STATUSES:
        assert list(got[status]) == list(expected[status]), status
    # the statuses partition the customers active now or in the period before
    prev = got["active"].shift(1, fill_value=0)
    assert (got["retained"] + got["lapsed"] == prev).all()
    kept = frame[frame["order_date"].dt.normalize() <= pd.Timestamp(as_of)]
    bought = kept.loc[kept["amount"] > 0, "order_date"]
    month = kept["order_date"].dt.to_period("M")
    # the table runs from the first to the last month with a purchase: its revenue is theirs
    in_range = kept[(month >= bought.min().to_period("M")) & (month <= bought.max().to_period("M"))]
    assert got["revenue"].sum() == pytest.approx(in_range["amount"].sum(), abs=1e-6)


def test_migration_against_segments_computed_at_each_date():
    from crm_core import demo
    from crm_core.ingest import LoadOptions, load

    data, name = demo.demo_bytes("demo")
    t = load(data, name, LoadOptions()).transactions
    a, b = dt.date(2024, 6, 30), dt.date(2024, 12, 31)
    mig = overtime.migration(t, a, b, builtin("cn8"))
    at_a = rfm(summarize(t[t["order_date"] < "2024-07-01"], a), scheme="cn8").set_index("customer_id")["segment"]
    at_b = rfm(summarize(t[t["order_date"] < "2025-01-01"], b), scheme="cn8").set_index("customer_id")["segment"]
    got = mig.customers.set_index("customer_id")
    assert len(got) == len(at_b)
    assert (got["segment_to"] == at_b.reindex(got.index)).all()
    assert (got["segment_from"] == at_a.reindex(got.index).fillna("")).all()
    new = got["segment_from"] == ""
    assert set(got.index[new]) == set(at_b.index) - set(at_a.index)
    n, rev = overtime.migration_matrix(mig)
    assert n.to_numpy().sum() == len(at_b)  # the matrix adds up to the customers at B
    assert n.loc[NEW_SINCE].sum() == new.sum()
    spent = t[(t["order_date"] >= "2024-07-01") & (t["order_date"] < "2025-01-01")]
    spent = spent[spent["customer_id"].isin(at_b.index)]["amount"].sum()
    assert rev.to_numpy().sum() == pytest.approx(spent)
    order = builtin("cn8").ranked_keys
    to, src = got["segment_to"].astype(object), got["segment_from"].astype(object)  # categoricals
    up = to.map(order.index) < src.map(lambda k: order.index(k) if k else -1)
    assert (got.loc[up & ~new, "move"] == "up").all() and (got.loc[~new, "move"] != "new").all()


def test_holding_the_splits():
    from crm_core import demo
    from crm_core.ingest import LoadOptions, load

    data, name = demo.demo_bytes("demo")
    t = load(data, name, LoadOptions()).transactions
    a, b = dt.date(2024, 6, 30), dt.date(2024, 12, 31)
    held = overtime.migration(t, a, b, builtin("cn8"), hold_splits=True)
    moving = overtime.migration(t, a, b, builtin("cn8"))
    assert held.held and held.splits_to == held.splits_from
    assert moving.splits_to != moving.splits_from
    # with A's lines, a customer is high F at B exactly when their frequency at B reaches A's line
    hf = held.customers["frequency_to"] >= held.splits_from["f"]
    high_f = {"important_value", "important_retain", "general_value", "general_retain"}
    assert (held.customers["segment_to"].isin(high_f) == hf).all()
    vm = overtime.migration(t, a, b, overtime.VALUE_MATRIX)
    assert set(vm.customers["segment_to"]) <= {"premium", "spender", "frequent", "uncertain"}


def test_ranks_in_rules_files():
    low = '{"key": "low", "when": {"m": "low"}, "rank": 2}'
    scheme = load_scheme('{"rules": [' + low + ', {"key": "high", "when": {"m": "high"}, "rank": 1}]}')
    assert scheme.ranked_keys == ["high", "low", "unassigned"]
    assert load_scheme('{"rules": [{"key": "x", "when": {"m": "low"}}]}').ranked_keys == ["x", "unassigned"]
    with pytest.raises(CrmError):
        load_scheme('{"rules": [{"key": "x", "when": {"m": "low"}, "rank": 0}]}')
    with pytest.raises(CrmError):  # a tie would make a move both up and down
        load_scheme('{"rules": [' + low + ', {"key": "high", "when": {"m": "high"}, "rank": 2}]}')


def test_bad_dates_and_periods_are_clear_errors():
    with pytest.raises(CrmError) as err:
        overtime.migration(tx(ROWS), dt.date(2024, 5, 1), dt.date(2024, 4, 1), builtin("cn8"))
    assert err.value.key == "error.migration_dates"
    with pytest.raises(CrmError):
        overtime.status_by_period(tx(ROWS), "week")
    empty = overtime.status_by_period(tx([("a", "2024-01-01", -5.0)]), "month")
    assert empty.empty and list(empty.columns) == overtime.STATUS_COLUMNS


@pytest.mark.parametrize("with_orders", [True, False])
def test_history_summary_equals_summarize_on_any_date(with_orders):
    from crm_core import demo
    from crm_core.ingest import LoadOptions, load

    data, name = demo.demo_bytes("demo")
    t = load(data, name, LoadOptions()).transactions
    extra = pd.DataFrame(  # an order whose lines fall on two days, and a return-only customer
        {
            "customer_id": ["Z1", "Z1", "Z2"],
            "order_date": pd.to_datetime(["2024-03-01 23:59", "2024-03-02 00:01", "2024-03-05 00:00"]),
            "amount": [10.0, 5.0, -3.0],
            "order_id": ["ZO1", "ZO1", "ZO2"],
        }
    )
    t = pd.concat([t, extra], ignore_index=True)
    if not with_orders:
        t = t.drop(columns="order_id")
    history = overtime.History(t)
    for day in (dt.date(2023, 1, 1), dt.date(2024, 3, 1), dt.date(2024, 3, 2), dt.date(2025, 1, 1)):
        expected = summarize(t[t["order_date"].dt.normalize() <= pd.Timestamp(day)], day)
        got = history.at(day)
        pd.testing.assert_frame_equal(got, expected, check_exact=False, rtol=1e-9, check_dtype=False)


def test_status_based_lifecycle_stages_by_hand():
    from crm_core.lifecycle import StageRules, status_stages

    rows = [
        ("new", "2024-03-10", 50.0),  # first purchase in the last month → exploration
        ("up", "2024-02-05", 100.0),
        ("up", "2024-03-05", 150.0),  # +50 % → growth
        ("flat", "2024-02-05", 100.0),
        ("flat", "2024-03-05", 105.0),  # +5 % → maturity
        ("down", "2024-02-05", 100.0),
        ("down", "2024-03-05", 50.0),  # −50 % → decline
        ("lapsed", "2024-02-05", 80.0),  # bought in February, not in March → decline
        ("back", "2023-11-05", 30.0),
        ("back", "2024-03-20", 30.0),  # reactivated, nothing the month before → growth
        ("gone", "2023-06-01", 10.0),  # long gone → decline
        ("today", "2024-04-01", 20.0),  # first purchase on the analysis date itself → exploration
        ("late", "2024-02-10", 40.0),
        ("late", "2024-04-01", 40.0),  # not in March, but on the analysis date: active, not lapsed
    ]
    t = tx(rows)
    customers = summarize(t, dt.date(2024, 4, 1))
    got = status_stages(customers, t, dt.date(2024, 4, 1), "month", StageRules(growth_pct=20, decline_pct=-30))
    got = got.set_index("customer_id")
    expected = {
        "new": ("new", "exploration"),
        "up": ("retained", "growth"),
        "flat": ("retained", "maturity"),
        "down": ("retained", "decline"),
        "lapsed": ("lapsed", "decline"),
        "back": ("reactivated", "growth"),
        "gone": ("inactive", "decline"),
        "today": ("new", "exploration"),
        "late": ("retained", "maturity"),  # February, and again on the analysis date: 40 against 40
    }
    for who, (status, stage) in expected.items():
        assert (got.loc[who, "status"], got.loc[who, "stage"]) == (status, stage), who


@pytest.mark.parametrize("scheme", ["en10", "value_matrix", "rules3"])
def test_every_matrix_adds_up_to_the_customers_at_b(scheme):
    # en10 has a segment called "new": it must not merge with the "new since A" row
    from crm_core import demo
    from crm_core.ingest import LoadOptions, load

    data, name = demo.demo_bytes("demo")
    t = load(data, name, LoadOptions()).transactions
    if scheme == "rules3":  # rules written for 3 score points score on 3 points
        chosen = load_scheme('{"bins": 3, "rules": [{"key": "top", "when": {"r_score": [3, 3]}},'
                             ' {"key": "rest", "when": {"r_score": [1, 2]}}]}')  # fmt: skip
    else:
        chosen = builtin(scheme) if scheme == "en10" else overtime.VALUE_MATRIX
    mig = overtime.migration(t, dt.date(2024, 6, 30), dt.date(2024, 12, 31), chosen)
    n, _ = overtime.migration_matrix(mig)
    assert n.to_numpy().sum() == len(mig.customers) == len(summarize(t[t["order_date"] < "2025-01-01"]))
    assert n.loc[NEW_SINCE].sum() == (mig.customers["segment_from"] == "").sum()
    if scheme == "rules3":
        assert (mig.customers["segment_to"] != "unassigned").all()
    with pytest.raises(CrmError):
        load_scheme('{"rules": [{"key": "_new", "when": {"m": "low"}}]}')


def test_status_stages_use_the_last_complete_period():
    from crm_core.lifecycle import status_stages

    rows = [("a", "2024-02-10", 10.0), ("a", "2024-03-10", 10.0), ("b", "2024-03-05", 10.0), ("b", "2024-04-10", 10.0)]
    t = tx(rows)
    mid = dt.date(2024, 4, 15)  # April is still running: March is the last complete month
    got = status_stages(summarize(t, mid), t, mid, "month").set_index("customer_id")
    assert got.loc["a", "status"] == "retained" and got.loc["a", "stage"] == "maturity"  # Feb 10 → Mar 10: flat
    assert got.loc["b", "status"] == "new" and got.loc["b", "stage"] == "exploration"  # first bought in March
    end = dt.date(2024, 3, 31)  # the analysis date closes March: March is complete
    got = status_stages(summarize(t[t["order_date"] <= "2024-03-31"], end), t, end, "month").set_index("customer_id")
    assert got.loc["b", "status"] == "new"


@pytest.mark.parametrize("with_orders", [True, False])
def test_one_scan_for_two_dates_equals_summarize_at_each(with_orders):
    from crm_core import demo
    from crm_core.ingest import LoadOptions, load

    data, name = demo.demo_bytes("demo")
    t = load(data, name, LoadOptions()).transactions
    extra = pd.DataFrame(  # an order over two days; a return before A by a customer who buys after A
        {
            "customer_id": ["Z1", "Z1", "Z2", "Z2"],
            "order_date": pd.to_datetime(
                ["2024-03-01 23:59", "2024-03-02 00:01", "2024-03-05 00:00", "2024-09-01 00:00"]
            ),
            "amount": [10.0, 5.0, -3.0, 8.0],
            "order_id": ["ZO1", "ZO1", "ZO2", "ZO3"],
        }
    )
    t = pd.concat([t, extra], ignore_index=True)
    if not with_orders:
        t = t.drop(columns="order_id")
    cols = ["customer_id", "last_purchase", "recency_days", "frequency", "monetary", "avg_spend"]
    for a, b in ((dt.date(2024, 3, 1), dt.date(2024, 3, 2)), (dt.date(2023, 1, 1), dt.date(2025, 1, 1))):
        (at_a, pos_a), (at_b, pos_b) = overtime.two_dates(t, a, b)
        assert list(pos_b) == list(range(len(at_b)))  # everyone who bought by B, in id order
        for got, day in ((at_a, a), (at_b, b)):
            expected = summarize(t[t["order_date"].dt.normalize() <= pd.Timestamp(day)], day)
            pd.testing.assert_frame_equal(got[cols], expected[cols], check_exact=False, rtol=1e-9, check_dtype=False)
        assert list(at_b["customer_id"].iloc[pos_a]) == list(at_a["customer_id"])  # positions say who is who
        one_scan = overtime.migration(t, a, b, builtin("cn8")).customers
        indexed = overtime.migration(overtime.History(t), a, b, builtin("cn8")).customers
        pd.testing.assert_frame_equal(one_scan, indexed, check_exact=False, rtol=1e-9)


def test_lifecycle_cells_over_time_against_the_grid_at_each_date():
    from crm_core.demo import load_demo
    from crm_core.lifecycle import cell_codes
    from crm_core.potential import predict

    t = load_demo("demo").transactions
    a, b = dt.date(2024, 6, 30), dt.date(2024, 12, 31)
    mig = overtime.migration(t, a, b, overtime.LifecycleCells(t))
    got = mig.customers.set_index("customer_id")
    for day, col, split in ((a, "segment_from", mig.splits_from), (b, "segment_to", mig.splits_to)):
        customers = summarize(t[t["order_date"].dt.normalize() <= pd.Timestamp(day)], day)
        potential = predict(t, day + dt.timedelta(days=1)).predicted.reindex(customers["customer_id"]).fillna(0.0)
        value = customers["monetary"].to_numpy(float)
        assert split == pytest.approx({"v": value.mean(), "p": potential.mean()})
        cells = cell_codes(value, potential.to_numpy(float), value.mean(), potential.mean()).astype(str)
        assert (got.loc[customers["customer_id"], col].to_numpy() == cells).all(), day
    n, _ = overtime.migration_matrix(mig)
    assert list(n.columns) == ["4", "3", "2", "1"] and n.to_numpy().sum() == len(got)
    moved_up = got[(got["segment_from"] == "1") & (got["segment_to"] == "4")]
    assert (moved_up["move"] == "up").all() and len(moved_up) > 0
    held = overtime.migration(t, a, b, overtime.LifecycleCells(t), hold_splits=True)
    assert held.splits_to == held.splits_from
    with pytest.raises(CrmError) as err:  # not enough history before A for the model
        overtime.migration(t, dt.date(2023, 3, 1), b, overtime.LifecycleCells(t))
    assert err.value.key == "error.lifecycle_at"


def test_revenue_between_counts_only_rows_between_the_dates():
    rows = [
        ("r", "2024-01-10", -30.0),  # a return before A, before any purchase (an old order elsewhere)
        ("r", "2024-05-10", 100.0),
        ("k", "2024-01-05", 50.0),
        ("k", "2024-02-01", -10.0),
        ("k", "2024-05-01", 20.0),
        ("k", "2024-07-01", 99.0),  # after B
    ]
    t = tx(rows)
    a, b = dt.date(2024, 3, 31), dt.date(2024, 6, 30)
    between = t[(t["order_date"] > "2024-03-31 23:59:59") & (t["order_date"] <= "2024-06-30 23:59:59")]
    expected = between.groupby("customer_id")["amount"].sum()
    for source in (t, overtime.History(t)):
        got = overtime.migration(source, a, b, overtime.VALUE_MATRIX).customers.set_index("customer_id")
        assert got.loc["r", "revenue_between"] == pytest.approx(expected["r"])  # 100, not 130
        assert got.loc["k", "revenue_between"] == pytest.approx(expected["k"])
        _, rev = overtime.migration_matrix(overtime.migration(source, a, b, overtime.VALUE_MATRIX))
        assert rev.to_numpy().sum() == pytest.approx(expected.sum())
