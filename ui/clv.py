"""Lifetime-value views: settings, the cached fit and scores, CLV beside every segment table."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd
import streamlit as st

from crm_core import charts, clv
from crm_core.errors import CrmError
from crm_core.export import to_csv_bytes, to_excel_bytes
from crm_core.i18n import t
from crm_core.params import CLV, MARGIN
from ui import widgets
from ui.state import per_dataset
from ui.widgets import md_escape, money, number, persist_param, persisted, share, share_params

UNIT, HORIZON, DISCOUNT, RISK, TOP = CLV


MARGIN_KEY = "clv_margin"


def _seed() -> dict:
    """Every CLV setting in the session, from this session's last value, the URL or the default
    (also on the pages that show CLV columns without drawing the settings), and their values.
    Call before the settings' widgets are drawn."""
    for p in CLV:
        persist_param(p)
    persisted("clv_value", "spend", str, ["spend", "profit"])
    persisted(MARGIN_KEY, MARGIN.default, float)
    s = st.session_state
    s[MARGIN_KEY] = float(min(max(s[MARGIN_KEY], MARGIN.bounds[0]), MARGIN.bounds[1]))
    return _values()


def _values() -> dict:
    s = st.session_state
    return {
        "unit": s[UNIT.name],
        "horizon": int(s[HORIZON.name]),
        "discount": float(s[DISCOUNT.name]),
        "risk": float(s[RISK.name]),
        "margin": s[MARGIN_KEY] / 100 if s["clv_value"] == "profit" else 1.0,
    }


def _share() -> None:
    share_params(CLV)
    share(["clv_value", MARGIN_KEY] if st.session_state.clv_value == "profit" else ["clv_value"])


def settings(lang: str) -> dict:
    """The sidebar settings of the CLV page (in the URL); margin only when profit is chosen."""
    sb = st.sidebar
    sb.markdown(f"**{t('clv.settings', lang)}**")
    _seed()
    sb.radio(t(UNIT.label, lang), list(UNIT.choices), key=UNIT.name, format_func=lambda k: t(f"clv.unit.{k}", lang))
    sb.slider(t(HORIZON.label, lang), *HORIZON.bounds, step=30, key=HORIZON.name)
    sb.number_input(t(DISCOUNT.label, lang), *DISCOUNT.bounds, step=0.005, format="%.3f", key=DISCOUNT.name)
    sb.slider(t(RISK.label, lang), *RISK.bounds, step=0.05, key=RISK.name, help=t("clv.risk.help", lang))
    sb.radio(t("lc.value", lang), ["spend", "profit"], key="clv_value", format_func=lambda k: t(f"lc.value.{k}", lang))
    if st.session_state.clv_value == "profit":
        sb.number_input(t(MARGIN.label, lang), *MARGIN.bounds, step=1.0, key=MARGIN_KEY)
    _share()
    return _values()


def current(lang: str, ds, values: dict | None = None):
    """(fit, scores) for the data with the page's settings (defaults where the CLV page was not
    opened); None, with the reason shown, when the model cannot be fitted."""
    from crm_core import clv

    v = values or _seed()
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
    if not fitted.bgnbd.converged or not fitted.gamma_gamma.converged:
        st.warning(t("clv.model.not_converged", lang))
    if fitted.gamma_gamma.heavy_tailed:
        st.warning(t("clv.model.heavy_tail", lang))
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
    _share()  # the columns depend on the CLV settings: a link carries them
    if got is None:
        return None
    fitted, scores, v = got

    def aligned():  # the page's customer order, once per data and settings (not on every rerun)
        by_id = scores.set_index("customer_id")
        return by_id["p_alive"].reindex(customer_ids).to_numpy(float), by_id["clv"].reindex(customer_ids).to_numpy(
            float
        )

    key = (fitted.as_of, v["unit"], v["horizon"], v["discount"], v["margin"], len(customer_ids))
    alive, value = per_dataset(ds.token, "clv_aligned", key, aligned)
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
    st.caption(t("clv.columns.note", lang, h=number(v["horizon"], lang)))
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


@dataclass(frozen=True)
class View:
    """What every view of the CLV page reads: the data, the fit, its scores, the settings and
    each customer's segment (the 8-segment model at its default settings)."""

    ds: object
    fitted: object
    scores: pd.DataFrame
    values: dict
    scheme: object
    seg: pd.Series

    @property
    def bg(self):
        return self.fitted.bgnbd

    @property
    def gg(self):
        return self.fitted.gamma_gamma

    @property
    def tx(self) -> pd.DataFrame:
        return self.ds.result.transactions

    @property
    def as_of(self) -> dt.date:
        return self.fitted.as_of


