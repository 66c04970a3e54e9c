"""CLV: the published CDNOW estimates, the BTYD conventions, and the formulas checked against
their textbook forms computed here."""

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from conftest import ROOT
from scipy import special

from bench.btyd_sim import CDNOW_DAYS, CDNOW_SPEND, simulate
from crm_core import clv
from crm_core.errors import CrmError

CUT = dt.date(1997, 9, 30)
END = dt.date(1998, 6, 30)  # 39 weeks after the calibration period


@pytest.fixture(scope="module")
def cdnow() -> pd.DataFrame:
    raw = pd.read_csv(
        ROOT / "data" / "CDNOW_sample.txt",
        sep=r"\s+",
        header=None,
        names=["orig", "id", "date", "cds", "value"],
        dtype={"orig": str, "id": str, "date": str},
    )
    return pd.DataFrame(
        {
            "customer_id": raw["id"],
            "order_date": pd.to_datetime(raw["date"], format="%Y%m%d"),
            "amount": raw["value"],
        }
    )


@pytest.fixture(scope="module")
def cdnow_fit(cdnow):
    summary = clv.rfm_summary(cdnow, CUT, "week", zero_is_purchase=True)
    return summary, clv.fit_bgnbd(summary), clv.fit_gamma_gamma(summary)


def within(got: float, published: float, pct: float = 1.0) -> bool:
    return abs(got - published) <= abs(published) * pct / 100


def test_cdnow_bgnbd_matches_published(cdnow_fit):
    summary, bg, _ = cdnow_fit
    assert len(summary) == 2357
    published = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}
    for name, value in published.items():
        assert within(getattr(bg, name), value), (name, getattr(bg, name), value)
    assert within(bg.loglik, -9582.4, 0.01)
    assert bg.converged


def test_cdnow_gamma_gamma_matches_published(cdnow_fit):
    summary, _, gg = cdnow_fit
    assert gg.customers == int((summary["frequency"] > 0).sum()) == 946
    for name, value in {"p": 6.25, "q": 3.74, "gamma": 15.44}.items():
        assert within(getattr(gg, name), value), (name, getattr(gg, name), value)


def test_cdnow_inputs_computed_independently(cdnow, cdnow_fit):
    summary = cdnow_fit[0].set_index("customer_id")
    cal = cdnow[cdnow["order_date"] <= pd.Timestamp(CUT)]
    days = cal.groupby(["customer_id", "order_date"])["amount"].sum().reset_index()  # same day once
    g = days.groupby("customer_id")
    first, last = g["order_date"].min(), g["order_date"].max()
    expected_freq = g.size() - 1
    assert (summary["frequency"] == expected_freq.reindex(summary.index)).all()
    np.testing.assert_allclose(summary["recency"], ((last - first).dt.days / 7).reindex(summary.index))
    np.testing.assert_allclose(summary["T"], ((pd.Timestamp(CUT) - first).dt.days / 7).reindex(summary.index))
    first_spend = days.sort_values("order_date").groupby("customer_id")["amount"].first()
    repeat_avg = ((g["amount"].sum() - first_spend) / expected_freq.replace(0, np.nan)).fillna(0)
    np.testing.assert_allclose(summary["monetary_value"], repeat_avg.reindex(summary.index))


def test_cdnow_holdout_39_weeks(cdnow):
    check = clv.calibration_check(cdnow, CUT, END, "week", zero_is_purchase=True)
    hold = cdnow[(cdnow["order_date"] > pd.Timestamp(CUT)) & (cdnow["order_date"] <= pd.Timestamp(END))]
    actual = hold.groupby("customer_id")["order_date"].nunique().sum()
    assert check["actual"] == actual
    assert check["horizon"] == 39
    assert check["by_frequency"]["customers"].sum() == 2357
    # BG/NBD tracks CDNOW's holdout closely (the literature's well-known result): within 15 %
    assert abs(check["predicted"] - actual) / actual < 0.15
    table = check["by_frequency"].set_index("frequency")
    # more calibration purchases → more holdout purchases, in the forecast and in the data
    assert table["predicted"].is_monotonic_increasing and table.loc["7+", "actual"] > table.loc["0", "actual"]


