"""Home: what the lab does, the data in use, and a link to every page."""

import streamlit as st

import ui
from crm_core.i18n import t
from ui import loading

lang = ui.setup("nav.home")
st.markdown(t("app.tagline", lang))

st.subheader(t("home.what", lang))
st.markdown(t("home.modules", lang))

st.subheader(t("home.data_in_use", lang))
loading.data_summary(lang)
st.page_link("pages/data.py", label=t("home.open_data", lang), icon=":material/upload_file:")
