"""Filters and analyses within a group (store, channel, region) against per-group computations
written here with pandas: each group's rows summarised and segmented on their own."""

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from conftest import ROOT

from crm_core.errors import CrmError
from crm_core.rfm import RfmParams, prepare, rfm, splits
from crm_core.scope import (
    MIN_GROUP_CUSTOMERS,
    Scope,
    filter_rows,
    lifecycle_by,
    parse_where,
    rfm_by,
    summarize_by,
    value_matrix_by,
)
from crm_core.summarize import summarize
from crm_core.value_matrix import Split, value_matrix

AS_OF = dt.date(2025, 1, 1)


@pytest.fixture(scope="module")
def tx(demo_result):
    t = demo_result.transactions.copy()
    # a customer who buys in two stores is a customer of each; a store with 3 customers
    extra = pd.DataFrame(
        {
            "customer_id": ["TWO", "TWO", "S1", "S2", "S3"],
            "order_date": pd.to_datetime(["2024-05-01", "2024-06-01", "2024-07-01", "2024-07-02", "2024-07-03"]),
            "amount": [100.0, 250.0, 10.0, 20.0, 30.0],
            "order_id": ["X1", "X2", "X3", "X4", "X5"],
            "region": ["Beijing", "Shanghai", "Tiny", "Tiny", "Tiny"],
        }
    )
    return pd.concat([t, extra], ignore_index=True)


def per_group(t: pd.DataFrame, by: str, analyse) -> dict[str, pd.DataFrame]:
    """The independent computation: each group's rows alone, summarised, then analysed."""
    return {
        value: analyse(summarize(rows.drop(columns=by), AS_OF)).set_index("customer_id")
        for value, rows in t.groupby(t[by].astype("string").fillna(""))  # no value: a group of its own
    }


def test_summarize_by_is_each_groups_own_summary(tx):
    got = summarize_by(tx, "region", AS_OF)
    expected = per_group(tx, "region", lambda c: c)
    assert list(got.columns[:2]) == ["region", "customer_id"]
    assert len(got) == sum(len(e) for e in expected.values())  # a customer of two regions counted in each
    assert (got["customer_id"] == "TWO").sum() == 2
    for value, part in got.groupby("region"):
        e = expected[value]
        pd.testing.assert_frame_equal(
            part.drop(columns="region").set_index("customer_id"), e, check_exact=False, rtol=1e-9, check_dtype=False
        )
    assert got["monetary"].sum() == pytest.approx(tx["amount"].sum())  # revenue in = revenue across groups
    assert got["region"].astype(str).is_monotonic_increasing  # sorted by group, then id within each
    assert all(part["customer_id"].is_monotonic_increasing for _, part in got.groupby("region", observed=True))
    loose = summarize_by(tx, "region", AS_OF, sort_ids=False)  # the page's: by group only
    assert loose["region"].astype(str).is_monotonic_increasing
    resorted = loose.sort_values(["region", "customer_id"], ignore_index=True)
    pd.testing.assert_frame_equal(resorted, got.reset_index(drop=True))


@pytest.mark.parametrize(
    "params",
    [
        RfmParams(),
        RfmParams(split_method="median", bins=3),
        RfmParams(split_method="percentile", split_percentile=30.0),
        RfmParams(split_method="score_mean", bins=4),
        RfmParams(score_method="threshold"),
        RfmParams(split_method="value", r_split=100.0, f_split=3.0, m_split=1000.0),
    ],
)
def test_rfm_within_groups_uses_each_groups_own_splits(tx, params):
    got, groups = rfm_by(summarize_by(tx, "region", AS_OF), "region", params, "cn8")
    expected = per_group(tx, "region", lambda c: rfm(c, params, "cn8"))
    for value, part in got.groupby("region"):
        e = expected[value]
        p = part.set_index("customer_id")
        assert (p["segment"] == e.loc[p.index, "segment"]).all(), value
        assert (p[["r_score", "f_score", "m_score"]] == e.loc[p.index, ["r_score", "f_score", "m_score"]]).all().all()
    two = got[got["customer_id"] == "TWO"].set_index("region")
    assert two.loc["Beijing", "monetary"] == 100.0 and two.loc["Shanghai", "monetary"] == 250.0
    by_value = {g.value: g for g in groups}
    assert by_value["Tiny"].too_small and by_value["Tiny"].customers == 3
    assert not by_value["Zhejiang"].too_small and by_value["Zhejiang"].customers >= MIN_GROUP_CUSTOMERS
    for region in ("Tiny", "Zhejiang"):  # each group's own lines, as rfm computes them on it alone
        own = summarize(tx[tx["region"] == region], AS_OF)
        assert by_value[region].splits == pytest.approx(splits(prepare(own, params), params), rel=1e-9)
    assert sum(g.customers for g in groups) == len(got)  # customers in = customers in the groups


