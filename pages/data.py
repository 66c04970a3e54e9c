"""Data: choose demo data, upload a file or type a table; the full load report."""

import datetime as dt

import pandas as pd
import streamlit as st

import ui
from crm_core import demo
from crm_core.columns import KINDS, ROLES
from crm_core.errors import CrmError
from crm_core.i18n import t
from crm_core.ingest import LoadOptions, resolve_mapping

lang = ui.setup("nav.data")
st.markdown(t("data.intro", lang))
ui.data_summary(lang)


def use(ds):
    if ds is not None:
        st.session_state.dataset = ds
        st.rerun()


left, right = st.columns(2)
for col, name, key in ((left, "demo", "data.use_demo"), (right, "classroom", "data.use_classroom")):
    if col.button(t(key, lang), key=f"use_{name}"):
        data, filename = demo.demo_bytes(name)
        use(ui.try_load(lang, ui.load_dataset, name, filename, data, LoadOptions()))

uploaded = st.file_uploader(
    t("data.upload", lang), type=["csv", "tsv", "txt", "xlsx", "xlsm", "parquet"], key="upload_widget"
)
if uploaded is not None and uploaded.file_id != st.session_state.get("upload_id"):
    # Keep the bytes under a plain key: uploader values are dropped on a page switch.
    st.session_state.upload_id = uploaded.file_id
    st.session_state.upload_file = (uploaded.name, uploaded.getvalue())
    use(ui.try_load(lang, ui.load_dataset, "file", uploaded.name, uploaded.getvalue(), LoadOptions()))

if "upload_file" in st.session_state:
    name, data = st.session_state.upload_file
    uid = st.session_state.upload_id
    with st.expander(t("data.options", lang) + f" · {ui.md_escape(name)}", expanded=True):
        c1, c2, c3 = st.columns(3)
        kind = c1.selectbox(
            t("data.kind", lang),
            ["auto", *KINDS],
            key=f"kind_{uid}",
            format_func=lambda k: t("data.kind.auto" if k == "auto" else f"kind.{k}", lang),
        )
        encoding = c2.selectbox(
            t("data.encoding", lang),
            [None, "utf-8", "gb18030", "big5", "utf-16"],
            key=f"enc_{uid}",
            format_func=lambda e: e or t("data.encoding.auto", lang),
        )
        try:
            columns, sheets = ui.file_columns(data, name, encoding, None)
        except CrmError:
            columns, sheets = [], []
        sheet = c3.selectbox(t("data.sheet", lang), sheets, key=f"sheet_{uid}") if len(sheets) > 1 else None
        if sheet:
            columns, _ = ui.file_columns(data, name, encoding, sheet)
        probe = LoadOptions(kind=kind)
        try:
            kind_used, detected = resolve_mapping(columns, probe)
        except CrmError:
            kind_used, detected = (kind if kind != "auto" else "transactions"), {}
        st.markdown(f"**{t('data.mapping', lang)}** · {t('data.mapping.help', lang)}")
        choices = ["", *columns]
        mapping = {}
        role_cols = st.columns(len(ROLES[kind_used]))
        for rc, role in zip(role_cols, ROLES[kind_used], strict=True):
            picked = detected.get(role, "")
            mapping[role] = rc.selectbox(
                t(f"role.{role}", lang),
                choices,
                index=choices.index(picked),
                key=f"map_{uid}_{kind_used}_{role}",
                format_func=lambda c: c or t("data.mapping.none", lang),
            )
        c1, c2, c3 = st.columns(3)
        decimal = c1.radio(
            t("data.decimal", lang),
            [".", ","],
            key=f"dec_{uid}",
            format_func=lambda d: t("data.decimal.point" if d == "." else "data.decimal.comma", lang),
        )
        order = c2.radio(
            t("data.date_order", lang),
            ["auto", "dmy", "mdy"],
            key=f"order_{uid}",
            format_func=lambda o: t(f"data.date_order.{o}", lang),
        )
        keep_dups = c3.checkbox(t("data.keep_duplicates", lang), key=f"dups_{uid}")
        set_as_of = c3.checkbox(t("data.set_as_of", lang), key=f"asof_on_{uid}")
        as_of = (
            c3.date_input(
                t("data.as_of", lang), value=ui.dataset().result.report.as_of or dt.date.today(), key=f"asof_{uid}"
            )
            if set_as_of
            else None
        )
        if st.button(t("data.apply", lang), type="primary", key=f"apply_{uid}"):
            options = LoadOptions(
                kind=kind_used,
                as_of=as_of,
                decimal=decimal,
                date_order=order,
                keep_duplicates=keep_dups,
                encoding=encoding,
                sheet=sheet,
            )
            options = options.with_columns(mapping)
            use(ui.try_load(lang, ui.load_dataset, "file", name, data, options))

with st.expander(t("data.typed.title", lang)):
    st.caption(t("data.typed.help", lang))
    start = pd.read_csv(demo.CLASSROOM_CUSTOMERS, dtype={"customer_id": str}, parse_dates=["last_purchase"])
    start["last_purchase"] = start["last_purchase"].dt.date
    edited = st.data_editor(start, num_rows="dynamic", key="typed_editor", hide_index=True)
    if st.button(t("data.typed.use", lang), key="use_typed"):
        use(ui.try_load(lang, ui.load_typed, edited))

ui.render_report(lang)