def customers_view(lang: str, ctx: View) -> None:
    frame = ctx.scores.assign(at_risk=ctx.scores["p_alive"] < ctx.values["risk"])
    frame = frame.sort_values("clv", ascending=False, kind="stable")
    widgets.table(shown(frame.head(500)), lang)
    st.caption(t("clv.customers.note", lang, n=widgets.number(len(frame), lang)))
    c1, c2 = st.columns(2)
    c1.download_button(t("drill.csv", lang), lambda: to_csv_bytes(frame),
                       f"{widgets.export_stem('clv_customers')}.csv", "text/csv")  # fmt: skip
    c2.download_button(t("drill.xlsx", lang), lambda: to_excel_bytes(frame, "clv", widgets.export_about(lang)),
                       f"{widgets.export_stem('clv_customers')}.xlsx")  # fmt: skip


def segments_view(lang: str, ctx: View) -> None:
    keys = list(ctx.scheme.keys)
    codes = pd.Series(ctx.seg.reindex(ctx.scores["customer_id"]).to_numpy()).map({k: i for i, k in enumerate(keys)})
    codes = codes.fillna(len(keys)).astype(int).to_numpy()
    hist = (
        ctx.ds.result.customers.set_index("customer_id")["monetary"].reindex(ctx.scores["customer_id"]).to_numpy(float)
    )
    rows = []
    for i, k in enumerate(keys):
        part = codes == i
        rows.append(
            {
                "label": ctx.scheme.label(k, lang),
                "customers": int(part.sum()),
                "revenue": float(hist[part].sum()),
                "pct_alive": 100 * float(ctx.scores["p_alive"][part].mean()) if part.any() else np.nan,
                "clv_total": float(ctx.scores["clv"][part].sum()),
                "avg_clv": float(ctx.scores["clv"][part].mean()) if part.any() else np.nan,
                "segment": k,
            }
        )
    table = pd.DataFrame(rows)
    widgets.table(table, lang)
    st.caption(t("clv.segments.note", lang))
    st.download_button(t("rfm.download.summary", lang), lambda: to_csv_bytes(table),
                       f"{widgets.export_stem('clv_segments')}.csv", "text/csv")  # fmt: skip


def risk_view(lang: str, ctx: View) -> None:
    widgets.persist_param(TOP)
    c1, c2 = st.columns(2)
    c1.slider(t(TOP.label, lang), *TOP.bounds, key=TOP.name)
    widgets.persisted("clv_by", "history", str, ["history", "clv"])
    c2.radio(t("clv.by", lang), ["history", "clv"], key="clv_by", format_func=lambda k: t(f"clv.by.{k}", lang))
    widgets.share_params((TOP,))
    widgets.share(["clv_by"])
    back = ctx.as_of - dt.timedelta(days=90)
    before = per_dataset(
        ctx.ds.token, "clv_before", (ctx.as_of, ctx.bg.unit), lambda: clv.p_alive_at(ctx.fitted, ctx.tx, back)
    )
    history = ctx.ds.result.customers.set_index("customer_id")["monetary"]
    risk = clv.at_risk(
        ctx.scores, history, before, ctx.values["risk"], st.session_state[TOP.name], st.session_state.clv_by
    )
    risk.insert(
        1, "segment_label", [ctx.scheme.label(k, lang) for k in ctx.seg.reindex(risk["customer_id"]).fillna("")]
    )
    risk["action"] = [ctx.scheme.action(k, lang) for k in ctx.seg.reindex(risk["customer_id"]).fillna("")]
    st.markdown(
        t(
            "clv.risk.rule",
            lang,
            top=st.session_state[TOP.name],
            by=t(f"clv.by.{st.session_state.clv_by}", lang),
            risk=f"{ctx.values['risk']:.2f}",
            back=back.isoformat(),
        )
    )
    st.metric(t("clv.risk.count", lang), widgets.number(len(risk), lang))
    widgets.table(shown(risk.head(500)), lang)
    c1, c2 = st.columns(2)
    c1.download_button(t("drill.csv", lang), lambda: to_csv_bytes(risk),
                       f"{widgets.export_stem('clv_at_risk')}.csv", "text/csv")  # fmt: skip
    c2.download_button(t("drill.xlsx", lang), lambda: to_excel_bytes(risk, "at_risk", widgets.export_about(lang)),
                       f"{widgets.export_stem('clv_at_risk')}.xlsx")  # fmt: skip
    from ui import campaign as campaign_view

    c = ctx.ds.result.customers
    listed = c[c["customer_id"].isin(risk["customer_id"])].reset_index(drop=True)
    segment = ctx.seg.reindex(listed["customer_id"]).fillna("").to_numpy(dtype=object)
    campaign_view.panel(
        lang,
        ctx.ds,
        listed,
        segment,
        list(ctx.scheme.keys),
        lambda k: ctx.scheme.label(k, lang),
        lambda k: ctx.scheme.action(k, lang),
        "at_risk",
    )


