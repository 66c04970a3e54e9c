"""AppTest: the lifetime-value page, each view in both languages, and CLV beside the segment tables."""

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from conftest import open_app

from crm_core import clv

VIEWS = ["customers", "segments", "risk", "heatmap", "check", "model"]


@pytest.fixture(scope="module")
def demo_scores(demo_result):
    result = demo_result
    fitted = clv.fit(result.transactions, result.report.as_of, "week")
    return result, fitted, clv.score(fitted, 365, 0.01)


def metrics(at):
    return {m.label: m.value for m in at.metric}


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("view", VIEWS)
def test_each_view_opens(view, lang):
    at = open_app("pages/clv.py", lang=lang, clv_view=view)
    assert at.title[0].value == {"zh": "客户终身价值", "en": "Lifetime value"}[lang]
    assert at.dataframe or at.get("plotly_chart"), view


def test_headline_figures_match_the_model(demo_scores):
    _, _, scores = demo_scores
    at = open_app("pages/clv.py", lang="en")
    m = metrics(at)
    assert m["Customers"] == f"{len(scores):,}"
    assert m["Customers at risk"] == f"{int((scores['p_alive'] < 0.5).sum()):,}"
    assert m["Average P(alive)"] == f"{100 * scores['p_alive'].mean():.1f}%"


def test_at_risk_list_follows_its_rule(demo_scores):
    result, fitted, scores = demo_scores
    at = open_app("pages/clv.py", lang="en", clv_view="risk", clv_top="30", clv_risk="0.6")
    shown = at.dataframe[0].value
    history = result.customers.set_index("customer_id")["monetary"].reindex(scores["customer_id"]).to_numpy()
    cut = np.percentile(history, 70)
    before = clv.p_alive_at(fitted, result.transactions, result.report.as_of - dt.timedelta(days=90))
    falling = scores["p_alive"].to_numpy() < before.reindex(scores["customer_id"]).to_numpy()  # NaN: not falling
    expected = scores[(history >= cut) & (scores["p_alive"].to_numpy() < 0.6) & falling]
    assert metrics(at)["Valuable customers at risk"] == f"{len(expected):,}"
    expected = expected.assign(h=history[expected.index]).sort_values("h", ascending=False, kind="stable")
    assert set(shown["customer_id"]) == set(expected["customer_id"].head(500))
    assert shown["history_value"].is_monotonic_decreasing
    assert shown["action"].str.len().gt(0).all()
    from crm_core.i18n import t

    assert any(e.label == t("camp.title", "en") for e in at.expander)  # a campaign on the at-risk list


def test_segment_view_adds_up(demo_scores):
    _, _, scores = demo_scores
    at = open_app("pages/clv.py", lang="zh", clv_view="segments")
    table = at.dataframe[0].value
    assert table["customers"].sum() == len(scores)
    assert table["clv_total"].sum() == pytest.approx(scores["clv"].sum(), rel=1e-6)


def test_horizon_change_rescores(demo_scores):
    _, fitted, _ = demo_scores
    at = open_app("pages/clv.py", lang="en", clv_horizon="90", clv_discount="0")
    expected = clv.score(fitted, 90, 0.0)["clv"].sum()
    shown = float(metrics(at)["Expected value (horizon)"].replace(",", "").lstrip("¥$"))
    assert shown == pytest.approx(expected, rel=1e-6)  # parallel float sums: fits agree to ~1e-7


def _groups(result, page):
    """Each customer's group on ``page`` at its default settings, computed here."""
    from crm_core.rfm import rfm
    from crm_core.value_matrix import value_matrix

    c = result.customers
    if page == "pages/rfm.py":
        return rfm(c, scheme="cn8").set_index("customer_id")["segment"]
    return value_matrix(c).set_index("customer_id")["value_type"]


