"""Lifecycle value grid (客户生命周期价值细分), lifecycle stages and the customer pyramid.

Grid cells (domain.md §3), a value exactly on a split counts as high:
1 low value / low potential, 2 low / high, 3 high / low, 4 high / high.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from crm_core.groups import at_or_above
from crm_core.groups import summary as group_summary
from crm_core.params import default

CELLS = (1, 2, 3, 4)
STAGES = ("exploration", "growth", "maturity", "decline")
TIERS = ("key", "potential", "regular")
TEXTBOOK_TIERS = (5.0, 15.0, 80.0)


def current_value(
    customers: pd.DataFrame,
    transactions: pd.DataFrame | None = None,
    margin_pct: float | None = None,
    cost_per_order: float = 0.0,
    cost_column: str | None = "cost",
) -> tuple[pd.Series, str]:
    """What each customer has brought so far, and how it was measured.

    Customer profit = gross profit − cost of serving (客户生命周期利润 = 总利润 − 成本):
    gross profit is Σ(amount − cost) when the transactions carry a cost column, else net spend ×
    margin % when a margin is given; the cost of serving is ``cost_per_order`` × purchases.
    Without either, current value is net spend.
    """
    ids = customers["customer_id"]
    serve = float(cost_per_order) * customers["frequency"].to_numpy(float)
    if transactions is not None and cost_column and cost_column in transactions.columns:
        cost = pd.to_numeric(transactions[cost_column], errors="coerce").fillna(0.0)
        gross = (transactions["amount"] - cost).groupby(transactions["customer_id"]).sum()
        value = gross.reindex(ids).fillna(0.0).to_numpy() - serve
        return pd.Series(value, index=customers.index, name="current_value"), "profit_cost"
    if margin_pct is not None:
        value = customers["monetary"].to_numpy(float) * margin_pct / 100.0 - serve
        return pd.Series(value, index=customers.index, name="current_value"), "profit_margin"
    return pd.Series(
        customers["monetary"].to_numpy(float) - serve, index=customers.index, name="current_value"
    ), "spend"


def cell_codes(current: np.ndarray, potential: np.ndarray, v_line: float, p_line: float) -> np.ndarray:
    """Grid cell 1–4 per customer."""
    high_v = at_or_above(current, v_line)
    high_p = at_or_above(potential, p_line)
    return (1 + high_p.astype(int) + 2 * high_v.astype(int)).astype(np.intp)


def grid_summary(codes: np.ndarray, value: np.ndarray, potential: np.ndarray) -> pd.DataFrame:
    """One row per grid cell 1–4 (``codes`` index into :data:`CELLS`, i.e. cell − 1): ``cell,
    customers, pct_customers, total_value, pct_value, avg_current, avg_potential`` (current
    value adds up to the total across cells)."""
    grid = group_summary(codes, list(CELLS), value, {"avg_current": value, "avg_potential": potential})
    return grid.rename(columns={"segment": "cell", "revenue": "total_value", "pct_revenue": "pct_value"})


@dataclass(frozen=True)
class StageRules:
    """Thresholds of the stage rules; every one is shown and adjustable on the page."""

    exploration_days: int = default("st_explore")  # tenure below this: still being explored
    window_days: int = default("st_window")  # spend trend: the last window vs the one before
    growth_pct: float = default("st_growth")  # spend up by at least this much: growth
    decline_pct: float = default("st_decline")  # spend down by at least this much: decline
    lapsed_days: int = default("st_lapsed")  # no purchase for this long: decline whatever the trend


def spend_trend(transactions: pd.DataFrame, as_of: dt.date, window_days: int) -> pd.DataFrame:
    """Per customer: spend in the last window before ``as_of`` and in the window before it."""
    end = pd.Timestamp(as_of)
    day = transactions["order_date"].dt.normalize()
    recent = (day >= end - pd.Timedelta(days=window_days)) & (day < end)
    before = (day >= end - pd.Timedelta(days=2 * window_days)) & (day < end - pd.Timedelta(days=window_days))
    g = transactions["customer_id"]
    return pd.DataFrame(
        {
            "spend_recent": transactions["amount"].where(recent, 0.0).groupby(g).sum(),
            "spend_before": transactions["amount"].where(before, 0.0).groupby(g).sum(),
        }
    )


def stages(
    customers: pd.DataFrame, transactions: pd.DataFrame | None, as_of: dt.date, rules: StageRules = StageRules()
) -> pd.DataFrame:
    """Lifecycle stage per customer with the figures the rules used.

    Rules in order: tenure < exploration_days → exploration; recency ≥ lapsed_days or spend
    change ≤ decline_pct → decline; spend change ≥ growth_pct → growth; otherwise maturity.
    Spend change = (last window − window before) / window before; a customer with nothing in
    the window before and something in the last window counts as growing.
    """
    out = customers[["customer_id", "recency_days"]].copy()
    first = pd.to_datetime(customers["first_purchase"])
    out["tenure_days"] = (pd.Timestamp(as_of) - first).dt.days
    if transactions is not None:
        trend = spend_trend(transactions, as_of, rules.window_days).reindex(customers["customer_id"]).fillna(0.0)
        recent, before = trend["spend_recent"].to_numpy(), trend["spend_before"].to_numpy()
        with np.errstate(divide="ignore", invalid="ignore"):
            change = np.where(before > 0, 100 * (recent - before) / before, np.where(recent > 0, np.inf, 0.0))
    else:  # an aggregated customer table has no trend
        recent = before = np.full(len(out), np.nan)
        change = np.full(len(out), np.nan)
    out["spend_recent"], out["spend_before"], out["spend_change_pct"] = recent, before, change
    tenure = out["tenure_days"].to_numpy(float)
    rec = out["recency_days"].to_numpy(float)
    explore = np.nan_to_num(tenure, nan=np.inf) < rules.exploration_days
    decline = (rec >= rules.lapsed_days) | (np.nan_to_num(change, nan=0.0) <= rules.decline_pct)
    growth = np.nan_to_num(change, nan=0.0) >= rules.growth_pct
    out["stage"] = np.select([explore, decline, growth], ["exploration", "decline", "growth"], default="maturity")
    return out


def pyramid(
    values: np.ndarray, cuts: tuple[float, float] = (float(default("pyr_key")), float(default("pyr_pot")))
) -> tuple[pd.DataFrame, np.ndarray]:
    """Tiers by value: the top ``cuts[0]`` % (key), up to ``cuts[1]`` % (potential), the rest.

    Returns the table (tier, customers, pct_customers, revenue, pct_revenue, textbook_pct) and
    the tier index per customer. Ties at a cut go to the higher tier in rank order.
    """
    n = len(values)
    order = np.argsort(-values, kind="stable")
    rank = np.empty(n, dtype=np.intp)
    rank[order] = np.arange(n)
    share = (rank + 1) / max(n, 1) * 100
    tier = np.where(share <= cuts[0], 0, np.where(share <= cuts[1], 1, 2)).astype(np.intp)
    counts = np.bincount(tier, minlength=3)
    revenue = np.bincount(tier, weights=values, minlength=3)
    total = values.sum()
    table = pd.DataFrame(
        {
            "tier": TIERS,
            "customers": counts,
            "pct_customers": 100 * counts / max(n, 1),
            "revenue": revenue,
            "pct_revenue": 100 * revenue / total if total else np.nan,
            "textbook_pct": TEXTBOOK_TIERS,  # the course: key ≈ 5 %, potential ≈ 15 %, regular ≈ 80 %
        }
    )
    return table, tier


STAGE_RULES = ("trend", "status")  # tenure & spend trend (stages) | status per period (status_stages)
TEXTBOOK_ALIASES = {"growth": "形成期", "decline": "退化期"}  # the textbook's other names for 发展期, 衰退期


def status_stages(
    customers: pd.DataFrame, transactions: pd.DataFrame, as_of: dt.date, period: str, rules: StageRules = StageRules()
) -> pd.DataFrame:
    """Lifecycle stage per customer from their status in the last complete period before the
    analysis date (the one ending on or before it), with the days after it up to the analysis
    date (a period still running) counted as activity too.

    Rules in order: first purchase in that period or later → exploration; no purchase in it
    nor after it → decline (lapsed if they bought in the period before, else inactive); active
    (retained or reactivated) with spend change ≤ ``decline_pct`` → decline, ≥ ``growth_pct``
    → growth; otherwise maturity. Spend change compares the net spend in that period and the
    days since with the period before's; a customer with nothing in the period before counts
    as growing.

    Returns ``customer_id, status, spend_now, spend_before, spend_change_pct, stage`` in the
    order of ``customers``.
    """
    from crm_core.overtime import period_end, period_index

    tx = transactions[transactions["order_date"].dt.normalize() <= pd.Timestamp(as_of)]
    day = tx["order_date"].dt
    if period == "month":
        idx = day.year * 12 + day.month - 1
    elif period == "quarter":
        idx = day.year * 4 + (day.month - 1) // 3
    else:
        idx = day.year
    here = period_index(as_of, period)
    now = here if period_end(here, period) <= as_of else here - 1  # the last complete period
    buy = tx["amount"] > 0
    g = tx["customer_id"]
    frame = pd.DataFrame(
        {
            "first": idx.where(buy).groupby(g).min(),
            "active": (buy & (idx >= now)).groupby(g).any(),  # in it, or in the days since
            "before": (buy & (idx == now - 1)).groupby(g).any(),
            "spend_now": tx["amount"].where(idx >= now, 0.0).groupby(g).sum(),
            "spend_before": tx["amount"].where(idx == now - 1, 0.0).groupby(g).sum(),
        }
    ).reindex(customers["customer_id"])
    frame = frame.fillna({"active": False, "before": False, "spend_now": 0.0, "spend_before": 0.0})
    new = frame["first"].to_numpy(float) >= now
    active = frame["active"].to_numpy(bool)
    before = frame["before"].to_numpy(bool)
    status = np.select(
        [new, active & before, active, before], ["new", "retained", "reactivated", "lapsed"], default="inactive"
    )
    s_now, s_before = frame["spend_now"].to_numpy(float), frame["spend_before"].to_numpy(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        change = np.where(s_before > 0, 100 * (s_now - s_before) / s_before, np.where(s_now > 0, np.inf, 0.0))
    stage = np.select(
        [new, ~active, change <= rules.decline_pct, change >= rules.growth_pct],
        ["exploration", "decline", "decline", "growth"],
        default="maturity",
    )
    return pd.DataFrame(
        {
            "customer_id": customers["customer_id"].to_numpy(),
            "status": status,
            "spend_now": s_now,
            "spend_before": s_before,
            "spend_change_pct": change,
            "stage": stage,
        }
    )
