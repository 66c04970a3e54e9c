"""Exact expected frames for the public computations, on tiny hand-written tables.

Each expected value below was worked out by hand from the table in the test (means, splits,
counts), so a change in any rule shows up as a changed frame.
"""

import numpy as np
import pandas as pd

from crm_core.bullseye import Catalogue, Criterion, score
from crm_core.groups import summary
from crm_core.lifecycle import cell_codes, grid_summary
from crm_core.rfm import RfmParams, prepare, segment_codes
from crm_core.rfm import summary as rfm_summary
from crm_core.segments import builtin
from crm_core.value_matrix import TYPES, type_codes

# a: recent, frequent, big; b: long ago, once, small; c: recent, once, big; d: long ago, often, small
CUSTOMERS = pd.DataFrame(
    {
        "customer_id": ["a", "b", "c", "d"],
        "recency_days": [10, 100, 20, 200],
        "frequency": [5, 1, 1, 3],
        "monetary": [500.0, 50.0, 300.0, 90.0],
    }
).assign(avg_spend=lambda f: f["monetary"] / f["frequency"])
NAN = float("nan")


def test_rfm_summary_with_the_8_segments_at_the_means():
    # means: R 82.5 days, F 2.5, M 235 → a important_value, b general_winback,
    # c important_develop (recent, once, big), d general_retain (long ago, often, small)
    scheme = builtin("cn8")
    prep = prepare(CUSTOMERS, RfmParams())
    codes, split = segment_codes(prep, scheme)
    assert split == {"r": 82.5, "f": 2.5, "m": 235.0}
    expected = pd.DataFrame(
        {
            "segment": list(scheme.keys[:8]),
            "customers": [1, 0, 1, 0, 0, 1, 0, 1],
            "pct_customers": [25.0, 0, 25.0, 0, 0, 25.0, 0, 25.0],
            "revenue": [500.0, 0, 300.0, 0, 0, 90.0, 0, 50.0],
            "pct_revenue": [500 / 9.4, 0, 300 / 9.4, 0, 0, 90 / 9.4, 0, 50 / 9.4],
            "avg_recency": [10.0, NAN, 20.0, NAN, NAN, 200.0, NAN, 100.0],
            "avg_frequency": [5.0, NAN, 1.0, NAN, NAN, 3.0, NAN, 1.0],
            "avg_monetary": [500.0, NAN, 300.0, NAN, NAN, 90.0, NAN, 50.0],
            "avg_spend": [100.0, NAN, 300.0, NAN, NAN, 30.0, NAN, 50.0],
        }
    )
    assert tuple(scheme.keys[:8]) == (
        "important_value",
        "important_retain",
        "important_develop",
        "important_winback",
        "general_value",
        "general_retain",
        "general_develop",
        "general_winback",
    )
    pd.testing.assert_frame_equal(rfm_summary(prep, codes, scheme), expected, check_dtype=False)


def test_value_matrix_summary():
    # F line 2.5, spend line (100 + 50 + 300 + 30) / 4 = 120 → a, d frequent; b uncertain; c spender
    f, s = CUSTOMERS["frequency"].to_numpy(float), CUSTOMERS["avg_spend"].to_numpy(float)
    codes = type_codes(f, s, f.mean(), s.mean())
    assert np.asarray(TYPES)[codes].tolist() == ["frequent", "uncertain", "spender", "frequent"]
    got = summary(codes, list(TYPES), CUSTOMERS["monetary"].to_numpy(), {"avg_frequency": f, "avg_spend": s})
    expected = pd.DataFrame(
        {
            "segment": ["premium", "spender", "frequent", "uncertain"],
            "customers": [0, 1, 2, 1],
            "pct_customers": [0.0, 25.0, 50.0, 25.0],
            "revenue": [0.0, 300.0, 590.0, 50.0],
            "pct_revenue": [0.0, 300 / 9.4, 590 / 9.4, 50 / 9.4],
            "avg_frequency": [NAN, 1.0, 4.0, 1.0],
            "avg_spend": [NAN, 300.0, 65.0, 50.0],
        }
    )
    pd.testing.assert_frame_equal(got, expected, check_dtype=False)


def test_lifecycle_grid_summary():
    # value line 235, potential line 175 → a, c in cell 3 (high value, low potential); b, d in cell 2
    value = CUSTOMERS["monetary"].to_numpy(float)
    potential = np.array([100.0, 400.0, 0.0, 200.0])
    codes = cell_codes(value, potential, value.mean(), potential.mean()) - 1
    expected = pd.DataFrame(
        {
            "cell": [1, 2, 3, 4],
            "customers": [0, 2, 2, 0],
            "pct_customers": [0.0, 50.0, 50.0, 0.0],
            "total_value": [0.0, 140.0, 800.0, 0.0],
            "pct_value": [0.0, 140 / 9.4, 800 / 9.4, 0.0],
            "avg_current": [NAN, 70.0, 400.0, NAN],
            "avg_potential": [NAN, 300.0, 50.0, NAN],
        }
    )
    pd.testing.assert_frame_equal(grid_summary(codes, value, potential), expected, check_dtype=False)


def test_bullseye_result():
    cat = Catalogue(
        "tiny",
        (("market", "Market", "市场"), ("product", "Product", "产品")),
        (
            Criterion("m1", "market", "M1", "市场1"),
            Criterion("m2", "market", "M2", "市场2"),
            Criterion("p1", "product", "P1", "产品1", weight=3.0),
        ),
    )
    res = score(cat, {"m1": 8, "m2": 4, "p1": None})
    # equal weights in "market": 8 + 4 = 12 of 20; p1 unscored counts 0; total: 3 × (8 + 4 + 0·3) / 5 = 7.2
    assert (res.total, res.max_total, res.unscored) == (7.2, 30, 1)
    expected = pd.DataFrame(
        {
            "group": ["market", "product"],
            "criteria": [2, 1],
            "subtotal": [12.0, 0.0],
            "max": [20, 10],
            "percent": [60.0, 0.0],
        }
    )
    pd.testing.assert_frame_equal(res.groups, expected, check_dtype=False)
    assert res.weakest == ["p1", "m2", "m1"]
