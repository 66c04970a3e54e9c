"""Data: choose demo data, upload a file or type a table; the full load report."""

import datetime as dt

import pandas as pd
import streamlit as st

import ui
from crm_core import demo
from crm_core.columns import KINDS, ROLES
from crm_core.errors import CrmError
from crm_core.i18n import t
from crm_core.ingest import LoadOptions, interpret
from crm_core.layouts import catalogue
from crm_core.limits import MAX_BYTES
from crm_core.readers import ENCODINGS
from ui import loading, widgets

lang = ui.setup("nav.data")
st.markdown(t("data.intro", lang))
loading.data_summary(lang)


def use(ds):
    if ds is not None:
        st.session_state.dataset = ds
        st.rerun()


left, right = st.columns(2)
for col, name, key in ((left, "demo", "data.use_demo"), (right, "classroom", "data.use_classroom")):
    if col.button(t(key, lang), key=f"use_{name}"):
        data, filename = demo.demo_bytes(name)
        use(loading.try_load(lang, loading.load_dataset, name, filename, data, LoadOptions()))

uploaded = st.file_uploader(
    t("data.upload", lang),
    type=["csv", "tsv", "txt", "xlsx", "xlsm", "parquet"],
    key="upload_widget",
    help=t("data.limit", lang, limit_mb=MAX_BYTES / 2**20),
)
st.caption(t("data.limit", lang, limit_mb=MAX_BYTES / 2**20))
if uploaded is not None and uploaded.file_id != st.session_state.get("upload_id"):
    # Keep the bytes under a plain key: uploader values are dropped on a page switch.
    st.session_state.upload_id = uploaded.file_id
    st.session_state.upload_file = (uploaded.name, uploaded.getvalue())
    use(loading.try_load(lang, loading.load_dataset, "file", uploaded.name, uploaded.getvalue(), LoadOptions()))

ROLE_COLUMNS = 4  # mapping pickers per row


def loaded(name: str) -> bool:
    """True when the uploaded file ``name`` is the data in use (its last load succeeded)."""
    ds = ui.dataset()
    return ds.source == "file" and ds.name == name


def options_form(name: str, data: bytes, uid: str) -> LoadOptions | None:
    """Every reading choice for the uploaded file; returns new options when applied."""
    report = ui.dataset().result.report if loaded(name) else None
    c1, c2, c3, c4 = st.columns(4)
    kind = c1.selectbox(
        t("data.kind", lang),
        ["auto", *KINDS],
        key=f"kind_{uid}",
        format_func=lambda k: t("data.kind.auto" if k == "auto" else f"kind.{k}", lang),
    )
    encoding = c2.selectbox(
        t("data.encoding", lang),
        [None, *ENCODINGS],
        key=f"enc_{uid}",
        format_func=lambda e: e or t("data.encoding.auto", lang),
    )
    layouts = catalogue()
    layout = c3.selectbox(
        t("data.layout", lang),
        ["auto", "none", *layouts],
        key=f"layout_{uid}",
        format_func=lambda k: t(f"data.layout.{k}", lang) if k in ("auto", "none") else layouts[k].name[lang],
    )
    header_row = c4.number_input(
        t("data.header_row", lang),
        min_value=0,
        max_value=30,
        value=0,
        step=1,
        key=f"header_{uid}",
        help=t("data.header_row.auto", lang) + " = 0",
    )
    header_row = int(header_row) or None
    try:
        columns, sheets = loading.file_columns(data, name, encoding, None, header_row)
    except CrmError:
        columns, sheets = [], []
    sheet = None
    if len(sheets) > 1:
        sheet = st.selectbox(
            t("data.sheet", lang),
            [None, *sheets],
            key=f"sheet_{uid}",
            format_func=lambda s: t("data.sheet.all", lang) if s is None else s,
        )
        if sheet:
            columns, _ = loading.file_columns(data, name, encoding, sheet, header_row)
    try:
        found = interpret(columns, LoadOptions(kind=kind, layout=layout))
        kind_used, detected = found.kind, found.mapping
    except CrmError:
        kind_used, detected = (kind if kind != "auto" else "transactions"), {}
    st.markdown(f"**{t('data.mapping', lang)}** · {t('data.mapping.help', lang)}")
    choices = ["", *columns]
    mapping = {}
    roles = ROLES[kind_used]
    for start in range(0, len(roles), ROLE_COLUMNS):
        cells = st.columns(ROLE_COLUMNS)
        for rc, role in zip(cells, roles[start : start + ROLE_COLUMNS], strict=False):
            picked = detected.get(role, "")
            mapping[role] = rc.selectbox(
                t(f"role.{role}", lang),
                choices,
                index=choices.index(picked) if picked in choices else 0,
                key=f"map_{uid}_{kind_used}_{layout}_{role}",
                format_func=lambda c: c or t("data.mapping.none", lang),
            )
    statuses = None
    if report is not None and report.statuses is not None and len(report.statuses):
        values = report.statuses["status"].tolist()
        counted = report.statuses.loc[report.statuses["counted"], "status"].tolist()
        picked = st.multiselect(t("data.statuses", lang), values, default=counted, key=f"statuses_{uid}")
        statuses = tuple(picked) if set(picked) != set(counted) else None
    c1, c2, c3, c4 = st.columns(4)
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
    dups = c3.radio(
        t("data.duplicates", lang),
        ["auto", "keep", "drop"],
        key=f"dups_{uid}",
        format_func=lambda d: t(f"data.duplicates.{d}", lang),
    )
    currency = c4.text_input(t("data.currency", lang), key=f"cur_{uid}", placeholder=t("data.currency.auto", lang))
    set_as_of = c4.checkbox(t("data.set_as_of", lang), key=f"asof_on_{uid}")
    as_of = (
        c4.date_input(
            t("data.as_of", lang), value=ui.dataset().result.report.as_of or dt.date.today(), key=f"asof_{uid}"
        )
        if set_as_of
        else None
    )
    if not st.button(t("data.apply", lang), type="primary", key=f"apply_{uid}"):
        return None
    options = LoadOptions(
        kind=kind_used,
        as_of=as_of,
        decimal=decimal,
        date_order=order,
        keep_duplicates={"auto": None, "keep": True, "drop": False}[dups],
        encoding=encoding,
        sheet=sheet,
        header_row=header_row,
        layout=layout,
        purchase_statuses=statuses,
        currency=currency.strip().upper() or None,
    )
    return options.with_columns(mapping)


