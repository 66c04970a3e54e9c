"""Growth potential as predicted future value, checked on the data's own later period.

Time split (W = ``window_days``, T = analysis date):

* training:  features from everything before T − 2W, target = net spend in [T − 2W, T − W);
* holdout:   features from everything before T − W,  target = net spend in [T − W, T);
  the model trained above is scored here next to the naive forecast "the next W = the last W";
* forecast:  the model refitted on the holdout pair predicts spend in the W after T from
  features computed on everything before T. That prediction is the customer's potential.

Features only ever read rows dated before their cut-off (``features`` filters first), which a
test checks by changing every later row.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

FEATURES = [
    "recency_days",
    "tenure_days",
    "frequency",
    "monetary",
    "avg_spend",
    "spend_last_window",
    "spend_prev_window",
    "returns",
]
MIN_CUSTOMERS = 50


def features(transactions: pd.DataFrame, cutoff: pd.Timestamp, window_days: int) -> pd.DataFrame:
    """Per-customer features from rows strictly before ``cutoff`` (customers who bought by then)."""
    tx = transactions[transactions["order_date"] < cutoff]
    day = tx["order_date"].dt.normalize()
    buy = tx["amount"] > 0
    g = tx.groupby("customer_id")
    win = pd.Timedelta(days=window_days)
    out = pd.DataFrame(
        {
            "last": day.where(buy).groupby(tx["customer_id"]).max(),
            "first": day.where(buy).groupby(tx["customer_id"]).min(),
            "frequency": buy.groupby(tx["customer_id"]).sum(),
            "monetary": g["amount"].sum(),
            "spend_last_window": tx["amount"].where(day >= cutoff - win, 0.0).groupby(tx["customer_id"]).sum(),
            "spend_prev_window": tx["amount"]
            .where((day >= cutoff - 2 * win) & (day < cutoff - win), 0.0)
            .groupby(tx["customer_id"])
            .sum(),
            "returns": (-tx["amount"].clip(upper=0)).groupby(tx["customer_id"]).sum(),
        }
    )
    out = out[out["frequency"] > 0]
    out["recency_days"] = (cutoff - out["last"]).dt.days
    out["tenure_days"] = (cutoff - out["first"]).dt.days
    out["avg_spend"] = out["monetary"] / out["frequency"]
    return out[FEATURES].astype("float64")


def target(transactions: pd.DataFrame, start: pd.Timestamp, end: pd.Timestamp, index: pd.Index) -> pd.Series:
    """Net spend in [start, end) for the customers in ``index`` (0 when they bought nothing)."""
    inside = (transactions["order_date"] >= start) & (transactions["order_date"] < end)
    spend = transactions.loc[inside].groupby("customer_id")["amount"].sum()
    return spend.reindex(index).fillna(0.0)


@dataclass
class Potential:
    ok: bool
    reason: str | None  # label key explaining why no model was fitted
    predicted: pd.Series | None  # customer_id → predicted net spend in the next window
    holdout: dict  # model and naive MAE/RMSE, customers, windows


def _model():
    from sklearn.ensemble import HistGradientBoostingRegressor

    return HistGradientBoostingRegressor(max_iter=200, learning_rate=0.05, random_state=0)


def predict(transactions: pd.DataFrame, as_of: dt.date, window_days: int | None = None) -> Potential:
    """Fit, check on the holdout window, and forecast the next window for every customer."""
    tx = transactions[["customer_id", "order_date", "amount"]].copy()
    tx["order_date"] = pd.to_datetime(tx["order_date"])
    end = pd.Timestamp(as_of)
    tx = tx[tx["order_date"] < end]
    if tx.empty:
        return Potential(False, "potential.too_short", None, {})
    span = (end - tx["order_date"].min().normalize()).days
    w = int(window_days or max(30, min(180, span // 4)))
    if span < 3 * w:
        return Potential(False, "potential.too_short", None, {"span_days": span, "window_days": w})
    c_train, c_hold = end - pd.Timedelta(days=2 * w), end - pd.Timedelta(days=w)
    x_train = features(tx, c_train, w)
    x_hold = features(tx, c_hold, w)
    if len(x_train) < MIN_CUSTOMERS or len(x_hold) < MIN_CUSTOMERS:
        return Potential(False, "potential.too_few", None, {"customers": len(x_train), "window_days": w})
    y_train = target(tx, c_train, c_hold, x_train.index)
    y_hold = target(tx, c_hold, end, x_hold.index)
    model = _model().fit(x_train, y_train)
    pred = model.predict(x_hold).clip(min=0)  # potential is what a customer could still bring: not below 0
    naive = x_hold["spend_last_window"].to_numpy()
    err = y_hold.to_numpy() - pred
    naive_err = y_hold.to_numpy() - naive
    holdout = {
        "window_days": w,
        "train_customers": len(x_train),
        "holdout_customers": len(x_hold),
        "train_cutoff": c_train.date().isoformat(),
        "holdout_cutoff": c_hold.date().isoformat(),
        "model_mae": float(np.mean(np.abs(err))),
        "naive_mae": float(np.mean(np.abs(naive_err))),
        "model_rmse": float(np.sqrt(np.mean(err**2))),
        "naive_rmse": float(np.sqrt(np.mean(naive_err**2))),
        "actual_total": float(y_hold.sum()),
        "model_total": float(pred.sum()),
        "naive_total": float(naive.sum()),
    }
    final = _model().fit(x_hold, y_hold)
    x_now = features(tx, end, w)
    predicted = pd.Series(final.predict(x_now).clip(min=0), index=x_now.index, name="potential")
    return Potential(True, None, predicted, holdout)


def customer_column(customers: pd.DataFrame, transactions: pd.DataFrame | None, column: str) -> pd.Series:
    """A numeric per-customer column (a wallet estimate, a score): from the customer table, or
    the largest value per customer in the transactions. Unreadable values are NaN."""
    if column in customers.columns:
        values = pd.to_numeric(customers[column], errors="coerce")
        return pd.Series(values.to_numpy(), index=customers["customer_id"])
    if transactions is not None and column in transactions.columns:
        values = pd.to_numeric(transactions[column], errors="coerce").groupby(transactions["customer_id"]).max()
        return values.reindex(customers["customer_id"])
    raise KeyError(column)


def wallet_gap(customers: pd.DataFrame, wallet: pd.Series) -> pd.Series:
    """Share-of-wallet gap: the customer's category spend estimate − what they spend with us (≥ 0)."""
    spend = pd.Series(customers["monetary"].to_numpy(float), index=customers["customer_id"])
    return (wallet - spend).clip(lower=0)


