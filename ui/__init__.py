"""Streamlit side of CRM Value Lab: the only code besides pages/ that imports streamlit.

Every page starts with ``lang = ui.setup("nav.x")`` and reads the data with ``ui.dataset()``;
the rest lives in one module per concern:

* ``state``: session keys, the :class:`Dataset` a session works on
* ``widgets``: tables, number/money formatting, split widget, view picker, URL persistence
* ``loading``: cached loading, the load report and how a file was read
* ``whatif``: baseline pin and comparison view shared by the analysis pages
* ``rfm``, ``value_lifecycle``, ``bullseye``, ``classroom``: one view module per page area
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path

import pandas as pd
import streamlit as st

from crm_core import demo
from crm_core.errors import CrmError
from crm_core.i18n import LANGS, t
from crm_core.ingest import LoadOptions
from ui.loading import load_dataset
from ui.state import Dataset, per_dataset
from ui.state import dataset as loaded_dataset
from ui.widgets import md_escape, persisted, share

__all__ = ["PAGES", "Dataset", "dataset", "per_dataset", "setup"]

PAGES = [  # (path, label key, icon): the sidebar, in order
    ("app.py", "nav.home", ":material/home:"),
    ("pages/data.py", "nav.data", ":material/upload_file:"),
    ("pages/rfm.py", "nav.rfm", ":material/grid_view:"),
    ("pages/value_matrix.py", "nav.value_matrix", ":material/scatter_plot:"),
    ("pages/lifecycle.py", "nav.lifecycle", ":material/timeline:"),
    ("pages/clv.py", "nav.clv", ":material/savings:"),
    ("pages/over_time.py", "nav.over_time", ":material/moving:"),
    ("pages/bullseye.py", "nav.bullseye", ":material/target:"),
    ("pages/classroom.py", "nav.classroom", ":material/school:"),
]


LANG_NAMES = {"zh": "中文", "en": "English"}


def setup(title_key: str) -> str:
    """Page config, language switch, sidebar links, data in use. Returns the language."""
    st.set_page_config(page_title=t("app.title", "en"), page_icon=":material/insights:", layout="wide")
    lang = _language()
    with st.sidebar:
        st.markdown(f"### {t('app.title', lang)}")
        for path, key, icon in PAGES:
            st.page_link(path, label=t(key, lang), icon=icon)
    _ensure_data(lang)
    st.session_state.export_scope = ""  # set by dataset(lang) on the pages that filter
    st.title(t(title_key, lang) if title_key != "nav.home" else t("app.title", lang))
    return lang


def _language() -> str:
    if "lang" not in st.session_state:
        asked = st.query_params.get("lang")
        locale = (getattr(st.context, "locale", None) or "").lower()
        st.session_state.lang = asked if asked in LANGS else ("zh" if locale.startswith("zh") else "en")
    st.session_state["lang_widget"] = st.session_state.lang

    def changed() -> None:
        st.session_state.lang = st.session_state["lang_widget"]

    st.sidebar.radio(
        "语言 / Language",
        LANGS,
        key="lang_widget",
        format_func=LANG_NAMES.get,
        horizontal=True,
        on_change=changed,
    )
    if st.query_params.get("lang") != st.session_state.lang:  # a shared link opens in the same language
        st.query_params["lang"] = st.session_state.lang
    return st.session_state.lang


def startup_path() -> Path | None:
    """``streamlit run app.py -- --data PATH`` starts on PATH instead of the demo data."""
    parser = argparse.ArgumentParser(add_help=False)
    parser.add_argument("--data", type=Path)
    args, _ = parser.parse_known_args(sys.argv[1:])
    return args.data


def _ensure_data(lang: str) -> None:
    if "dataset" in st.session_state:
        return
    path = startup_path()
    if path is not None:
        try:
            data = path.read_bytes()
            st.session_state.dataset = load_dataset("file", path.name, data, LoadOptions())
            return
        except (OSError, CrmError) as exc:
            msg = exc.message(lang, escape=md_escape) if isinstance(exc, CrmError) else md_escape(exc)
            st.sidebar.error(f"{md_escape(str(path))}: {msg}")
    data, name = demo.demo_bytes("demo")
    st.session_state.dataset = load_dataset("demo", name, data, LoadOptions())


def _day(raw: object) -> dt.date:
    return dt.date.fromisoformat(str(raw)[:10])


def dataset(lang: str | None = None) -> Dataset:
    """The session's data. With ``lang`` (the analysis pages), also the analysis-date picker
    and the filters: every figure is then computed as of the chosen date from the rows up to
    it (a purchase on the date counts; recency is measured to it), on the rows and customers
    the filters keep (said above the figures). Both in the URL."""
    from ui.loading import with_attributes

    ds = with_attributes(loaded_dataset(), lang or st.session_state.get("lang", "en"))
    if lang is None:
        return ds
    from ui import scope as scope_ui

    ds = _at_date(lang, ds)
    chosen = scope_ui.panel(lang, ds)
    st.session_state.export_scope = chosen.label()  # in the downloads' names and "about" sheets
    if chosen.is_empty():
        return ds
    with st.spinner(t("scope.applying", lang)):
        scoped = scope_ui.apply(ds, chosen)
    scope_ui.banner(lang, chosen, scoped)
    if scoped.customers_kept == 0:
        st.warning(t("scope.nothing", lang))
        st.stop()
    return scoped.ds


def _at_date(lang: str, ds: Dataset) -> Dataset:
    loaded = ds.result.report.as_of
    tx = ds.result.transactions
    if tx is None or loaded is None or tx.empty:
        return ds
    first = per_dataset(ds.token, "first_day", (), lambda: pd.Timestamp(tx["order_date"].min()).date())
    persisted("as_of", loaded, _day)
    other_data = st.session_state.get("as_of_for") not in (None, ds.token)  # a new upload starts at its own date
    if other_data or not first <= st.session_state.as_of <= loaded:  # or a link's date outside the data
        st.session_state.as_of = loaded
    st.session_state.as_of_for = ds.token
    st.sidebar.date_input(
        t("asof.label", lang), min_value=first, max_value=loaded, key="as_of", help=t("asof.help", lang)
    )
    share(["as_of"])
    day = st.session_state.as_of
    if day == loaded:
        return ds
    st.sidebar.caption(t("asof.note", lang, day=day.isoformat(), loaded=loaded.isoformat()))
    with st.spinner(t("asof.applying", lang, day=day.isoformat())):
        return per_dataset(ds.token, "as_of", (day,), lambda: _as_of(ds, day))


def _as_of(ds: Dataset, day: dt.date) -> Dataset:
    """The same data seen on an earlier date: rows after it left out, customers summarised to it."""
    import dataclasses

    from crm_core.summarize import summarize_detail

    tx = ds.result.transactions
    kept = tx[tx["order_date"].dt.normalize() <= pd.Timestamp(day)]
    summary = summarize_detail(kept, day)
    report = dataclasses.replace(ds.result.report, as_of=day)
    result = dataclasses.replace(
        ds.result, report=report, customers=summary.customers, summary=summary, transactions=kept
    )
    return Dataset(ds.source, ds.name, result, token=f"{ds.token}@{day.isoformat()}")