def test_value_matrix_within_groups(tx):
    got, groups = value_matrix_by(summarize_by(tx, "channel", AS_OF), "channel", Split("median"), Split("median"))
    expected = per_group(tx, "channel", lambda c: value_matrix(c, Split("median"), Split("median")))
    for value, part in got.groupby("channel"):
        assert (part.set_index("customer_id")["value_type"] == expected[value]["value_type"]).all(), value
    assert [g.value for g in groups] == sorted(expected) and sum(g.customers for g in groups) == len(got)
    app = next(g for g in groups if g.value == "app")
    medians = summarize(tx[tx["channel"] == "app"].drop(columns="channel"), AS_OF)
    assert app.splits == pytest.approx({"f": medians["frequency"].median(), "s": medians["avg_spend"].median()})


def test_lifecycle_within_groups_values_and_lines_are_each_groups(tx):
    from crm_core.lifecycle import StageRules, stages

    wallet = tx.assign(wallet=tx["customer_id"].map(lambda c: 20_000.0 if c == "TWO" else 5_000.0))
    got = lifecycle_by(summarize(tx, AS_OF), wallet, "region", AS_OF, "wallet:wallet", Split("median"), Split(),
                       stage_rules=StageRules())  # fmt: skip
    spend = tx.groupby([tx["region"], tx["customer_id"]])["amount"].sum()  # net spend per region and customer
    f = got.frame.set_index(["region", "customer_id"])
    assert len(f) == len(spend) and f["current_value"].to_numpy() == pytest.approx(spend.loc[f.index].to_numpy())
    assert f.loc[("Beijing", "TWO"), "current_value"] == 100.0 and f.loc[("Shanghai", "TWO"), "current_value"] == 250.0
    assert f.loc[("Shanghai", "TWO"), "potential"] == 20_000.0 - 250.0  # the wallet less the spend in that group
    for region, part in got.frame.groupby("region"):  # each group's own lines: the median value, the mean potential
        v, p = part["current_value"].to_numpy(), part["potential"].to_numpy()
        expected = 1 + (p >= p.mean()) + 2 * (v >= np.median(v))
        assert (part["cell"].to_numpy() == expected).all(), region
        own = summarize(tx[tx["region"] == region].drop(columns="region"), AS_OF).set_index("customer_id")
        st = stages(own.reset_index(), tx[tx["region"] == region], AS_OF).set_index("customer_id")["stage"]
        assert (part.set_index("customer_id")["stage"] == st.loc[part["customer_id"]].to_numpy()).all(), region
    groups = {g.value: g for g in got.groups}
    assert groups["Tiny"].too_small and groups["Tiny"].splits["v"] == 20.0  # the median of 10, 20, 30
    assert sum(g.customers for g in got.groups) == len(got.frame)
    assert got.frame["monetary"].sum() == pytest.approx(tx["amount"].sum())  # revenue in = across groups


def test_lifecycle_within_groups_potential_model_on_pairs(tx):
    from crm_core.potential import predict

    got = lifecycle_by(summarize(tx, AS_OF), tx, "channel", AS_OF, "model")
    # the same model on keys made here: (channel, customer) as one id
    keyed = tx.assign(customer_id=tx["channel"].fillna("") + "/" + tx["customer_id"])  # no channel: a group too
    expected = predict(keyed, AS_OF)
    assert got.holdout == expected.holdout
    mine = got.frame["channel"].astype(str) + "/" + got.frame["customer_id"].astype(str)
    assert got.frame["potential"].to_numpy() == pytest.approx(expected.predicted.reindex(mine).fillna(0.0).to_numpy())
    profit = lifecycle_by(summarize(tx, AS_OF), tx, "channel", AS_OF, "model", profit=True)
    gross = (
        (tx["amount"] - pd.to_numeric(tx["cost"]).fillna(0.0))
        .groupby([tx["channel"].fillna(""), tx["customer_id"]])
        .sum()
    )
    idx = pd.MultiIndex.from_frame(profit.frame[["channel", "customer_id"]])
    assert profit.frame["current_value"].to_numpy() == pytest.approx(gross.loc[idx].to_numpy())


def test_missing_group_values_form_their_own_group(tx):
    t = tx.copy()
    t.loc[t.index[:50], "region"] = None
    got = summarize_by(t, "region", AS_OF)
    assert "" in set(got["region"])
    assert got["monetary"].sum() == pytest.approx(t["amount"].sum())  # no row lost
    with pytest.raises(CrmError):
        summarize_by(t, "no_such_column", AS_OF)
    with pytest.raises(CrmError) as err:
        summarize_by(t, "order_id", AS_OF)  # an id is not a dimension
    assert err.value.key == "error.too_many_groups"


