"""Lifecycle value grid (current value × growth potential), lifecycle stages, customer pyramid."""

import numpy as np
import pandas as pd
import streamlit as st

import ui
from crm_core import charts
from crm_core.i18n import t
from crm_core.lifecycle import (
    CELLS,
    STAGES,
    TIERS,
    StageRules,
    cell_codes,
    current_value,
    pyramid,
    stages,
    status_stages,
)
from crm_core.params import MARGIN, PYRAMID, SERVE_COST
from ui import campaign as campaign_view
from ui import clv as clv_view
from ui import value_lifecycle as lifecycle_view
from ui import whatif, widgets

lang = ui.setup("nav.lifecycle")
ds = ui.dataset(lang)
c, tx, as_of = ds.result.customers, ds.result.transactions, ds.result.report.as_of
sb = st.sidebar
sb.markdown(f"**{t('lc.settings', lang)}**")
has_cost = tx is not None and "cost" in tx.columns
widgets.persisted("lc_value", "spend", str, ["spend", "profit"])
sb.radio(t("lc.value", lang), ["spend", "profit"], key="lc_value", format_func=lambda k: t(f"lc.value.{k}", lang))
margin, serve = None, 0.0
if st.session_state.lc_value == "profit":
    if not has_cost:
        margin = sb.number_input(t(MARGIN.label, lang), *MARGIN.bounds, MARGIN.default, step=1.0, key=MARGIN.name)
    serve = sb.number_input(
        t(SERVE_COST.label, lang), *SERVE_COST.bounds, SERVE_COST.default, step=1.0, key=SERVE_COST.name
    )
profit = st.session_state.lc_value == "profit"
value, how = current_value(c, tx if profit else None, margin_pct=margin, cost_per_order=serve)

# Numeric columns that can carry a potential or a wallet estimate (uploaded text included).
known = {
    "customer_id",
    "recency_days",
    "frequency",
    "monetary",
    "avg_spend",
    "returns",
    "order_date",
    "amount",
    "order_id",
    "cost",
    "first_purchase",
    "last_purchase",
}
frames = [c] if tx is None else [c, tx]
extras = [
    col
    for f in frames
    for col in f.columns
    if col not in known and pd.to_numeric(f[col], errors="coerce").notna().mean() > 0.9
]
methods = (["model", "clv"] if tx is not None else []) + (["column", "wallet"] if extras else [])
if not methods:
    st.warning(t("lc.no_potential", lang))
    st.stop()
widgets.persisted("lc_potential", methods[0], str, methods)
sb.radio(t("lc.potential", lang), methods, key="lc_potential", format_func=lambda k: t(f"lc.potential.{k}", lang))
potential = lifecycle_view.potential(lang, ds, st.session_state.lc_potential, extras)
if potential is None:
    st.stop()
v_split = widgets.split_widget(lang, "lc_v", t("lc.split.v", lang), value.to_numpy(float))
p_split = widgets.split_widget(lang, "lc_p", t("lc.split.p", lang), potential.to_numpy(float))
widgets.share(["lc_value", "lc_potential"])

v, p = value.to_numpy(float), potential.to_numpy(float)
v_line, p_line = v_split.at(v), p_split.at(p)
codes = cell_codes(v, p, v_line, p_line) - 1
st.caption(t(f"lc.value_is.{how}", lang) + " " + t("lc.rule", lang, v=f"{v_line:,.2f}", p=f"{p_line:,.2f}"))

view = widgets.view_picker(
    "lc_view",
    [
        ("grid", "lc.tab.grid"),
        ("stages", "lc.tab.stages"),
        ("pyramid", "lc.tab.pyramid"),
        ("whatif", "rfm.tab.whatif"),
        ("within", "rfm.tab.within"),
    ],
    lang,
)
frame = c[["customer_id", "recency_days", "frequency", "monetary"]].assign(
    current_value=v, potential=p, cell=np.asarray(CELLS)[codes]
)
if view == "grid":
    grid = lifecycle_view.grid_table(lang, codes, v, p)
    extra = clv_view.group_columns(lang, ds, c["customer_id"], codes, len(CELLS))
    if extra is not None:
        grid = pd.concat([grid, extra], axis=1)
    widgets.table(grid, lang)
    names = [t(f"lc.cell.{k}", lang) for k in (4, 2, 3, 1)]
    fig, n = charts.quadrants(
        frame.assign(cell_label=np.asarray([t(f"lc.cell.{k}", lang) for k in CELLS], dtype=object)[codes]),
        "current_value",
        "potential",
        "cell_label",
        v_line,
        p_line,
        names,
        t("lc.chart", lang),
        t("col.current_value", lang),
        t("col.potential", lang),
        log=False,
    )
    st.plotly_chart(fig, key="lc_chart")
    whatif.group_exports(lang, "lifecycle", frame, "cell", list(CELLS), lambda k: t(f"lc.cell.{k}", lang))
    campaign_view.panel(
        lang,
        ds,
        c,
        np.asarray(CELLS, dtype=object)[codes],
        list(CELLS),
        lambda k: t(f"lc.cell.{k}", lang),
        lambda k: lifecycle_view.cell_action(k, lang),
        "lifecycle",
    )
elif view == "stages":
    rules, rule, period = lifecycle_view.stage_rules(lang, StageRules(), dated=tx is not None)
    st_frame = status_stages(c, tx, as_of, period, rules) if rule == "status" else stages(c, tx, as_of, rules)
    frame["stage"] = st_frame["stage"].to_numpy()
    lifecycle_view.stage_views(lang, frame, STAGES, CELLS)
elif view == "pyramid":
    key_p, pot_p = PYRAMID
    for p in PYRAMID:
        widgets.persist_param(p)
    key_cut = st.slider(t(key_p.label, lang), *key_p.bounds, key=key_p.name)
    st.session_state[pot_p.name] = max(st.session_state[pot_p.name], key_cut + 1)  # potential tier above key
    pot_cut = st.slider(t(pot_p.label, lang), key_cut + 1, pot_p.bounds[1], key=pot_p.name)
    widgets.share_params(PYRAMID)
    pyr, _ = pyramid(c["monetary"].to_numpy(float), (float(key_cut), float(pot_cut)))
    pyr.insert(1, "label", [t(f"lc.tier.{k}", lang) for k in TIERS])
    widgets.table(pyr, lang)
    st.caption(t("lc.pyramid.note", lang))
elif view == "within":
    lifecycle_view.lifecycle_within(
        lang,
        ds,
        st.session_state.lc_potential,
        st.session_state.get("lc_column"),
        profit,
        margin,
        serve,
        v_split,
        p_split,
    )
else:
    whatif.whatif_panel(
        lang, "lc", ds.token, codes, list(CELLS), lambda k, lg: t(f"lc.cell.{k}", lg), c["monetary"].to_numpy(float)
    )