def textbook_expected(bg, t, x, t_x, T):
    """FHL 2005 eq. 10 as printed (overflows for frequent buyers; fine for small x)."""
    r, al, a, b = bg.r, bg.alpha, bg.a, bg.b
    hyp = special.hyp2f1(r + x, b + x, a + b + x - 1, t / (al + T + t))
    top = (a + b + x - 1) / (a - 1) * (1 - ((al + T) / (al + T + t)) ** (r + x) * hyp)
    return top / (1 + (x > 0) * a / np.maximum(b + x - 1, 1e-12) * ((al + T) / (al + t_x)) ** (r + x))


def test_expected_purchases_matches_textbook_and_stays_finite(cdnow_fit):
    _, bg, _ = cdnow_fit
    x = np.array([0, 0, 1, 2, 5, 10, 20])
    t_x = np.array([0, 0, 3.0, 10.0, 20.0, 30.0, 35.0])
    T = np.array([10.0, 38.0, 20.0, 30.0, 38.0, 38.0, 38.0])
    for t in (1.0, 39.0, 52.0):
        np.testing.assert_allclose(clv.expected_purchases(bg, t, x, t_x, T), textbook_expected(bg, t, x, t_x, T))
    many = clv.expected_purchases(bg, 52.0, np.array([300.0]), np.array([77.0]), np.array([78.0]))
    assert np.isfinite(many).all() and 100 < many[0] < 300  # ~ 300 purchases in 78 weeks → ~ 200 in 52


def test_p_alive_formula_and_one_time_buyers(cdnow_fit):
    _, bg, _ = cdnow_fit
    x, t_x, T = np.array([0, 1, 4, 4]), np.array([0.0, 5.0, 30.0, 5.0]), np.array([30.0, 30.0, 30.0, 30.0])
    got = clv.p_alive(bg, x, t_x, T)
    ratio = bg.a / (bg.b + x - 1) * ((bg.alpha + T) / (bg.alpha + t_x)) ** (bg.r + x)
    expected = np.where(x > 0, 1 / (1 + ratio), 1.0)
    np.testing.assert_allclose(got, expected)
    assert got[0] == 1.0  # never came back: no sign of leaving yet
    assert got[2] > got[3]  # same purchases, silent for longer → less likely alive


def test_gamma_gamma_expected_spend(cdnow_fit):
    _, _, gg = cdnow_fit
    x, m = np.array([0, 1, 10]), np.array([0.0, 20.0, 20.0])
    got = clv.expected_avg_spend(gg, x, m)
    pop = gg.p * gg.gamma / (gg.q - 1)
    w = (gg.q - 1) / (gg.p * x + gg.q - 1)  # weight of the population mean
    np.testing.assert_allclose(got[1:], (w * pop + (1 - w) * m)[1:])
    assert got[0] == pytest.approx(pop)
    assert abs(got[2] - 20) < abs(got[1] - 20)  # more purchases → nearer their own average


def test_clv_sum_discount_and_margin(cdnow_fit):
    summary, bg, gg = cdnow_fit
    fitted = clv.Fitted(summary, bg, gg, CUT)
    one_month = clv.score(fitted, horizon_days=30, discount=0.0)
    np.testing.assert_allclose(
        one_month["clv"], one_month["expected_purchases"] * one_month["expected_avg_spend"], rtol=1e-12
    )
    year = clv.score(fitted, horizon_days=365, discount=0.0)
    discounted = clv.score(fitted, horizon_days=365, discount=0.02, margin=0.3)
    assert (year["clv"] >= one_month["clv"] - 1e-9).all()
    undiscounted_profit = year["clv"] * 0.3
    assert (discounted["clv"] < undiscounted_profit + 1e-9).all()
    # month by month by hand for one customer
    i = int(np.argmax(summary["frequency"].to_numpy()))
    row = summary.iloc[i]
    steps = [min(k * 30, 365) / 7 for k in range(1, 14)]
    e = [0.0] + [float(textbook_expected(bg, s, row["frequency"], row["recency"], row["T"])) for s in steps]
    by_hand = sum((e[k] - e[k - 1]) / 1.02**k for k in range(1, 14)) * discounted["expected_avg_spend"][i] * 0.3
    assert discounted["clv"][i] == pytest.approx(by_hand, rel=1e-6)


def tx(rows):
    frame = pd.DataFrame(rows, columns=["customer_id", "order_date", "amount"])
    frame["order_date"] = pd.to_datetime(frame["order_date"], format="mixed")
    return frame


