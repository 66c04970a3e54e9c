"""The only non-page module that imports Streamlit: page set-up, sidebar, language, the
session's data and cached wrappers around crm_core.

Every page starts with ``lang = ui.setup("nav.x")``; it is safe to call on any page, first
visit included. State that must survive a page switch lives under plain session keys
(widget values are dropped on a switch): ``lang`` and ``dataset``.
"""

from __future__ import annotations

import argparse
import logging
import re
import sys
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import streamlit as st

from crm_core import demo
from crm_core.errors import CrmError
from crm_core.export import to_csv_bytes
from crm_core.i18n import LABELS, LANGS, fmt_date, fmt_money, fmt_number, t
from crm_core.ingest import LoadOptions, LoadResult, load, load_frame
from crm_core.readers import read_table

log = logging.getLogger("crm_value_lab")

PAGES = [  # (path, label key, icon): the sidebar, in order
    ("app.py", "nav.home", ":material/home:"),
    ("pages/data.py", "nav.data", ":material/upload_file:"),
]
LANG_NAMES = {"zh": "中文", "en": "English"}


@dataclass
class Dataset:
    """The data a session is working on."""

    source: str  # demo | classroom | typed | file
    name: str
    result: LoadResult
    options: LoadOptions

    def label(self, lang: str) -> str:
        if self.source == "file":
            return t("data.source.file", lang, name=md_escape(self.name))
        return t(f"data.source.{self.source}", lang)


# ------------------------------------------------------------------ page set-up


def setup(title_key: str) -> str:
    """Page config, language switch, sidebar links, data in use. Returns the language."""
    st.set_page_config(page_title=t("app.title", "en"), page_icon=":material/insights:", layout="wide")
    lang = _language()
    with st.sidebar:
        st.markdown(f"### {t('app.title', lang)}")
        for path, key, icon in PAGES:
            st.page_link(path, label=t(key, lang), icon=icon)
    _ensure_data(lang)
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
    st.query_params["lang"] = st.session_state.lang  # a shared link opens in the same language
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


def dataset() -> Dataset:
    return st.session_state.dataset


# ---------------------------------------------------------------------- loading


@st.cache_data(max_entries=16, show_spinner=False)
def _cached_load(data: bytes, filename: str, options: LoadOptions) -> LoadResult:
    # Keyed on the bytes themselves: two sessions share an entry only when they uploaded
    # the same file, so nothing of one user's data can reach another.
    return load(data, filename, options)


@st.cache_data(max_entries=16, show_spinner=False)
def file_columns(data: bytes, filename: str, encoding: str | None, sheet: str | None):
    """Columns and sheets of an upload, for the mapping form (even when loading fails)."""
    raw = read_table(data, filename, encoding=encoding, sheet=sheet)
    return list(raw.frame.columns), raw.sheets


def load_dataset(source: str, name: str, data: bytes, options: LoadOptions) -> Dataset:
    return Dataset(source, name, _cached_load(data, name, options), options)


def load_typed(frame: pd.DataFrame) -> Dataset:
    options = LoadOptions(kind="customers")
    return Dataset("typed", "typed", load_frame(frame, options), options)


def try_load(lang: str, fn, *args) -> Dataset | None:
    """Run a loader; on bad input show one message in ``lang`` and return None."""
    try:
        with st.spinner(t("data.loading", lang)):
            return fn(*args)
    except CrmError as exc:
        st.error(exc.message(lang, escape=md_escape) + "\n\n" + t("data.kept_previous", lang))
        if exc.report is not None:  # rows were read but none kept: the hints say how to fix it
            show_notes(exc.report.notes, lang)
    except Exception:  # a bug: log it on the server, never show a traceback
        log.exception("loading failed")
        st.error(t("error.unexpected", lang))
    return None


# ------------------------------------------------------------------- rendering


_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:])")


def md_escape(text: object) -> str:
    """User text made inert for st.markdown: no links, images, emphasis or HTML."""
    return _MD_SPECIAL.sub(r"\\\1", str(text))


def say(lang: str, key: str, **params: object) -> str:
    """A label with user-supplied parameters escaped for markdown."""
    return t(key, lang, **{k: md_escape(v) if isinstance(v, str) else v for k, v in params.items()})


def money(value: float, lang: str) -> str:
    return fmt_money(value, lang)


def number(value: float, lang: str) -> str:
    """Counts: grouped digits in both languages (万 is kept for money)."""
    return fmt_number(value, "en")


def data_summary(lang: str) -> None:
    """The data in use, in a few metrics (home page and data page)."""
    ds = dataset()
    r, s = ds.result.report, ds.result.summary
    c = ds.result.customers
    st.markdown(f"**{ds.label(lang)}** · {t('kind.' + r.kind, lang)}")
    cols = st.columns([1, 1.3, 1, 1, 1.4])
    cols[0].metric(t("metric.customers", lang), number(len(c), lang))
    cols[1].metric(t("metric.revenue", lang), money(s.revenue_customers, lang))
    cols[2].metric(t("metric.rows_read", lang), number(r.rows_read, lang))
    cols[3].metric(t("metric.rows_rejected", lang), number(r.rows_rejected, lang))
    cols[4].metric(t("metric.as_of", lang), fmt_date(r.as_of, lang))
    st.caption(t("data.report.balance", lang, read=r.rows_read, kept=r.rows_kept, rejected=r.rows_rejected))