def heatmap_view(lang: str, ctx: View) -> None:
    repeat = ctx.scores[ctx.scores["frequency"] > 0]
    top_f = int(max(5, np.percentile(repeat["frequency"], 95))) if len(repeat) else 5
    T = float(np.median(repeat["T"])) if len(repeat) else float(ctx.scores["T"].median())
    grid = clv.p_alive_grid(ctx.bg, top_f, T)
    unit = t(f"clv.unit.{ctx.bg.unit}", lang)
    st.plotly_chart(
        charts.alive_heatmap(
            grid,
            t("clv.heat.title", lang, T=f"{T:.0f}", unit=unit),
            t("clv.heat.x", lang, unit=unit),
            t("clv.heat.y", lang),
        ),
        key="clv_heat",
    )
    st.markdown(t("clv.heat.why", lang))


def check_view(lang: str, ctx: View) -> None:
    first = pd.Timestamp(ctx.tx["order_date"].min()).date()
    span = (ctx.as_of - first).days
    if span < 60:
        st.info(t("clv.check.short", lang, days=span))
        st.stop()
    lo, hi = first + dt.timedelta(days=30), ctx.as_of - dt.timedelta(days=14)
    cutoff = st.date_input(t("clv.check.cutoff", lang), first + dt.timedelta(days=span // 2), lo, hi, key="clv_cut")
    try:
        check = per_dataset(
            ctx.ds.token,
            "clv_check",
            (cutoff, ctx.as_of, ctx.bg.unit),
            lambda: clv.calibration_check(ctx.tx, cutoff, ctx.as_of, ctx.bg.unit),
        )
    except CrmError as exc:
        st.info(exc.message(lang, escape=widgets.md_escape))
        st.stop()
    table = check["by_frequency"]
    st.plotly_chart(
        charts.actual_vs_predicted(
            table,
            t("clv.check.title", lang, start=cutoff.isoformat(), end=ctx.as_of.isoformat()),
            t("clv.check.x", lang),
            (t("clv.check.actual", lang), t("clv.check.predicted", lang)),
        ),
        key="clv_check_chart",
    )
    widgets.table(table, lang)
    if not check["actual"] or not np.isfinite(check["predicted"]):
        st.info(t("clv.check.nothing", lang))
        return
    err = 100 * (check["predicted"] - check["actual"]) / check["actual"]
    st.markdown(
        t(
            "clv.check.totals",
            lang,
            actual=widgets.number(check["actual"], lang),
            predicted=widgets.number(round(check["predicted"]), lang),
            err=f"{err:+.1f}",
            n=widgets.number(check["customers"], lang),
        )
    )


def model_view(lang: str, ctx: View) -> None:
    params = pd.DataFrame(
        [{"model": "BG/NBD", "parameter": k, "value": getattr(ctx.bg, k)} for k in ("r", "alpha", "a", "b")]
        + [{"model": "Gamma-Gamma", "parameter": k, "value": getattr(ctx.gg, k)} for k in ("p", "q", "gamma")]
    )
    widgets.table(params, lang)
    st.markdown(
        t(
            "clv.model.fit",
            lang,
            ll_bg=f"{ctx.bg.loglik:,.1f}",
            n=widgets.number(ctx.bg.customers, lang),
            ll_gg=f"{ctx.gg.loglik:,.1f}",
            n_rep=widgets.number(ctx.gg.customers, lang),
            unit=t(f"clv.unit.{ctx.bg.unit}", lang),
        )
    )
    corr = ctx.gg.correlation
    if np.isfinite(corr):
        st.metric(t("clv.model.corr", lang), f"{corr:.2f}")
        st.caption(t("clv.model.corr.note" if abs(corr) < 0.3 else "clv.model.corr.warn", lang))
    st.markdown(t("clv.model.explain", lang))