@pytest.mark.parametrize("page", ["pages/rfm.py", "pages/value_matrix.py"])
def test_segment_tables_carry_clv_row_by_row(page, demo_scores):
    result, _, scores = demo_scores
    at = open_app(page, lang="en")
    table = next(d.value for d in at.dataframe if "customers" in d.value.columns)
    key = "segment" if page == "pages/rfm.py" else "value_type"
    by_group = scores.assign(group=_groups(result, page).reindex(scores["customer_id"]).to_numpy())
    expected = by_group.groupby("group").agg(total=("clv", "sum"), alive=("p_alive", "mean"), n=("clv", "size"))
    got = table.set_index(key if key in table.columns else "segment")
    for group, row in expected.iterrows():
        assert got.loc[group, "customers"] == row["n"]
        assert got.loc[group, "clv_total"] == pytest.approx(row["total"], rel=1e-6)
        assert got.loc[group, "avg_clv"] == pytest.approx(row["total"] / row["n"], rel=1e-6)
        assert got.loc[group, "pct_alive"] == pytest.approx(100 * row["alive"], rel=1e-6)
    off = open_app(page, lang="en", clv_cols="false").dataframe
    assert not any("clv_total" in d.value.columns for d in off)


def test_lifecycle_table_carries_clv(demo_scores):
    _, _, scores = demo_scores
    at = open_app("pages/lifecycle.py", lang="en")
    table = next(d.value for d in at.dataframe if "cell" in d.value.columns)
    assert table["clv_total"].sum() == pytest.approx(scores["clv"].sum(), rel=1e-6)
    assert table["customers"].sum() == len(scores)


def test_clv_settings_follow_the_user_to_other_pages(demo_scores):
    _, fitted, _ = demo_scores
    at = open_app("pages/clv.py", lang="en", clv_horizon="90", clv_discount="0")
    at.switch_page("pages/rfm.py").run()
    at.run()  # a second run on the page: the CLV page's widgets are gone by now
    assert not at.exception
    table = next(d.value for d in at.dataframe if "clv_total" in d.value.columns)
    expected = clv.score(fitted, 90, 0.0)["clv"].sum()
    assert table["clv_total"].sum() == pytest.approx(expected, rel=1e-6)
    assert at.query_params["clv_horizon"] == ["90"] or at.query_params["clv_horizon"] == "90"


def test_customer_table_upload_says_clv_needs_transactions():
    from conftest import uploaded

    at = open_app("pages/data.py", lang="en")
    table = pd.DataFrame({"customer_id": ["a", "b"], "recency_days": [3, 40], "frequency": [2, 1], "monetary": [50, 9]})
    at = uploaded(at, "customers.csv", table.to_csv(index=False).encode())
    at.switch_page("pages/clv.py").run()
    assert not at.exception
    assert any("dated transactions" in i.value for i in at.info)


def test_lifecycle_clv_potential_and_the_holdout_comparison(demo_scores):
    from crm_core.potential import clv_holdout, predict

    result, _, scores = demo_scores
    at = open_app("pages/lifecycle.py", lang="en", lc_potential="clv")
    comparison = next(d.value for d in at.dataframe if "mae" in d.value.columns)
    pot = predict(result.transactions, result.report.as_of)
    h = pot.holdout
    c = clv_holdout(result.transactions, h)
    maes = {"Time-split model": h["model_mae"], "Lifetime-value model": c["clv_mae"], "Naive": h["naive_mae"]}
    assert comparison["mae"].tolist() == pytest.approx(list(maes.values()), rel=1e-6)
    best = min(maes, key=maes.get)
    assert any(best in cap.value for cap in at.caption)
    grid = next(d.value for d in at.dataframe if "avg_potential" in d.value.columns)
    # the potential is each customer's predicted CLV: its average over all cells is the CLV mean
    total = (grid["avg_potential"].fillna(0) * grid["customers"]).sum()
    assert total == pytest.approx(scores["clv"].sum(), rel=1e-6)