def _format_source(source: dict, lang: str) -> str:
    fmt = source.get("format") or "table"
    delim = {",": ",", "\t": "Tab", ";": ";", "|": "|"}.get(source.get("delimiter") or "", "")
    enc = {"gb18030": "GBK/GB18030", "utf-8": "UTF-8", "utf-16": "UTF-16"}.get(
        source.get("encoding") or "", source.get("encoding") or ""
    )
    return t(f"format.{fmt}", lang, encoding=enc, delimiter=delim, sheet=md_escape(source.get("sheet") or ""))


def render_report(lang: str) -> None:
    """The load report of the data in use: balance, reasons, repairs, notes, rejected rows."""
    ds = dataset()
    r, s = ds.result.report, ds.result.summary
    st.subheader(t("data.report", lang))
    balance = t(
        "data.report.balance",
        lang,
        read=number(r.rows_read, lang),
        kept=number(r.rows_kept, lang),
        rejected=number(r.rows_rejected, lang),
    )
    (st.success if r.rows_rejected == 0 else st.warning)(balance)
    picks = ", ".join(f"{t('role.' + role, lang)} ← {md_escape(col)}" for role, col in r.mapping.items())
    st.caption(
        t("data.report.source", lang, format=_format_source(r.source, lang))
        + " · "
        + t("data.mapping.picked", lang, picks=picks)
    )
    show_notes(r.notes, lang)
    left, right = st.columns(2)
    with left:
        st.markdown(f"**{t('data.report.reasons', lang)}**")
        counts = [(t(f"reason.{k}", lang), v) for k, v in r.reason_counts.items() if v]
        if counts:
            table(pd.DataFrame(counts, columns=["why", "rows"]), lang)
        else:
            st.caption(t("data.report.none_rejected", lang))
    with right:
        repairs = [(t(f"repair.{k}", lang), v) for k, v in r.repairs.items() if v]
        if repairs:
            st.markdown(f"**{t('data.report.repairs', lang)}**")
            table(pd.DataFrame(repairs, columns=["repair", "rows"]), lang)
    if r.rows_rejected:
        shown = rejected_for_display(r.rejected, lang)
        st.markdown(f"**{t('data.report.rejected_rows', lang, n=min(200, len(shown)))}**")
        table(shown.head(200), lang)
        st.download_button(
            t("data.report.download", lang),
            to_csv_bytes(shown),
            file_name="rejected_rows.csv",
            mime="text/csv",
            key="dl_rejected",
        )
    st.subheader(t("data.summary", lang))
    if s.customers_without_purchase:
        st.info(
            t(
                "data.summary.left_out",
                lang,
                count=number(s.customers_without_purchase, lang),
                revenue=money(s.revenue_without_purchase, lang),
            )
        )
    st.caption(
        t(
            "data.summary.balance",
            lang,
            revenue_in=money(s.revenue_in, lang),
            revenue_customers=money(s.revenue_customers, lang),
            revenue_left_out=money(s.revenue_without_purchase, lang),
        )
    )
    st.markdown(f"**{t('data.preview', lang)}**")
    table(ds.result.customers.head(100), lang)
    st.download_button(
        t("data.download_customers", lang),
        to_csv_bytes(ds.result.customers),
        file_name="customers.csv",
        mime="text/csv",
        key="dl_customers",
    )


def table(frame: pd.DataFrame, lang: str) -> None:
    """A dataframe with translated headers for known columns, dates without a time, money rounded.

    User text is shown as grid cells, never as markdown or HTML.
    """
    config = {}
    for col in frame.columns:
        label = t(f"col.{col}", lang) if f"col.{col}" in LABELS["en"] else None
        if frame[col].dtype.kind == "M":
            config[col] = st.column_config.DateColumn(label, format="YYYY-MM-DD")
        elif col in ("monetary", "avg_spend", "returns"):
            config[col] = st.column_config.NumberColumn(label, format="%.2f")
        elif label:
            config[col] = st.column_config.Column(label)
    st.dataframe(frame, hide_index=True, column_config=config)


def show_notes(notes, lang: str) -> None:
    for note in notes:
        params = dict(note.params)
        if "order" in params:
            params["order"] = t(f"dateorder.{params['order']}", lang)
        (st.warning if note.level == "warning" else st.info)(say(lang, note.key, **params))


def rejected_for_display(rejected: pd.DataFrame, lang: str) -> pd.DataFrame:
    out = rejected.copy()
    out.insert(2, "why", [t(f"reason.{k}", lang) for k in out["reason"]])
    return out
