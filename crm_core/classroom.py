"""The course's remaining models and the classroom helpers (walkthrough steps, quiz).

* Key-account selection matrix (Cheverton): attractiveness × our relative strength.
* Satisfaction S = B / A × 100 % (B = perceived result after use, A = expectation before).
* Customer growth matrix: existing/new customers × existing/new products, per period.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from crm_core.errors import CrmError
from crm_core.groups import at_or_above
from crm_core.i18n import t
from crm_core.params import default

QUADRANTS = ("key", "key_development", "maintenance", "opportunistic")
GROWTH_CELLS = ("loyalty", "expansion", "acquisition", "diversification")


def key_accounts(
    frame: pd.DataFrame, a_split: float = default("ka_a"), s_split: float = default("ka_s")
) -> pd.DataFrame:
    """Quadrant per account from ``attractiveness`` and ``strength`` (0–10; on the split = high).

    key: attractive and strong; key_development: attractive, weak; maintenance: less
    attractive, strong; opportunistic: neither.
    """
    missing = [c for c in ("account_id", "attractiveness", "strength") if c not in frame.columns]
    if missing:
        raise CrmError("error.missing_columns", roles=", ".join(missing), columns=", ".join(map(str, frame.columns)))
    out = frame[["account_id", "attractiveness", "strength"]].copy()
    for col in ("attractiveness", "strength"):
        values = pd.to_numeric(out[col], errors="coerce")
        bad = values.isna() | (values < 0) | (values > 10)
        if bad.any():
            row = int(np.flatnonzero(bad.to_numpy())[0])
            raise CrmError("error.account_score", column=col, row=row + 2, value=str(out[col].iloc[row]))
        out[col] = values.astype(float)
    high_a = at_or_above(out["attractiveness"].to_numpy(), a_split)
    high_s = at_or_above(out["strength"].to_numpy(), s_split)
    out["quadrant"] = np.select(
        [high_a & high_s, high_a & ~high_s, ~high_a & high_s], QUADRANTS[:3], default=QUADRANTS[3]
    )
    return out


def weighted_score(scores: pd.DataFrame, weights: dict[str, float]) -> pd.Series:
    """Weighted mean (0–10) of criteria columns per account; weights need not sum to 1."""
    total = sum(weights.values())
    if total <= 0:
        raise CrmError("error.weights_zero")
    return sum(scores[c].astype(float) * w for c, w in weights.items()) / total


def satisfaction(frame: pd.DataFrame) -> pd.DataFrame:
    """S = perceived / expectation × 100 per row (``expectation`` must be > 0, else S is NaN)."""
    out = frame.copy()
    a = pd.to_numeric(out["expectation"], errors="coerce")
    b = pd.to_numeric(out["perceived"], errors="coerce")
    out["satisfaction_pct"] = (b / a.where(a > 0)) * 100
    out["below_100"] = out["satisfaction_pct"] < 100
    return out


def growth_matrix(transactions: pd.DataFrame, product_col: str, freq: str = "Q") -> pd.DataFrame:
    """Revenue (purchases) per period in each cell: a customer or product is *existing* in a
    period when it appeared in an earlier period. Columns: period, cell, revenue, share_pct."""
    tx = transactions[transactions["amount"] > 0][["customer_id", product_col, "order_date", "amount"]].copy()
    tx["period"] = tx["order_date"].dt.to_period(freq)  # "M", "Q" or "Y"
    first_c = tx.groupby("customer_id")["period"].min()
    first_p = tx.groupby(product_col)["period"].min()
    old_c = tx["customer_id"].map(first_c) < tx["period"]
    old_p = tx[product_col].map(first_p) < tx["period"]
    tx["cell"] = np.select([old_c & old_p, old_c & ~old_p, ~old_c & old_p], GROWTH_CELLS[:3], default=GROWTH_CELLS[3])
    table = tx.groupby(["period", "cell"])["amount"].sum().unstack(fill_value=0.0)
    table = table.reindex(columns=list(GROWTH_CELLS), fill_value=0.0)
    share = table.div(table.sum(axis=1), axis=0) * 100
    out = share.stack().rename("share_pct").reset_index()
    out["revenue"] = table.stack().to_numpy()
    out["period"] = out["period"].astype(str)
    return out[["period", "cell", "revenue", "share_pct"]]


def quiz(customers: pd.DataFrame, answers: pd.Series, n: int = 5, seed: int = 0) -> list[dict]:
    """``n`` random customers with their values and the right answer (a key of ``answers``)."""
    rng = np.random.default_rng(seed)
    picks = rng.choice(len(customers), size=min(n, len(customers)), replace=False)
    rows = []
    for i in picks:
        c = customers.iloc[int(i)]
        rows.append(
            {
                "customer_id": str(c["customer_id"]),
                "recency_days": int(c["recency_days"]),
                "frequency": int(c["frequency"]),
                "monetary": float(c["monetary"]),
                "avg_spend": float(c["avg_spend"]),
                "answer": str(answers.iloc[int(i)]),
            }
        )
    return rows


def model_answers(small: pd.DataFrame, model: str) -> tuple[pd.Series, dict]:
    """The right answer per customer for a classroom model, and the split values used.

    ``model``: rfm8 (segment keys), value_matrix (type keys) or lifecycle (cells "1"–"4",
    needs a ``potential`` column). Splits are at the means; a value on a split is high.
    """
    from crm_core.lifecycle import cell_codes
    from crm_core.rfm import RfmParams, rfm
    from crm_core.value_matrix import TYPES, type_codes

    if model == "rfm8":
        out = rfm(small, RfmParams(), "cn8")
        means = {"R": small["recency_days"].mean(), "F": small["frequency"].mean(), "M": small["monetary"].mean()}
        return out["segment"], means
    if model == "value_matrix":
        f, s = small["frequency"].to_numpy(float), small["avg_spend"].to_numpy(float)
        codes = type_codes(f, s, f.mean(), s.mean())
        return pd.Series(np.asarray(TYPES, dtype=object)[codes]), {"F": f.mean(), "avg_spend": s.mean()}
    v = small["monetary"].to_numpy(float)
    p = pd.to_numeric(small.get("potential", pd.Series(np.nan, index=small.index)), errors="coerce").to_numpy()
    if np.isnan(p).all():
        raise CrmError("error.no_potential_column")
    p = np.nan_to_num(p)
    return pd.Series(cell_codes(v, p, v.mean(), p.mean()).astype(str)), {"value": v.mean(), "potential": p.mean()}


def answer_label(model: str, key: str, lang: str) -> str:
    """The display name of an answer key in ``lang``."""
    from crm_core.segments import builtin

    if model == "rfm8":
        return builtin("cn8").label(key, lang)
    if model == "value_matrix":
        return t(f"vm.type.{key}", lang)
    return t(f"lc.cell.{key}", lang)


def answer_strategy(model: str, key: str, lang: str) -> str:
    """The recommended action for an answer key in ``lang``."""
    from crm_core.segments import builtin

    if model == "rfm8":
        return builtin("cn8").action(key, lang)
    if model == "value_matrix":
        return t(f"vm.strategy.{key}", lang)
    return f"{t(f'lc.alloc.{key}', lang)} · {t(f'lc.retain.{key}', lang)}"