def test_conventions_on_hand_made_rows():
    rows = [
        ("a", "2024-01-01 09:00", 10.0),
        ("a", "2024-01-01 18:00", 5.0),  # same day: one purchase of 15
        ("a", "2024-01-15", 30.0),
        ("a", "2024-01-20", -30.0),  # a return: not a purchase, not subtracted from spend
        ("a", "2024-01-29", 50.0),  # on the analysis date itself: counts
        ("b", "2024-01-08", 40.0),  # one purchase
        ("c", "2024-01-02", -5.0),  # only a return: no purchase, not a customer here
        ("d", "2024-01-03", 20.0),
        ("d", "2024-02-05", 20.0),  # after the analysis date: left out
    ]
    got = clv.rfm_summary(tx(rows), dt.date(2024, 1, 29), "day").set_index("customer_id")
    assert list(got.index) == ["a", "b", "d"]
    assert got.loc["a", "frequency"] == 2 and got.loc["a", "recency"] == 28 and got.loc["a", "T"] == 28
    assert got.loc["a", "monetary_value"] == 40.0  # (30 + 50) / 2, the first day excluded
    assert got.loc["b", "frequency"] == 0 and got.loc["b", "recency"] == 0 and got.loc["b", "T"] == 21
    assert got.loc["b", "monetary_value"] == 0.0
    assert got.loc["d", "frequency"] == 0 and got.loc["d", "T"] == 26
    weeks = clv.rfm_summary(tx(rows), dt.date(2024, 1, 29), "week").set_index("customer_id")
    np.testing.assert_allclose(weeks["T"], got["T"] / 7)


def test_recovers_simulated_parameters():
    data = simulate(20_000, seed=3)
    summary = clv.rfm_summary(data, dt.date(2025, 6, 29), "day")
    bg, gg = clv.fit_bgnbd(summary, "day"), clv.fit_gamma_gamma(summary)
    # merging same-day purchases and whole days bias the estimates a little: 15 %
    for name, value in CDNOW_DAYS.items():
        assert within(getattr(bg, name), value, 15), (name, getattr(bg, name), value)
    for name, value in CDNOW_SPEND.items():
        assert within(getattr(gg, name), value, 15), (name, getattr(gg, name), value)


def test_fit_on_distinct_rows_equals_fit_on_all(cdnow_fit):
    summary, bg, _ = cdnow_fit
    x, t_x, T = (summary[c].to_numpy(float) for c in ("frequency", "recency", "T"))
    full = clv.bgnbd_loglik((bg.r, bg.alpha, bg.a, bg.b), x, t_x, T).sum()
    assert full == pytest.approx(bg.loglik, rel=1e-9)


def test_score_rows_follow_the_summary(cdnow_fit):
    summary, bg, gg = cdnow_fit
    scored = clv.score(clv.Fitted(summary, bg, gg, CUT))
    assert list(scored["customer_id"]) == list(summary["customer_id"])
    direct = clv.p_alive(bg, *(summary[c].to_numpy(float) for c in ("frequency", "recency", "T")))
    np.testing.assert_allclose(scored["p_alive"], direct)
    assert scored[clv.SCORE_COLUMNS].notna().all().all()


def test_too_little_data_is_a_clear_error():
    few = tx([("a", "2024-01-01", 10.0), ("a", "2024-01-05", 10.0)])
    with pytest.raises(CrmError) as err:
        clv.fit(few, dt.date(2024, 2, 1))
    assert err.value.key == "clv.too_few"
    once = tx([(f"c{i}", "2024-01-01", 10.0) for i in range(50)])
    with pytest.raises(CrmError) as err:
        clv.fit(once, dt.date(2024, 2, 1))
    assert err.value.key == "clv.no_repeat"


def test_p_alive_grid_shape(cdnow_fit):
    _, bg, _ = cdnow_fit
    grid = clv.p_alive_grid(bg, 10, 38.0, steps=5)
    assert grid.shape == (11, 5)
    assert (grid.iloc[0] == 1).all()
    # at the same silence (recency 0), a frequent buyer is less likely alive than an occasional one
    assert grid.iloc[10, 0] < grid.iloc[1, 0]


