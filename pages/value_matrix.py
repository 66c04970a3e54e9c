"""Customer value matrix: purchase frequency × average spend per purchase, four types."""

import numpy as np
import pandas as pd
import streamlit as st

import ui
from crm_core import charts
from crm_core.groups import summary
from crm_core.i18n import t
from crm_core.value_matrix import TYPES, type_codes
from ui import campaign as campaign_view
from ui import clv as clv_view
from ui import value_lifecycle as value_lifecycle_view
from ui import whatif, widgets

lang = ui.setup("nav.value_matrix")
ds = ui.dataset(lang)
c = ds.result.customers
st.sidebar.markdown(f"**{t('vm.settings', lang)}**")
f_split = widgets.split_widget(lang, "vm_f", t("vm.split.f", lang), c["frequency"].to_numpy(float), integer=True)
s_split = widgets.split_widget(lang, "vm_s", t("vm.split.s", lang), c["avg_spend"].to_numpy(float))
widgets.persisted("vm_log", True, widgets.as_bool)
st.sidebar.toggle(t("vm.log", lang), key="vm_log")
widgets.share(["vm_log"])

freq, spend = c["frequency"].to_numpy(float), c["avg_spend"].to_numpy(float)
f_line, s_line = f_split.at(freq), s_split.at(spend)
codes = type_codes(freq, spend, f_line, s_line)
revenue = c["monetary"].to_numpy(float)


def label(k):
    return t(f"vm.type.{k}", lang)


cols = st.columns(3)
cols[0].metric(t("metric.customers", lang), widgets.number(len(c), lang))
cols[1].metric(t("vm.line.f", lang), f"{f_line:,.2f}")
cols[2].metric(t("vm.line.s", lang), widgets.money(s_line, lang))
st.caption(t("vm.rule", lang))

table = summary(codes, list(TYPES), revenue, {"avg_frequency": freq, "avg_spend": spend})
extra = clv_view.group_columns(lang, ds, c["customer_id"], codes, len(TYPES))
if extra is not None:
    table = pd.concat([table, extra], axis=1)
table.insert(1, "label", [label(k) for k in TYPES])
table["strategy"] = [t(f"vm.strategy.{k}", lang) for k in TYPES]
widgets.table(table, lang)

frame = c.assign(value_type=np.asarray(TYPES, dtype=object)[codes])
fig, n = charts.quadrants(
    frame.assign(type_label=np.asarray([label(k) for k in TYPES], dtype=object)[codes]),  # by code, not per row
    "frequency",
    "avg_spend",
    "type_label",
    f_line,
    s_line,
    [label(k) for k in TYPES],
    t("vm.chart", lang),
    t("col.frequency", lang),
    t("col.avg_spend", lang),
    log=st.session_state.vm_log,
)
st.plotly_chart(fig, key="vm_chart")
st.caption(t("rfm.scatter.sample", lang, shown=widgets.number(n, lang), total=widgets.number(len(frame), lang)))

view = widgets.view_picker(
    "vm_view", [("whatif", "rfm.tab.whatif"), ("drill", "vm.tab.drill"), ("within", "rfm.tab.within")], lang
)
if view == "within":
    value_lifecycle_view.within(lang, ds, f_split, s_split)
elif view == "whatif":
    whatif.whatif_panel(lang, "vm", ds.token, codes, list(TYPES), lambda k, lg: t(f"vm.type.{k}", lg), revenue)
else:
    whatif.group_exports(
        lang,
        "value_matrix",
        frame[["customer_id", "frequency", "avg_spend", "monetary", "recency_days", "value_type"]],
        "value_type",
        list(TYPES),
        label,
    )
    campaign_view.panel(
        lang,
        ds,
        c,
        np.asarray(TYPES, dtype=object)[codes],
        list(TYPES),
        label,
        lambda k: t(f"vm.strategy.{k}", lang),
        "value_matrix",
    )
