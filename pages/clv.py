"""Customer lifetime value: BG/NBD + Gamma-Gamma per customer and segment, at-risk list, holdout check."""

import streamlit as st

import ui
from crm_core.i18n import t
from crm_core.rfm import rfm
from crm_core.segments import builtin
from ui import clv as clv_view
from ui import widgets

lang = ui.setup("nav.clv")
ds = ui.dataset(lang)
values = clv_view.settings(lang)
got = clv_view.current(lang, ds, values)
if got is None:
    st.stop()
fitted, scores, _ = got
st.markdown(t("clv.intro", lang))
clv_view.metrics(lang, scores, values["risk"])
st.caption(
    t(
        "clv.caption",
        lang,
        as_of=fitted.as_of.isoformat(),
        unit=t(f"clv.unit.{fitted.bgnbd.unit}", lang),
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
ctx = clv_view.View(ds, fitted, scores, values, scheme, seg)
getattr(clv_view, f"{view}_view")(lang, ctx)
