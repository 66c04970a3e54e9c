"""Value matrix, lifecycle grid, stages, pyramid and the potential model."""

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from crm_core.groups import summary
from crm_core.lifecycle import StageRules, cell_codes, current_value, pyramid, stages
from crm_core.potential import FEATURES, customer_column, features, predict, wallet_gap
from crm_core.value_matrix import TYPES, Split, type_codes, value_matrix


@pytest.mark.parametrize(
    ("f", "s", "expected"),
    [
        (5, 100, "premium"),
        (1, 100, "spender"),
        (5, 10, "frequent"),
        (1, 10, "uncertain"),
        (3, 50, "premium"),
        (2.99, 50, "spender"),
        (3, 49.99, "frequent"),
    ],  # lines at F 3, spend 50
)
def test_value_types_and_lines(f, s, expected):
    code = type_codes(np.array([f], float), np.array([s], float), 3.0, 50.0)[0]
    assert TYPES[code] == expected


def test_value_matrix_at_the_means_and_conservation():
    c = pd.DataFrame(
        {"customer_id": ["a", "b", "c", "d"], "frequency": [1, 2, 3, 6], "monetary": [100.0, 40.0, 300.0, 60.0]}
    )
    c["avg_spend"] = c["monetary"] / c["frequency"]  # 100, 20, 100, 10 → mean 57.5; F mean 3
    out = value_matrix(c).set_index("customer_id")["value_type"].to_dict()
    assert out == {"a": "spender", "b": "uncertain", "c": "premium", "d": "frequent"}
    codes = np.array([TYPES.index(v) for v in out.values()])
    table = summary(codes, list(TYPES), c["monetary"].to_numpy(), {"avg_frequency": c["frequency"].to_numpy(float)})
    assert table["customers"].sum() == 4 and table["revenue"].sum() == 500
    assert Split("median").at(np.array([1, 2, 3, 6.0])) == 2.5
    assert Split("value", value=7).at(np.array([1.0])) == 7


@pytest.mark.parametrize(
    ("v", "p", "cell"), [(1, 1, 1), (1, 9, 2), (9, 1, 3), (9, 9, 4), (5, 5, 4), (4.99, 5, 2), (5, 4.99, 3)]
)
def test_grid_cells_on_their_boundaries(v, p, cell):
    assert cell_codes(np.array([v], float), np.array([p], float), 5.0, 5.0)[0] == cell


CUSTOMERS = pd.DataFrame(
    {
        "customer_id": ["a", "b"],
        "frequency": [2, 1],
        "monetary": [300.0, 50.0],
        "recency_days": [5, 200],
        "first_purchase": pd.to_datetime(["2024-01-01", "2024-06-01"]),
    }
)
TX = pd.DataFrame(
    {
        "customer_id": ["a", "a", "b"],
        "order_date": pd.to_datetime(["2024-05-01", "2024-09-01", "2024-06-01"]),
        "amount": [100.0, 200.0, 50.0],
        "cost": [60.0, 120.0, 20.0],
    }
)


def test_profit_formula():
    value, how = current_value(CUSTOMERS, TX, cost_per_order=5)
    assert how == "profit_cost" and value.tolist() == [(300 - 180) - 10, (50 - 20) - 5]
    value, how = current_value(CUSTOMERS, None, margin_pct=40, cost_per_order=5)
    assert how == "profit_margin" and value.tolist() == [120 - 10, 20 - 5]
    value, how = current_value(CUSTOMERS)
    assert how == "spend" and value.tolist() == [300, 50]


def test_stage_rules_in_order():
    as_of = dt.date(2024, 12, 31)
    c = pd.DataFrame(
        {
            "customer_id": list("wxyz"),
            "recency_days": [10, 10, 10, 300],
            "first_purchase": pd.to_datetime(["2024-12-01", "2023-01-01", "2023-01-01", "2023-01-01"]),
        }
    )
    tx = pd.DataFrame(
        {
            "customer_id": ["x", "x", "y", "y", "z"],
            "order_date": pd.to_datetime(["2024-03-01", "2024-10-01", "2024-03-01", "2024-10-01", "2024-03-05"]),
            "amount": [100.0, 200.0, 100.0, 105.0, 50.0],
        }
    )
    out = stages(c, tx, as_of, StageRules()).set_index("customer_id")
    assert out["stage"].to_dict() == {"w": "exploration", "x": "growth", "y": "maturity", "z": "decline"}
    assert out.loc["x", "spend_change_pct"] == 100.0
    looser = stages(c, tx, as_of, StageRules(growth_pct=150)).set_index("customer_id")
    assert looser.loc["x", "stage"] == "maturity"


def test_pyramid_shares():
    values = np.arange(1, 101, dtype=float)  # 100 customers
    table, tier = pyramid(values)
    assert table["customers"].tolist() == [5, 15, 80]
    assert table["revenue"].sum() == values.sum() and tier[99] == 0 and tier[0] == 2
    assert table["textbook_pct"].tolist() == [5, 15, 80]


def test_features_never_read_rows_after_the_cutoff():
    rng = np.random.default_rng(0)
    n = 400
    tx = pd.DataFrame(
        {
            "customer_id": rng.choice([f"c{i}" for i in range(60)], n),
            "order_date": pd.Timestamp("2023-01-01") + pd.to_timedelta(rng.integers(0, 700, n), unit="D"),
            "amount": rng.lognormal(4, 1, n),
        }
    )
    cutoff = pd.Timestamp("2024-06-01")
    before = features(tx, cutoff, 90)
    later = tx["order_date"] >= cutoff
    changed = tx.copy()
    changed.loc[later, "amount"] *= 1000  # every later row changes
    changed.loc[later, "customer_id"] = "someone_else"
    pd.testing.assert_frame_equal(features(changed, cutoff, 90), before)
    assert list(before.columns) == FEATURES and (before["recency_days"] > 0).all()


def test_potential_model_on_the_demo_data_reports_a_holdout():
    from crm_core.demo import load_demo

    res = load_demo("demo")
    pot = predict(res.transactions, res.report.as_of)
    assert pot.ok and pot.holdout["window_days"] == 180
    h = pot.holdout
    assert h["model_mae"] > 0 and h["naive_mae"] > 0 and h["holdout_customers"] > 1000
    assert (pot.predicted >= 0).all() and len(pot.predicted) == len(res.customers)


def test_short_history_says_so():
    tx = TX.assign(order_date=pd.to_datetime(["2024-09-01", "2024-09-05", "2024-09-10"]))
    pot = predict(tx, dt.date(2024, 9, 30))
    assert not pot.ok and pot.reason == "potential.too_short"


def test_wallet_gap_and_mapped_column():
    c = CUSTOMERS.assign(wallet=[1000.0, 20.0])
    wallet = customer_column(c, None, "wallet")
    assert wallet_gap(c, wallet).tolist() == [700.0, 0.0]
    tx = TX.assign(score=[1, 3, 2])
    assert customer_column(CUSTOMERS, tx, "score").tolist() == [3, 2]
