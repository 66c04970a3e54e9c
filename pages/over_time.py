"""Customers over time: migration between two dates, status per period, cohorts, segment history."""

import streamlit as st

import ui
from crm_core.i18n import t
from ui import overtime as ot_view
from ui import widgets

lang = ui.setup("nav.over_time")
ds = ui.dataset(lang)
if ds.result.transactions is None:
    st.info(t("ot.needs_transactions", lang))
    st.stop()
st.markdown(t("ot.intro", lang))
view = widgets.view_picker(
    "ot_view",
    [
        ("migration", "ot.tab.migration"),
        ("status", "ot.tab.status"),
        ("cohorts", "ot.tab.cohorts"),
        ("history", "ot.tab.history"),
    ],
    lang,
)
st.sidebar.markdown(f"**{t('ot.settings', lang)}**")
if view in ("migration", "history"):
    scheme = ot_view.scheme_choice(lang, ds.result.transactions, view)
    rfm_params = ot_view.rfm_settings(lang, ds, scheme)
    key = ot_view.token_of(scheme, rfm_params)
if view in ("status", "cohorts", "history"):
    period = ot_view.period_choice(lang)
if view == "migration":
    ot_view.migration_view(lang, ds, scheme, rfm_params, key)
elif view == "status":
    ot_view.status_view(lang, ds, period)
elif view == "cohorts":
    ot_view.cohort_view(lang, ds, period)
else:
    ot_view.history_view(lang, ds, scheme, rfm_params, period, key)
