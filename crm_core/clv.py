"""Customer lifetime value: BG/NBD (purchases, P(alive)) and Gamma-Gamma (spend per purchase).

Conventions of the buy-till-you-die literature (Fader, Hardie & Lee 2005):

* a *purchase period* is a day with at least one purchase row (amount > 0): several purchases
  on one day count once, and the day's spend is their sum (returns are not subtracted: the
  model forecasts purchases);
* ``frequency`` = purchase days − 1 (repeat purchases; the first purchase is excluded),
  ``recency`` = last − first purchase day, ``T`` = analysis date − first purchase day, both in
  the chosen time unit (days, or weeks = days / 7); a purchase on the analysis date counts;
* ``monetary_value`` = the average spend of the repeat purchase days (0 without repeats).

The models are fitted by maximum likelihood with SciPy on the closed-form log-likelihoods
(see docs/clv.md for why not PyMC-Marketing here). Customers with the same (frequency,
recency, T) share one likelihood term, weighted by their count, so a fit on a million
customers evaluates far fewer distinct terms. Fitting and scoring are separate, so changing
the horizon, the discount rate or the risk threshold never refits.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import optimize, special

from crm_core.errors import CrmError

UNITS = {"day": 1.0, "week": 7.0}
MONTH_DAYS = 30.0  # a month step of the discounted CLV sum (the lifetimes/PyMC-Marketing convention)
MIN_CUSTOMERS = 20  # fewer cannot identify four parameters
MIN_REPEAT = 10  # repeat customers the Gamma-Gamma needs
SUMMARY_COLUMNS = ["customer_id", "frequency", "recency", "T", "monetary_value", "first_purchase", "last_purchase"]
SCORE_COLUMNS = ["p_alive", "expected_purchases", "expected_avg_spend", "clv"]
CLI_COLUMNS = ["customer_id", "frequency", "recency", "T", *SCORE_COLUMNS]  # `clv` command, in this order

_DAYS_SQL = """
WITH days AS (
    SELECT customer_id, CAST(order_date AS DATE) AS day, SUM(amount) AS spend
    FROM transactions
    WHERE amount {op} 0 AND CAST(order_date AS DATE) <= ?
    GROUP BY customer_id, day
)
SELECT customer_id, COUNT(*) - 1 AS frequency, MIN(day) AS first_purchase, MAX(day) AS last_purchase,
       SUM(spend) AS spend, arg_min(spend, day) AS first_spend
