"""Customer lifetime value: BG/NBD + Gamma-Gamma per customer and segment, at-risk list, holdout check."""

import datetime as dt

import numpy as np
import pandas as pd
import streamlit as st

import ui
from crm_core import charts, clv
from crm_core.errors import CrmError
from crm_core.export import to_csv_bytes, to_excel_bytes
from crm_core.i18n import t
from crm_core.rfm import rfm
from crm_core.segments import builtin
from ui import clv as clv_view
from ui import widgets

lang = ui.setup("nav.clv")
ds = ui.dataset()
values = clv_view.settings(lang)
got = clv_view.current(lang, ds, values)
if got is None:
    st.stop()
fitted, scores, _ = got
bg, gg = fitted.bgnbd, fitted.gamma_gamma
tx, as_of = ds.result.transactions, fitted.as_of
st.markdown(t("clv.intro", lang))
clv_view.metrics(lang, scores, values["risk"])
st.caption(
    t(
        "clv.caption",
        lang,
        as_of=as_of.isoformat(),
        unit=t(f"clv.unit.{bg.unit}", lang),
        h=widgets.number(values["horizon"], lang),
        d=f"{100 * values['discount']:.1f}",
        risk=f"{values['risk']:.2f}",
    )
)
scheme = builtin("cn8")
seg = rfm(ds.result.customers, scheme=scheme).set_index("customer_id")["segment"]

view = widgets.view_picker(
    "clv_view",
    [
        ("customers", "clv.tab.customers"),
        ("segments", "clv.tab.segments"),
        ("risk", "clv.tab.risk"),
        ("heatmap", "clv.tab.heatmap"),
        ("check", "clv.tab.check"),
        ("model", "clv.tab.model"),
    ],
    lang,
)
if view == "customers":
    frame = scores.assign(at_risk=scores["p_alive"] < values["risk"])
    frame = frame.sort_values("clv", ascending=False, kind="stable")
    widgets.table(clv_view.shown(frame.head(500)), lang)
    st.caption(t("clv.customers.note", lang, n=widgets.number(len(frame), lang)))
    c1, c2 = st.columns(2)
    c1.download_button(t("drill.csv", lang), lambda: to_csv_bytes(frame), "clv_customers.csv", "text/csv")
    c2.download_button(t("drill.xlsx", lang), lambda: to_excel_bytes(frame, "clv"), "clv_customers.xlsx")

elif view == "segments":
    keys = list(scheme.keys)
    codes = pd.Series(seg.reindex(scores["customer_id"]).to_numpy()).map({k: i for i, k in enumerate(keys)})
    codes = codes.fillna(len(keys)).astype(int).to_numpy()
    hist = ds.result.customers.set_index("customer_id")["monetary"].reindex(scores["customer_id"]).to_numpy(float)
    rows = []
    for i, k in enumerate(keys):
        part = codes == i
        rows.append(
            {
                "label": scheme.label(k, lang),
                "customers": int(part.sum()),
                "revenue": float(hist[part].sum()),
                "pct_alive": 100 * float(scores["p_alive"][part].mean()) if part.any() else np.nan,
                "clv_total": float(scores["clv"][part].sum()),
                "avg_clv": float(scores["clv"][part].mean()) if part.any() else np.nan,
                "segment": k,
            }
        )
    table = pd.DataFrame(rows)
    widgets.table(table, lang)
    st.caption(t("clv.segments.note", lang))
    st.download_button(t("rfm.download.summary", lang), lambda: to_csv_bytes(table), "clv_segments.csv", "text/csv")