def clv_holdout(transactions: pd.DataFrame, holdout: dict, unit: str = "week") -> dict:
    """The CLV model checked on the time-split model's holdout window, against the same actuals.

    Fitted on the rows before the holdout cut-off (as the time-split features), its forecast of
    the window's spend is expected purchases × expected spend per purchase (undiscounted), for
    the customers who had bought by then; the target is their net spend in the window.
    Returns ``clv_mae``, ``clv_rmse``, ``clv_total``.
    """
    from crm_core import clv

    tx = transactions[["customer_id", "order_date", "amount"]].copy()
    tx["order_date"] = pd.to_datetime(tx["order_date"])
    cut = pd.Timestamp(holdout["holdout_cutoff"])
    w = int(holdout["window_days"])
    fitted = clv.fit(tx, (cut - pd.Timedelta(days=1)).date(), unit)
    scored = clv.score(fitted, horizon_days=w, discount=0.0)
    forecast = pd.Series(
        (scored["expected_purchases"] * scored["expected_avg_spend"]).to_numpy(), index=scored["customer_id"]
    )
    index = features(tx, cut, w).index
    actual = target(tx, cut, cut + pd.Timedelta(days=w), index).to_numpy()
    pred = forecast.reindex(index).fillna(0.0).to_numpy()
    err = actual - pred
    return {
        "clv_mae": float(np.mean(np.abs(err))),
        "clv_rmse": float(np.sqrt(np.mean(err**2))),
        "clv_total": float(pred.sum()),
    }