def test_clv_holdout_is_scored_on_the_same_window_and_customers():
    from crm_core.potential import clv_holdout

    data = simulate(3_000, days=400, seed=5)
    data["amount"] = data["amount"].where(np.arange(len(data)) % 17 != 0, -data["amount"] / 2)  # some returns
    h = {"holdout_cutoff": "2024-11-01", "window_days": 60}
    got = clv_holdout(data, h, "week")
    cut = pd.Timestamp("2024-11-01")
    before = data[data["order_date"] < cut]
    bought = before.loc[before["amount"] > 0, "customer_id"].unique()
    window = data[(data["order_date"] >= cut) & (data["order_date"] < cut + pd.Timedelta(days=60))]
    actual = window.groupby("customer_id")["amount"].sum().reindex(bought).fillna(0)
    fitted = clv.fit(before, (cut - pd.Timedelta(days=1)).date(), "week")
    s = clv.score(fitted, 60, 0.0).set_index("customer_id")
    forecast = (s["expected_purchases"] * s["expected_avg_spend"]).reindex(bought)
    assert got["clv_mae"] == pytest.approx(float(np.mean(np.abs(actual.to_numpy() - forecast.to_numpy()))))
    assert got["clv_total"] == pytest.approx(float(forecast.sum()))


def test_analytic_gradients_match_finite_differences(cdnow_fit):
    from scipy.optimize import approx_fprime

    summary, _, _ = cdnow_fit
    x, t_x, T, m = (summary[c].to_numpy(float) for c in ("frequency", "recency", "T", "monetary_value"))
    for params in ((0.3, 5.0, 0.8, 2.5), (1.2, 0.7, 2.0, 0.9)):
        got = clv.bgnbd_gradient(params, x, t_x, T).sum(axis=1)
        numeric = approx_fprime(np.array(params), lambda p: clv.bgnbd_loglik(p, x, t_x, T).sum(), 1e-6)
        np.testing.assert_allclose(got, numeric, rtol=1e-4, atol=1e-3)
    rep = x > 0
    for params in ((6.0, 3.5, 15.0), (2.0, 1.5, 40.0)):
        got = clv.gamma_gamma_gradient(params, x[rep], m[rep]).sum(axis=1)
        numeric = approx_fprime(np.array(params), lambda p: clv.gamma_gamma_loglik(p, x[rep], m[rep]).sum(), 1e-6)
        np.testing.assert_allclose(got, numeric, rtol=1e-4, atol=1e-3)


def test_quadrature_agrees_with_the_closed_form(cdnow_fit):
    # the closed form (hypergeometric) and the definition integrated over the dropout
    # probability are two independent routes to the same expectation
    _, bg, _ = cdnow_fit
    x = np.array([0.0, 1, 2, 5, 12, 25])
    t_x = np.array([0.0, 3, 10, 20, 30, 37])
    T = np.array([20.0, 30, 30, 38, 38, 38])
    for t in (4.0, 39.0, 104.0):
        np.testing.assert_allclose(
            clv._expected_by_quadrature(bg, t, x, t_x, T), clv.expected_purchases(bg, t, x, t_x, T), rtol=1e-6
        )


def test_almost_no_dropout_still_gives_finite_forecasts():
    # loyal customers: the fitted a and b run very large and the hypergeometric term fails
    data = simulate(300, days=200, seed=1, bg={"r": 1.5, "alpha": 10.0, "a": 0.05, "b": 20.0})
    fitted = clv.fit(data, dt.date(2024, 7, 19), "week")
    scored = clv.score(fitted)
    assert np.isfinite(scored[clv.SCORE_COLUMNS].to_numpy()).all()
    # bounded by the forecast without any dropout: P(alive) × posterior rate × 52 weeks
    bg = fitted.bgnbd
    rate = (bg.r + scored["frequency"]) / (bg.alpha + scored["T"])
    ceiling = scored["p_alive"] * rate * 365 / 7
    assert (scored["expected_purchases"] <= ceiling * (1 + 1e-9)).all()
    assert (scored["expected_purchases"] > 0.5 * ceiling).all()  # dropout per purchase is small


def test_heavy_tailed_spend_keeps_the_population_mean_finite():
    rng = np.random.default_rng(4)
    data = simulate(2_000, seed=4)
    data["amount"] = np.round(np.exp(rng.normal(2.0, 3.0, len(data))), 2) + 0.01  # σ = 3: a few huge orders
    fitted = clv.fit(data, dt.date(2025, 6, 29), "week")
    gg = fitted.gamma_gamma
    assert gg.q >= clv.Q_MIN and np.isfinite(gg.mean_spend)
    scored = clv.score(fitted)
    assert (scored["expected_avg_spend"] > 0).all() and np.isfinite(scored["clv"]).all()