FROM days
GROUP BY customer_id
"""

_HOLDOUT_SQL = """
SELECT customer_id, COUNT(DISTINCT CAST(order_date AS DATE)) AS purchases, SUM(amount) AS spend
FROM transactions
WHERE amount {op} 0 AND CAST(order_date AS DATE) > ? AND CAST(order_date AS DATE) <= ?
GROUP BY customer_id
"""


def _query(transactions: pd.DataFrame, sql: str, args: list) -> pd.DataFrame:
    """``sql`` over the purchase columns on a cursor of its own."""
    from crm_core.summarize import engine_columns, on_cursor

    return on_cursor(engine_columns(transactions), lambda cur: cur.execute(sql, args).df())


def rfm_summary(
    transactions: pd.DataFrame, as_of: dt.date, unit: str = "week", zero_is_purchase: bool = False
) -> pd.DataFrame:
    """Per-customer BTYD inputs from purchase rows dated on or before ``as_of``.

    A purchase row has amount > 0, as everywhere in the app; ``zero_is_purchase`` also counts
    rows of amount 0 (data sets such as CDNOW record free items as purchases).

    Returns
    -------
    DataFrame sorted by ``customer_id`` with ``customer_id, frequency, recency, T,
    monetary_value, first_purchase, last_purchase`` (recency and T in ``unit``); one row per
    customer with a purchase by ``as_of``.
    """
    if unit not in UNITS:
        raise CrmError("error.param", name="unit", value=unit)
    out = (
        _query(transactions, _DAYS_SQL.format(op=">=" if zero_is_purchase else ">"), [as_of])
        .sort_values("customer_id", kind="stable")
        .reset_index(drop=True)
    )
    first = pd.to_datetime(out["first_purchase"]).astype("datetime64[us]")
    last = pd.to_datetime(out["last_purchase"]).astype("datetime64[us]")
    freq = out["frequency"].to_numpy("int64")
    repeat_spend = out["spend"].to_numpy(float) - out["first_spend"].to_numpy(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        monetary = np.where(freq > 0, repeat_spend / np.maximum(freq, 1), 0.0)
    days = UNITS[unit]
    return pd.DataFrame(
        {
            "customer_id": out["customer_id"].astype("string"),
            "frequency": freq,
            "recency": (last - first).dt.days.to_numpy(float) / days,
            "T": (pd.Timestamp(as_of) - first).dt.days.to_numpy(float) / days,
            "monetary_value": monetary,
            "first_purchase": first,
            "last_purchase": last,
        }
    )


def holdout_purchases(
    transactions: pd.DataFrame, start: dt.date, end: dt.date, zero_is_purchase: bool = False
) -> pd.DataFrame:
    """Purchase days and purchase spend per customer in (``start``, ``end``]: ``customer_id,
    purchases, spend`` (customers without a purchase there are absent)."""
    return _query(transactions, _HOLDOUT_SQL.format(op=">=" if zero_is_purchase else ">"), [start, end])


# --- BG/NBD -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class BgNbd:
    """Fitted BG/NBD: purchase rate ~ Gamma(r, alpha), dropout probability ~ Beta(a, b)."""

    r: float
    alpha: float
    a: float
    b: float
    loglik: float
    customers: int
    unit: str
    converged: bool


def _unique(*columns: np.ndarray) -> tuple[list[np.ndarray], np.ndarray]:
    """The distinct rows of the columns and how many customers share each."""
    frame = pd.DataFrame({i: c for i, c in enumerate(columns)})
    counts = frame.groupby(list(frame.columns), sort=False).size()
    keys = counts.index.to_frame(index=False)
    return [keys[i].to_numpy(float) for i in range(len(columns))], counts.to_numpy(float)


def bgnbd_loglik(params, x, t_x, T) -> np.ndarray:
    """Per-customer BG/NBD log-likelihood (Fader, Hardie & Lee 2005, eq. 6)."""
    r, alpha, a, b = params
    ln_a1 = special.gammaln(r + x) - special.gammaln(r) + r * np.log(alpha)
    ln_a2 = special.betaln(a, b + x) - special.betaln(a, b) - (r + x) * np.log(alpha + T)
    with np.errstate(invalid="ignore", divide="ignore"):
        ln_a3 = special.betaln(a + 1, b + x - 1) - special.betaln(a, b) - (r + x) * np.log(alpha + t_x)
    ln_a3 = np.where(x > 0, ln_a3, -np.inf)
    return ln_a1 + np.logaddexp(ln_a2, ln_a3)


def bgnbd_gradient(params, x, t_x, T) -> np.ndarray:
    """Per-customer gradient of :func:`bgnbd_loglik` by (r, alpha, a, b): shape (4, n)."""
    r, alpha, a, b = params
    ln_a2 = special.betaln(a, b + x) - special.betaln(a, b) - (r + x) * np.log(alpha + T)
    with np.errstate(invalid="ignore", divide="ignore"):
        ln_a3 = special.betaln(a + 1, b + x - 1) - special.betaln(a, b) - (r + x) * np.log(alpha + t_x)
    ln_a3 = np.where(x > 0, ln_a3, -np.inf)
    w2 = np.exp(ln_a2 - np.logaddexp(ln_a2, ln_a3))  # the share of each term in the likelihood
    w3 = 1.0 - w2  # 0 without repeat purchases
    psi = special.digamma
    d_ab, d_abx, d_b = psi(a + b), psi(a + b + x), psi(b)
    repeat_b = psi(np.maximum(b + x - 1, 1e-12))  # only used where x > 0 (w3 = 0 elsewhere)
    return np.stack(
        [
            psi(r + x) - psi(r) + np.log(alpha) - w2 * np.log(alpha + T) - w3 * np.log(alpha + t_x),
            r / alpha - (r + x) * (w2 / (alpha + T) + w3 / (alpha + t_x)),
            d_ab - d_abx + w3 / a,
            w2 * (psi(b + x) - d_abx - d_b + d_ab) + w3 * (repeat_b - d_abx - d_b + d_ab),
        ]
    )


LOG_BOUND = 12.0  # parameters are searched in [e^-12, e^12]


def _fit(
    loglik, gradient, n_params: int, data: tuple, weights: np.ndarray, lower: tuple | None = None
) -> tuple[np.ndarray, float, bool]:
    """Maximise the weighted log-likelihood over log-parameters (all parameters are positive),
    with the analytic gradient (d/d log θ = θ · d/dθ). ``lower`` bounds some parameters from
    below. Converged means the optimiser said so *and* no parameter ran to the edge of its
    search range (a likelihood that keeps rising there means the data cannot pin it down)."""
    total = weights.sum()
    bounds = [
        (-LOG_BOUND if lower is None or lower[i] is None else np.log(lower[i]), LOG_BOUND) for i in range(n_params)
    ]

    def objective(log_params: np.ndarray) -> tuple[float, np.ndarray]:
        params = np.exp(log_params)
        value = -(weights * loglik(params, *data)).sum() / total
        if not np.isfinite(value):
            return 1e10, np.zeros(n_params)
        grad = -(gradient(params, *data) @ weights) * params / total
        return value, grad

    best = None
    for start in (np.zeros(n_params), np.full(n_params, 0.5), np.full(n_params, -0.5)):
        start = np.clip(start, [lo for lo, _ in bounds], None)
        res = optimize.minimize(objective, start, jac=True, method="L-BFGS-B", bounds=bounds)
        if best is None or res.fun < best.fun:
            best = res
        if res.success and res.fun < 1e10:
            break
    at_edge = any(v > hi - 0.1 or v < -LOG_BOUND + 0.1 for v, (_, hi) in zip(best.x, bounds, strict=True))
    ok = bool(best.success) and best.fun < 1e10 and not at_edge
    return np.exp(best.x), float(-best.fun * total), ok


def fit_bgnbd(summary: pd.DataFrame, unit: str = "week") -> BgNbd:
    """BG/NBD fitted by maximum likelihood on ``frequency, recency, T`` of every customer
    (one-purchase customers included: they carry most of the information on dropout)."""
    if len(summary) < MIN_CUSTOMERS:
        raise CrmError("clv.too_few", n=len(summary), need=MIN_CUSTOMERS)
    (x, t_x, T), w = _unique(*(summary[c].to_numpy(float) for c in ("frequency", "recency", "T")))
    if not (x > 0).any():
        raise CrmError("clv.no_repeat")
    values, ll, ok = _fit(bgnbd_loglik, bgnbd_gradient, 4, (x, t_x, T), w)
    r, alpha, a, b = (float(v) for v in values)
    return BgNbd(r, alpha, a, b, ll, len(summary), unit, ok)


def p_alive(model: BgNbd, x, t_x, T) -> np.ndarray:
    """P(still a customer | x repeat purchases, last at t_x, observed for T); 1 without repeats
    (the model's convention: a customer who never came back has shown no sign of leaving)."""
    x, t_x, T = (np.asarray(v, float) for v in (x, t_x, T))
    with np.errstate(invalid="ignore", divide="ignore"):
        log_ratio = (
            np.log(model.a)
            - np.log(model.b + x - 1)
            + (model.r + x) * (np.log(model.alpha + T) - np.log(model.alpha + t_x))
        )
    return np.where(x > 0, special.expit(-log_ratio), 1.0)


def expected_purchases(model: BgNbd, t, x, t_x, T) -> np.ndarray:
    """Expected purchases in the next ``t`` units (Fader, Hardie & Lee 2005, eq. 10).

    The Gauss hypergeometric term is taken after Euler's transformation,
    ``(1-z)^(r+x) 2F1(r+x, b+x; c; z) = (1-z)^(a-1) 2F1(a+b-1-r, a-1; c; z)`` with
    ``c = a+b+x-1``, which stays finite for frequent buyers where the textbook form overflows.
    Where it still is not finite (a fit with almost no dropout: a and b very large), the same
    expectation is integrated numerically (:func:`_expected_by_quadrature`).
    """
    r, alpha, a, b = model.r, model.alpha, model.a, model.b
    a = a if abs(a - 1) > 1e-9 else 1 + 1e-9  # the formula's a − 1 → 0 limit
    x, t_x, T = np.broadcast_arrays(*(np.asarray(v, float) for v in (x, t_x, T)))
    c = a + b + x - 1
    z = t / (alpha + T + t)
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        tail = np.exp((a - 1) * np.log1p(-z)) * special.hyp2f1(a + b - 1 - r, a - 1, c, z)
        odds = np.where(x > 0, a / (b + x - 1) * np.exp((r + x) * (np.log(alpha + T) - np.log(alpha + t_x))), 0.0)
        out = np.asarray((c / (a - 1)) * (1 - tail) / (1 + odds), float)
    bad = ~np.isfinite(out)
    if bad.any():
        out = out.copy()
        out[bad] = _expected_by_quadrature(model, t, x[bad], t_x[bad], T[bad])
    return out


def _expected_by_quadrature(model: BgNbd, t, x, t_x, T) -> np.ndarray:
    """The same expectation from its definition: P(alive) × E[(1 − ((α+T)/(α+T+p·t))^(r+x)) / p]
    over the dropout probability p ~ Beta(a, b+x) (λ integrated out in closed form), by
    Gauss–Jacobi quadrature; a Beta too narrow for it (a + b + x > 300) is taken at its mean."""
    r, alpha, a, b = model.r, model.alpha, model.a, model.b
    x, t_x, T = (np.asarray(v, float) for v in (x, t_x, T))
    alive = p_alive(model, x, t_x, T)
    out = np.empty(len(x))
    for bx in np.unique(b + x):
        rows = (b + x) == bx
        if a + bx > 300:
            p, w = np.array([a / (a + bx)]), np.array([1.0])
        else:
            u, w = special.roots_jacobi(40, bx - 1, a - 1)  # weight (1-u)^(b+x-1) (1+u)^(a-1), p = (1+u)/2
            p, w = (1 + u) / 2, w / w.sum()
        k = (r + x[rows])[:, None]
        base = (alpha + T[rows])[:, None]
        # (1 − (base/(base + p t))^k) / p, written with expm1/log1p so that p → 0 stays exact
        g = -np.expm1(-k * np.log1p(p[None, :] * t / base)) / p[None, :]
        out[rows] = g @ w
    return alive * out


# --- Gamma-Gamma -------------------------------------------------------------------------------


Q_MIN = 1.01


@dataclass(frozen=True)
class GammaGamma:
    """Fitted Gamma-Gamma spend model: spend per purchase ~ Gamma(p, nu), nu ~ Gamma(q, gamma)."""

    p: float
    q: float
    gamma: float
    loglik: float
    customers: int
    correlation: float  # frequency vs average spend among repeat customers (the model assumes 0)
    converged: bool

    @property
    def mean_spend(self) -> float:
        """The population's expected spend per purchase, p·gamma / (q − 1) (q > 1 by the fit)."""
        return self.p * self.gamma / (self.q - 1)

    @property
    def heavy_tailed(self) -> bool:
        """The fit stopped at q's lower bound: a few very large spenders dominate."""
        return self.q < Q_MIN * 1.001


def gamma_gamma_loglik(params, x, m) -> np.ndarray:
    """Per-customer Gamma-Gamma log-likelihood of the average ``m`` of ``x`` repeat purchases."""
    p, q, v = params
    px = p * x
    return (
        special.gammaln(px + q)
        - special.gammaln(px)
        - special.gammaln(q)
        + q * np.log(v)
        + (px - 1) * np.log(m)
        + px * np.log(x)
        - (px + q) * np.log(v + x * m)
    )


def gamma_gamma_gradient(params, x, m) -> np.ndarray:
    """Per-customer gradient of :func:`gamma_gamma_loglik` by (p, q, gamma): shape (3, n)."""
    p, q, v = params
    px = p * x
    psi = special.digamma
    log_vm = np.log(v + m * x)
    d_pq = psi(px + q)
    return np.stack(
        [
            x * (d_pq - psi(px) + np.log(m) + np.log(x) - log_vm),
            d_pq - psi(q) + np.log(v) - log_vm,
            q / v - (px + q) / (v + m * x),
        ]
    )


def fit_gamma_gamma(summary: pd.DataFrame) -> GammaGamma:
    """Gamma-Gamma fitted on the repeat customers (frequency > 0, repeat spend > 0)."""
    repeat = summary[(summary["frequency"] > 0) & (summary["monetary_value"] > 0)]
    if len(repeat) < MIN_REPEAT:
        raise CrmError("clv.too_few_repeat", n=len(repeat), need=MIN_REPEAT)
    x, m = repeat["frequency"].to_numpy(float), repeat["monetary_value"].to_numpy(float)
    (ux, um), w = _unique(x, m)
    # q > 1 keeps the population's mean spend finite (p·gamma/(q−1)) and every customer's
    # expected spend positive; a fit that stops at the bound means heavy-tailed spend.
    values, ll, ok = _fit(gamma_gamma_loglik, gamma_gamma_gradient, 3, (ux, um), w, lower=(None, Q_MIN, None))
    p, q, v = (float(v) for v in values)
    corr = float(np.corrcoef(x, m)[0, 1]) if len(repeat) > 2 and x.std() > 0 and m.std() > 0 else float("nan")
    return GammaGamma(p, q, v, ll, len(repeat), corr, ok)


def expected_avg_spend(model: GammaGamma, x, m) -> np.ndarray:
    """E[spend per purchase | x repeat purchases averaging m]: a weighted mean of the customer's
    own average and the population's (customers without repeats get the population's)."""
    x, m = np.asarray(x, float), np.asarray(m, float)
    p, q, v = model.p, model.q, model.gamma
    own = p * (v + x * m) / (p * x + q - 1)
    return np.where(x > 0, own, model.mean_spend)


# --- Scores ---


@dataclass(frozen=True)
class Fitted:
    """What a fit produces, cached per data, analysis date and unit."""

    summary: pd.DataFrame
    bgnbd: BgNbd
    gamma_gamma: GammaGamma
    as_of: dt.date


def fit(transactions: pd.DataFrame, as_of: dt.date, unit: str = "week") -> Fitted:
    """The per-customer inputs and both models fitted on the purchases up to ``as_of``."""
    summary = rfm_summary(transactions, as_of, unit)
    return Fitted(summary, fit_bgnbd(summary, unit), fit_gamma_gamma(summary), as_of)


def discounted_purchases(bg: BgNbd, x, t_x, T, horizon_days: float, discount: float) -> np.ndarray:
    """Purchases expected over ``horizon_days``, discounted month by month (30 days): the
    expected purchases of month i / (1 + discount)^i, summed. × spend × margin = CLV."""
    days = UNITS[bg.unit]
    months = int(np.ceil(horizon_days / MONTH_DAYS))
    total = np.zeros(len(np.atleast_1d(x)))
    before = 0.0
    for i in range(1, months + 1):
        now = expected_purchases(bg, min(i * MONTH_DAYS, horizon_days) / days, x, t_x, T)
        total += (now - before) / (1 + discount) ** i
        before = now
    return total


def score(fitted: Fitted, horizon_days: float = 365, discount: float = 0.01, margin: float = 1.0) -> pd.DataFrame:
    """Per-customer forecasts from a fit.

    Returns
    -------
    DataFrame with ``customer_id, frequency, recency, T, monetary_value`` and ``p_alive``,
    ``expected_purchases`` (over the horizon), ``expected_avg_spend`` (Gamma-Gamma) and
    ``clv`` (discounted, × margin), in the order of ``fitted.summary``.
    """
    s = fitted.summary
    cols = ("frequency", "recency", "T")
    (x, t_x, T), _ = _unique(*(s[c].to_numpy(float) for c in cols))
    # Scores depend on (x, t_x, T) only (and m for the spend): compute each distinct triple once.
    keys = pd.MultiIndex.from_arrays([x, t_x, T])
    where = keys.get_indexer(pd.MultiIndex.from_arrays([s[c].to_numpy(float) for c in cols]))
    bg, gg = fitted.bgnbd, fitted.gamma_gamma
    days = UNITS[bg.unit]
    alive = p_alive(bg, x, t_x, T)[where]
    purchases = expected_purchases(bg, horizon_days / days, x, t_x, T)[where]
    spend = expected_avg_spend(gg, s["frequency"].to_numpy(float), s["monetary_value"].to_numpy(float))
    unit_clv = discounted_purchases(bg, x, t_x, T, horizon_days, discount)[where]
    out = s[["customer_id", *cols, "monetary_value"]].copy()
    out["p_alive"] = alive
    out["expected_purchases"] = purchases
    out["expected_avg_spend"] = spend
    out["clv"] = unit_clv * spend * margin
    return out


def p_alive_at(fitted: Fitted, transactions: pd.DataFrame, when: dt.date) -> pd.Series:
    """P(alive) as it stood on an earlier date ``when`` (history up to then, same fitted
    model), by customer id; customers who had not bought by then are absent."""
    earlier = rfm_summary(transactions, when, fitted.bgnbd.unit)
    alive = p_alive(fitted.bgnbd, *(earlier[c].to_numpy(float) for c in ("frequency", "recency", "T")))
    return pd.Series(alive, index=earlier["customer_id"].to_numpy(), name="p_alive_before")


def p_alive_grid(bg: BgNbd, max_frequency: int, T: float, steps: int = 24) -> pd.DataFrame:
    """P(alive) for a customer observed for ``T`` units, by repeat purchases (rows 0…max) and
    recency (columns, ``steps`` values from 0 to T): the heatmap that shows why a frequent buyer
    who went quiet is more at risk than an occasional one."""
    recency = np.linspace(0, T, steps)
    rows = np.arange(max_frequency + 1)
    grid = p_alive(bg, rows[:, None], recency[None, :], T)
    return pd.DataFrame(grid, index=pd.Index(rows, name="frequency"), columns=pd.Index(recency, name="recency"))


def calibration_check(
    transactions: pd.DataFrame, cutoff: dt.date, end: dt.date, unit: str = "week", zero_is_purchase: bool = False
) -> dict:
    """The standard BTYD holdout check: fit on purchases up to ``cutoff``, forecast the repeat
    purchases in (cutoff, end] and compare with what happened.

    Returns a dict with the fitted ``model``, ``by_frequency`` (calibration frequency 0…6, 7+
    → ``customers, actual, predicted`` means) and the totals ``actual`` / ``predicted``.
    """
    summary = rfm_summary(transactions, cutoff, unit, zero_is_purchase)
    bg = fit_bgnbd(summary, unit)
    horizon = (end - cutoff).days / UNITS[unit]
    if horizon <= 0:
        raise CrmError("clv.bad_holdout")
    hold = holdout_purchases(transactions, cutoff, end, zero_is_purchase).set_index("customer_id")["purchases"]
    actual = hold.reindex(summary["customer_id"]).fillna(0).to_numpy(float)
    x, t_x, T = (summary[c].to_numpy(float) for c in ("frequency", "recency", "T"))
    predicted = expected_purchases(bg, horizon, x, t_x, T)
    bucket = np.minimum(x, 7).astype(int)
    table = (
        pd.DataFrame({"frequency": bucket, "actual": actual, "predicted": predicted})
        .groupby("frequency")
        .agg(customers=("actual", "size"), actual=("actual", "mean"), predicted=("predicted", "mean"))
        .reset_index()
    )
    table["frequency"] = table["frequency"].map(lambda f: "7+" if f == 7 else str(f))
    return {
        "model": bg,
        "by_frequency": table,
        "actual": float(actual.sum()),
        "predicted": float(predicted.sum()),
        "customers": len(summary),
        "horizon": horizon,
    }


def at_risk(
    scores: pd.DataFrame, history: pd.Series, before: pd.Series, risk: float, top_pct: float, by: str = "history"
) -> pd.DataFrame:
    """Valuable customers the model thinks are slipping away.

    Valuable = in the top ``top_pct`` % by historical value (``history``: customer id → net
    spend so far) or by predicted CLV (``by="clv"``); slipping = P(alive) below ``risk`` and
    lower than on an earlier date (``before``, from :func:`p_alive_at`: customers who had not
    bought by then have no earlier value and are not counted as falling).

    Returns
    -------
    DataFrame sorted by that value, descending: ``customer_id, history_value, clv, frequency,
    p_alive, p_alive_before, p_alive_change``.
    """
    frame = scores[["customer_id", "frequency", "p_alive", "clv"]].copy()
    frame.insert(1, "history_value", history.reindex(frame["customer_id"]).to_numpy(float))
    frame["p_alive_before"] = before.reindex(frame["customer_id"]).to_numpy(float)
    frame["p_alive_change"] = frame["p_alive"] - frame["p_alive_before"]
    value = frame["history_value" if by == "history" else "clv"]
    cut = np.nanpercentile(value, 100 - top_pct) if len(frame) else np.inf
    flagged = frame[(value >= cut) & (frame["p_alive"] < risk) & (frame["p_alive_change"] < 0)]
    key = "history_value" if by == "history" else "clv"
    return flagged.sort_values(key, ascending=False, kind="stable").reset_index(drop=True)