# How the data in use was read comes first: every figure below and on the other pages uses it.
loading.render_interpretation(lang)

if "upload_file" in st.session_state:
    name, data = st.session_state.upload_file
    uid = st.session_state.upload_id
    # closed when the upload is the data in use; open when it did not load, to fix it
    with st.expander(t("data.options", lang) + f" · {widgets.md_escape(name)}", expanded=not loaded(name)):
        options = options_form(name, data, uid)
        if options is not None:
            use(loading.try_load(lang, loading.load_dataset, "file", name, data, options))

with st.expander(t("data.typed.title", lang)):
    st.caption(t("data.typed.help", lang))
    start = pd.read_csv(demo.CLASSROOM_CUSTOMERS, dtype={"customer_id": str}, parse_dates=["last_purchase"])
    start["last_purchase"] = start["last_purchase"].dt.date
    edited = st.data_editor(start, num_rows="dynamic", key="typed_editor", hide_index=True)
    if st.button(t("data.typed.use", lang), key="use_typed"):
        use(loading.try_load(lang, loading.load_typed, edited))

with st.expander(t("attr.title", lang), expanded="attributes" in st.session_state):
    st.caption(t("attr.help", lang))
    attr = st.file_uploader(t("attr.upload", lang), type=["csv", "tsv", "txt", "xlsx", "xlsm", "parquet"],
                            key="attr_widget")  # fmt: skip
    if attr is not None and attr.file_id != st.session_state.get("attributes_id"):
        st.session_state.attributes_id = attr.file_id
        st.session_state.attributes = (attr.name, attr.getvalue(), None)
    if "attributes" in st.session_state:
        a_name, a_data, a_id = st.session_state.attributes
        try:
            a_columns = loading.file_columns(a_data, a_name, None, None)[0]
        except CrmError:
            a_columns = []
        if a_id is None:  # the column the loader's aliases point at, said as a guess
            from crm_core.columns import CUSTOMERS, detect_columns

            a_id = detect_columns(a_columns, CUSTOMERS).get("customer_id")
        if a_columns:
            choices = ["", *a_columns]  # no guess: nothing picked until the user picks (never the first column)
            picked = st.selectbox(
                t("attr.id", lang),
                choices,
                index=choices.index(a_id) if a_id in choices else 0,
                key=f"attr_id_{st.session_state.get('attributes_id')}",
                format_func=lambda c: widgets.md_escape(c) if c else t("data.mapping.none", lang),
            )
            if picked and picked != a_id:  # a column chosen by the user is no longer a guess
                st.session_state.attributes = (a_name, a_data, picked)
        if st.button(t("attr.remove", lang), key="attr_remove"):
            st.session_state.pop("attributes", None)
            st.rerun()
        ui.dataset()  # joins (or says why not) before the report
        loading.attributes_report(lang)

loading.render_report(lang)