elif view == "risk":
    widgets.persist_param(clv_view.TOP)
    c1, c2 = st.columns(2)
    c1.slider(t(clv_view.TOP.label, lang), *clv_view.TOP.bounds, key=clv_view.TOP.name)
    widgets.persisted("clv_by", "history", str, ["history", "clv"])
    c2.radio(t("clv.by", lang), ["history", "clv"], key="clv_by", format_func=lambda k: t(f"clv.by.{k}", lang))
    widgets.share_params((clv_view.TOP,))
    widgets.share(["clv_by"])
    back = as_of - dt.timedelta(days=90)
    before = ui.per_dataset(ds.token, "clv_before", (as_of, bg.unit), lambda: clv.p_alive_at(fitted, tx, back))
    history = ds.result.customers.set_index("customer_id")["monetary"]
    risk = clv.at_risk(
        scores, history, before, values["risk"], st.session_state[clv_view.TOP.name], st.session_state.clv_by
    )
    risk.insert(1, "segment_label", [scheme.label(k, lang) for k in seg.reindex(risk["customer_id"]).fillna("")])
    risk["action"] = [scheme.action(k, lang) for k in seg.reindex(risk["customer_id"]).fillna("")]
    st.markdown(
        t(
            "clv.risk.rule",
            lang,
            top=st.session_state[clv_view.TOP.name],
            by=t(f"clv.by.{st.session_state.clv_by}", lang),
            risk=f"{values['risk']:.2f}",
            back=back.isoformat(),
        )
    )
    st.metric(t("clv.risk.count", lang), widgets.number(len(risk), lang))
    widgets.table(clv_view.shown(risk.head(500)), lang)
    c1, c2 = st.columns(2)
    c1.download_button(t("drill.csv", lang), lambda: to_csv_bytes(risk), "clv_at_risk.csv", "text/csv")
    c2.download_button(t("drill.xlsx", lang), lambda: to_excel_bytes(risk, "at_risk"), "clv_at_risk.xlsx")

elif view == "heatmap":
    repeat = scores[scores["frequency"] > 0]
    top_f = int(max(5, np.percentile(repeat["frequency"], 95))) if len(repeat) else 5
    T = float(np.median(repeat["T"])) if len(repeat) else float(scores["T"].median())
    grid = clv.p_alive_grid(bg, top_f, T)
    unit = t(f"clv.unit.{bg.unit}", lang)
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

elif view == "check":
    first = pd.Timestamp(tx["order_date"].min()).date()
    span = (as_of - first).days
    if span < 60:
        st.info(t("clv.check.short", lang, days=span))
        st.stop()
    lo, hi = first + dt.timedelta(days=30), as_of - dt.timedelta(days=14)
    cutoff = st.date_input(t("clv.check.cutoff", lang), first + dt.timedelta(days=span // 2), lo, hi, key="clv_cut")
    try:
        check = ui.per_dataset(
            ds.token, "clv_check", (cutoff, as_of, bg.unit), lambda: clv.calibration_check(tx, cutoff, as_of, bg.unit)
        )
    except CrmError as exc:
        st.info(exc.message(lang, escape=widgets.md_escape))
        st.stop()
    table = check["by_frequency"]
    st.plotly_chart(
        charts.actual_vs_predicted(
            table,
            t("clv.check.title", lang, start=cutoff.isoformat(), end=as_of.isoformat()),
            t("clv.check.x", lang),
            (t("clv.check.actual", lang), t("clv.check.predicted", lang)),
        ),
        key="clv_check_chart",
    )
    widgets.table(table, lang)
    err = 100 * (check["predicted"] - check["actual"]) / check["actual"] if check["actual"] else float("nan")
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

else:
    params = pd.DataFrame(
        [{"model": "BG/NBD", "parameter": k, "value": getattr(bg, k)} for k in ("r", "alpha", "a", "b")]
        + [{"model": "Gamma-Gamma", "parameter": k, "value": getattr(gg, k)} for k in ("p", "q", "gamma")]
    )
    widgets.table(params, lang)
    st.markdown(
        t(
            "clv.model.fit",
            lang,
            ll_bg=f"{bg.loglik:,.1f}",
            n=widgets.number(bg.customers, lang),
            ll_gg=f"{gg.loglik:,.1f}",
            n_rep=widgets.number(gg.customers, lang),
            unit=t(f"clv.unit.{bg.unit}", lang),
        )
    )
    st.metric(t("clv.model.corr", lang), f"{gg.correlation:.2f}")
    st.caption(t("clv.model.corr.note" if abs(gg.correlation) < 0.3 else "clv.model.corr.warn", lang))
    if not (bg.converged and gg.converged):
        st.warning(t("clv.model.not_converged", lang))
    st.markdown(t("clv.model.explain", lang))
