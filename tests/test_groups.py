"""The split rule: a value at the split is high, also when the split is a computed mean."""

import numpy as np
import pandas as pd

from crm_core.groups import at_or_above, at_or_below
from crm_core.lifecycle import cell_codes
from crm_core.rfm import RfmParams, rfm
from crm_core.value_matrix import type_codes

AMOUNTS = np.array([33.30, 66.60, 99.90])


def test_the_mean_of_decimal_amounts_is_not_above_the_middle_value():
    mean = float(np.mean(AMOUNTS))
    assert mean > 66.60  # floating point: 66.60000000000001, the trap this rule exists for
    assert at_or_above(AMOUNTS, mean).tolist() == [False, True, True]
    assert at_or_below(AMOUNTS, mean).tolist() == [True, True, False]
    assert at_or_above(np.array([66.59]), 66.60).tolist() == [False]  # a real gap stays a gap


def test_rfm_segments_count_the_middle_customer_as_high_m():
    customers = pd.DataFrame(
        {
            "customer_id": ["a", "b", "c"],
            "recency_days": [10, 10, 10],
            "frequency": [2, 2, 2],
            "monetary": AMOUNTS,
        }
    )
    customers["avg_spend"] = customers["monetary"] / customers["frequency"]
    out = rfm(customers, RfmParams(split_method="mean"), "cn8").set_index("customer_id")
    assert out["m_high"].tolist() == [False, True, True]
    assert out.loc["b", "segment"] == "important_value"  # R, F at their means count as high too
    assert out.loc["a", "segment"] == "general_value"


def test_value_matrix_and_lifecycle_use_the_same_rule():
    line = float(np.mean(AMOUNTS))
    # value matrix: TYPES order is premium, spender, frequent, uncertain; F line 3, spend line the mean
    assert type_codes(np.array([1.0, 5.0, 1.0]), AMOUNTS, 3.0, line).tolist() == [3, 0, 1]
    # lifecycle grid: cell 4 = high value and high potential (both exactly at their means)
    assert cell_codes(AMOUNTS, AMOUNTS, line, line).tolist() == [1, 4, 4]


def test_compare_two_groupings_exactly():
    from crm_core.groups import compare

    revenue = np.array([10.0, 20.0, 30.0, 40.0])
    before = np.array([0, 0, 1, 1])  # a a b b
    after = np.array([0, 1, 1, 2])  # x y y z  (another scheme)
    cmp = compare(before, ["a", "b"], after, ["x", "y", "z"], revenue)
    assert (cmp.moved, cmp.moved_revenue, cmp.total) == (4, 100.0, 4)  # every key differs
    expected = pd.DataFrame(
        {
            "customers_before": [2, 2, 0, 0, 0],
            "customers_after": [0, 0, 1, 2, 1],
            "customers_change": [-2, -2, 1, 2, 1],
            "revenue_before": [30.0, 70.0, 0.0, 0.0, 0.0],
            "revenue_after": [0.0, 0.0, 10.0, 50.0, 40.0],
            "revenue_change": [-30.0, -70.0, 10.0, 50.0, 40.0],
        },
        index=["a", "b", "x", "y", "z"],
    )
    pd.testing.assert_frame_equal(cmp.changes, expected, check_dtype=False)
    assert cmp.customers.loc["a"].tolist() == [1, 1, 0] and cmp.revenue.loc["b"].tolist() == [0.0, 30.0, 40.0]
    same = compare(before, ["a", "b"], np.array([0, 1, 1, 1]), ["a", "b"], revenue)
    assert (same.moved, same.moved_revenue) == (1, 20.0)