def test_filters_add_up_and_days_are_inclusive(tx):
    scope = Scope(dt.date(2024, 3, 1), dt.date(2024, 3, 31), (parse_where("region = Shanghai, Beijing"),), ("C00005",))
    f = filter_rows(tx, scope)
    day = tx["order_date"].dt.normalize()
    in_dates = (day >= "2024-03-01") & (day <= "2024-03-31")
    in_region = tx["region"].isin(["Shanghai", "Beijing"])
    expected = tx[in_dates & in_region & (tx["customer_id"] != "C00005")]
    assert f.rows_kept == len(expected) and set(f.transactions.index) == set(expected.index)
    assert f.rows_in == f.rows_kept + f.outside_dates + f.other_values["region"] + f.excluded
    assert f.outside_dates == int((~in_dates).sum())
    assert f.transactions["order_date"].dt.normalize().max() == pd.Timestamp("2024-03-31")  # the last day counts
    assert scope.label() == "2024-03-01..2024-03-31 region=Shanghai,Beijing excluding 1 customers"
    for bad in ("region", "=x", "region=", "region=,"):
        with pytest.raises(CrmError) as err:
            parse_where(bad)
        assert err.value.key == "error.where"


def test_cli_by_where_from_to(tmp_path):
    import subprocess
    import sys

    src = ROOT / "data/demo_transactions.csv"

    def run(*args):
        return subprocess.run([sys.executable, "-m", "crm_core", *map(str, args)], cwd=ROOT, capture_output=True,
                              text=True, timeout=300)  # fmt: skip

    out = tmp_path / "rfm.csv"
    res = run("rfm", src, "--by", "channel", "--where", "region=Shanghai", "--from", "2024-01-01", "--to",
              "2024-06-30", "--out", out)  # fmt: skip
    assert res.returncode == 0, res.stderr
    got = pd.read_csv(out, dtype={"customer_id": str})
    assert list(got.columns[:2]) == ["channel", "customer_id"]
    t = pd.read_csv(src, parse_dates=["order_date"])
    day = t["order_date"].dt.normalize()
    rows = t[(t["region"] == "Shanghai") & (day >= "2024-01-01") & (day <= "2024-06-30")]
    for channel, part in rows.groupby("channel"):
        customers = summarize(part[["customer_id", "order_date", "amount", "order_id"]], dt.date(2024, 7, 1))
        expected = rfm(customers, RfmParams(), "cn8").set_index("customer_id")["segment"]
        mine = got[got["channel"] == channel].set_index("customer_id")["segment"]
        assert mine.sort_index().equals(expected.sort_index()), channel
    assert "rows kept" in res.stderr and "groups by channel" in res.stderr
    bad = run("rfm", src, "--where", "region", "--out", out)
    assert bad.returncode == 2 and "COLUMN=VALUE" in bad.stderr
    empty = run("value-matrix", src, "--where", "region=Atlantis", "--out", out)
    assert empty.returncode == 2 and "No rows are left" in empty.stderr
    lc = tmp_path / "lc.csv"
    res = run("lifecycle", src, "--by", "channel", "--potential", "monetary", "--out", lc)
    assert res.returncode == 0, res.stderr
    grid = pd.read_csv(lc)
    assert list(grid.columns[:2]) == ["channel", "customer_id"] and set(grid["cell"]) <= {1, 2, 3, 4}
    for channel, part in grid.groupby("channel"):  # each channel's own lines: its means
        v = part["current_value"].to_numpy()
        assert ((part["cell"] >= 3) == (v >= v.mean())).all(), channel


def test_a_customer_table_is_filtered_and_grouped_by_its_own_columns(tmp_path):
    import subprocess
    import sys

    src = tmp_path / "customers.csv"
    rng = np.random.default_rng(3)
    n = 60
    pd.DataFrame(
        {
            "customer_id": [f"K{i:03d}" for i in range(n)],
            "recency_days": rng.integers(1, 300, n),
            "frequency": rng.integers(1, 20, n),
            "monetary": np.round(rng.lognormal(6, 1, n), 2),
            "city": rng.choice(["杭州", "宁波"], n),
        }
    ).to_csv(src, index=False)
    out = tmp_path / "o.csv"
    res = subprocess.run([sys.executable, "-m", "crm_core", "rfm", str(src), "--kind", "customers", "--by", "city",
                          "--out", str(out)], cwd=ROOT, capture_output=True, text=True, timeout=300)  # fmt: skip
    assert res.returncode == 0, res.stderr
    got = pd.read_csv(out)
    assert set(got["city"]) == {"杭州", "宁波"} and len(got) == n
    args = ["rfm", str(src), "--kind", "customers", "--from", "2024-01-01", "--out", str(out)]
    res = subprocess.run(
        [sys.executable, "-m", "crm_core", *args], cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert res.returncode == 2  # dates need dated rows
