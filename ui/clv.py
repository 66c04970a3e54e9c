"""Lifetime-value views: settings, the cached fit and scores, CLV beside every segment table."""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from crm_core.errors import CrmError
from crm_core.i18n import t
from crm_core.params import CLV, MARGIN
from ui.state import per_dataset
from ui.widgets import md_escape, money, number, persist_param, persisted, share, share_params

UNIT, HORIZON, DISCOUNT, RISK, TOP = CLV


def settings(lang: str) -> dict:
    """The sidebar settings of the CLV page (in the URL); margin only when profit is chosen."""
    sb = st.sidebar
    sb.markdown(f"**{t('clv.settings', lang)}**")
    for p in CLV:
        persist_param(p)
    sb.radio(t(UNIT.label, lang), list(UNIT.choices), key=UNIT.name, format_func=lambda k: t(f"clv.unit.{k}", lang))
    sb.slider(t(HORIZON.label, lang), *HORIZON.bounds, step=30, key=HORIZON.name)
    sb.number_input(t(DISCOUNT.label, lang), *DISCOUNT.bounds, step=0.005, format="%.3f", key=DISCOUNT.name)
    sb.slider(t(RISK.label, lang), *RISK.bounds, step=0.05, key=RISK.name)
    persisted("clv_value", "spend", str, ["spend", "profit"])
    sb.radio(t("lc.value", lang), ["spend", "profit"], key="clv_value", format_func=lambda k: t(f"lc.value.{k}", lang))
    margin = 1.0
    if st.session_state.clv_value == "profit":
        margin = (
            sb.number_input(t(MARGIN.label, lang), *MARGIN.bounds, MARGIN.default, step=1.0, key="clv_margin") / 100
        )
    share_params(CLV)
    share(["clv_value"])
    s = st.session_state
    return {
        "unit": s[UNIT.name],
        "horizon": int(s[HORIZON.name]),
        "discount": float(s[DISCOUNT.name]),
        "risk": float(s[RISK.name]),
        "margin": float(margin),
    }


def current(lang: str, ds, values: dict | None = None):
    """(fit, scores) for the data with the page's settings (defaults where the CLV page was not
    opened); None, with the reason shown, when the model cannot be fitted."""
    from crm_core import clv

    s = st.session_state
    v = values or {
        "unit": s.get(UNIT.name, UNIT.default),
        "horizon": int(s.get(HORIZON.name, HORIZON.default)),
        "discount": float(s.get(DISCOUNT.name, DISCOUNT.default)),
        "margin": float(s.get("clv_margin", MARGIN.default)) / 100 if s.get("clv_value") == "profit" else 1.0,
    }
    tx, as_of = ds.result.transactions, ds.result.report.as_of
    if tx is None:
        st.info(t("clv.needs_transactions", lang))
        return None
    try:
        with st.spinner(t("clv.fitting", lang)):
            fitted = per_dataset(ds.token, "clv_fit", (as_of, v["unit"]), lambda: clv.fit(tx, as_of, v["unit"]))
    except CrmError as exc:
        st.info(exc.message(lang, escape=md_escape))
        return None
    key = (as_of, v["unit"], v["horizon"], v["discount"], v["margin"])
    scores = per_dataset(
        ds.token, "clv_score", key, lambda: clv.score(fitted, v["horizon"], v["discount"], v["margin"])
    )
    return fitted, scores, v


def group_columns(lang: str, ds, customer_ids: pd.Series, codes: np.ndarray, n_groups: int) -> pd.DataFrame | None:
    """Average P(alive) (%), total and average CLV per group, for a segment table; None (and
    nothing drawn) when the user turned the columns off or the model cannot be fitted."""
    persisted("clv_cols", True, lambda raw: str(raw).lower() in ("1", "true", "yes"))
    st.sidebar.toggle(t("clv.columns", lang), key="clv_cols")
    share(["clv_cols"])
    if not st.session_state.clv_cols:
        return None
    got = current(lang, ds)
    if got is None:
        return None
    scores = got[1].set_index("customer_id")
    alive = scores["p_alive"].reindex(customer_ids).to_numpy(float)
    value = scores["clv"].reindex(customer_ids).to_numpy(float)
    n = np.bincount(codes, minlength=n_groups)
    total = np.bincount(codes, weights=np.nan_to_num(value), minlength=n_groups)
    with np.errstate(invalid="ignore", divide="ignore"):
        out = pd.DataFrame(
            {
                "pct_alive": 100 * np.bincount(codes, weights=np.nan_to_num(alive), minlength=n_groups) / n,
                "clv_total": total,
                "avg_clv": total / n,
            }
        )
    st.caption(t("clv.columns.note", lang, h=number(got[2]["horizon"], lang)))
    return out


def metrics(lang: str, scores: pd.DataFrame, risk: float) -> None:
    cols = st.columns(4)
    cols[0].metric(t("metric.customers", lang), number(len(scores), lang))
    cols[1].metric(t("clv.total", lang), money(float(scores["clv"].sum()), lang))
    cols[2].metric(t("clv.avg_alive", lang), f"{100 * scores['p_alive'].mean():.1f}%")
    cols[3].metric(t("clv.at_risk_n", lang), number(int((scores["p_alive"] < risk).sum()), lang))


SHOWN = {
    "frequency": "repeat_purchases",
    "recency": "btyd_recency",
    "T": "btyd_T",
    "monetary_value": "repeat_avg_spend",
}


def shown(frame: pd.DataFrame) -> pd.DataFrame:
    """The model's inputs under names that say what they are (``frequency`` here counts repeat
    purchase days, not orders as on the other pages). Downloads keep the CLI's names."""
    return frame.rename(columns=SHOWN)
