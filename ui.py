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
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import streamlit as st

from crm_core import demo
from crm_core.errors import CrmError
from crm_core.export import to_csv_bytes
from crm_core.groups import at_or_above, at_or_below
from crm_core.i18n import LABELS, LANGS, fmt_date, fmt_money, fmt_number, t
from crm_core.ingest import LoadOptions, LoadResult, load, load_frame, note_text
from crm_core.layouts import catalogue
from crm_core.readers import read_table

log = logging.getLogger("crm_value_lab")

PAGES = [  # (path, label key, icon): the sidebar, in order
    ("app.py", "nav.home", ":material/home:"),
    ("pages/data.py", "nav.data", ":material/upload_file:"),
    ("pages/rfm.py", "nav.rfm", ":material/grid_view:"),
    ("pages/value_matrix.py", "nav.value_matrix", ":material/scatter_plot:"),
    ("pages/lifecycle.py", "nav.lifecycle", ":material/timeline:"),
    ("pages/bullseye.py", "nav.bullseye", ":material/target:"),
    ("pages/classroom.py", "nav.classroom", ":material/school:"),
]
LANG_NAMES = {"zh": "中文", "en": "English"}


@dataclass
class Dataset:
    """The data a session is working on."""

    source: str  # demo | classroom | typed | file
    name: str
    result: LoadResult
    token: str = field(default_factory=lambda: uuid.uuid4().hex)  # keys per-dataset caches

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


def dataset() -> Dataset:
    return st.session_state.dataset


# ---------------------------------------------------------------------- loading


@st.cache_data(max_entries=8, ttl=3600, show_spinner=False)
def _cached_load(data: bytes, filename: str, options: LoadOptions) -> LoadResult:
    # Keyed on the bytes themselves: two sessions share an entry only when they uploaded
    # the same file, so nothing of one user's data can reach another.
    return load(data, filename, options)


@st.cache_data(max_entries=8, ttl=3600, show_spinner=False)
def file_columns(data: bytes, filename: str, encoding: str | None, sheet: str | None, header_row: int | None = None):
    """Columns and sheets of an upload, for the mapping form (even when loading fails)."""
    raw = read_table(data, filename, encoding=encoding, sheet=sheet, header_row=header_row)
    return list(raw.frame.columns), raw.sheets


def load_dataset(source: str, name: str, data: bytes, options: LoadOptions) -> Dataset:
    return Dataset(source, name, _cached_load(data, name, options))


def load_typed(frame: pd.DataFrame) -> Dataset:
    options = LoadOptions(kind="customers")
    return Dataset("typed", "typed", load_frame(frame, options))


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


CURRENCY_SIGNS = {"CNY": "¥", "RMB": "¥", "人民币": "¥", "USD": "$", "EUR": "€", "GBP": "£", "JPY": "JP¥", "CAD": "CA$"}


def currency_sign(code: str | None) -> str:
    """The sign money is shown with: the data's currency (¥ when the data does not say)."""
    if not code:
        return "¥"
    return CURRENCY_SIGNS.get(code.upper(), CURRENCY_SIGNS.get(code, f"{code} "))


def money(value: float, lang: str) -> str:
    ds = st.session_state.get("dataset")
    code = ds.result.report.currency if ds is not None else None
    return fmt_money(value, lang, currency_sign(code))


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
    # for transactions the warnings stand in the interpretation above, next to what they question
    show_notes([n for n in r.notes if r.kind != "transactions" or n.level != "warning"], lang)
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
            lambda: to_csv_bytes(shown),  # built when clicked, not on every rerun
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
        lambda: to_csv_bytes(ds.result.customers),
        file_name="customers.csv",
        mime="text/csv",
        key="dl_customers",
    )


MONEY_COLUMNS = {
    "monetary",
    "avg_spend",
    "returns",
    "revenue",
    "avg_monetary",
    "avg_m",
    "revenue_before",
    "revenue_after",
    "revenue_change",
    "total_value",
    "avg_current",
    "avg_potential",
    "current_value",
    "potential",
}


def table(frame: pd.DataFrame, lang: str) -> None:
    """A dataframe with translated headers for known columns, dates without a time, money rounded.

    User text is shown as grid cells, never as markdown or HTML.
    """
    config = {}
    for col in frame.columns:
        label = t(f"col.{col}", lang) if f"col.{col}" in LABELS["en"] else None
        if frame[col].dtype.kind == "M":
            config[col] = st.column_config.DateColumn(label, format="YYYY-MM-DD")
        elif col in MONEY_COLUMNS:
            config[col] = st.column_config.NumberColumn(label, format="%.2f")
        elif col.startswith(("pct_", "avg_")) or col == "segment_share":
            config[col] = st.column_config.NumberColumn(label, format="%.1f")
        elif label:
            config[col] = st.column_config.Column(label)
    st.dataframe(frame, hide_index=True, column_config=config)


def show_notes(notes, lang: str) -> None:
    for note in notes:
        (st.warning if note.level == "warning" else st.info)(note_text(note, lang, escape=md_escape))


def _rows_height(rows: int) -> int:
    """Pixels for a table that shows all its ``rows`` (up to 20) without scrolling."""
    return 38 + 35 * min(rows, 20)


TOTAL_ROWS = ("lines", "orders", "purchase_orders", "return_orders", "refunded_orders", "customers")
TOTAL_MONEY = ("gross_sales", "returns", "refunds", "net_revenue")


def render_interpretation(lang: str) -> None:
    """How the file was read, before any figure uses it: layout, columns with samples, the
    rules applied, the totals they imply, orders per status, and the guesses to check."""
    r = dataset().result.report
    if r.kind != "transactions":
        return
    st.subheader(t("interp.title", lang))
    layout = catalogue().get(r.layout) if r.layout else None
    if layout is not None:
        st.success(t("interp.recognised", lang, layout=md_escape(layout.name[lang])))
        st.caption(md_escape(layout.notes[lang]))
    else:
        st.info(t("interp.generic", lang))
    roles = pd.DataFrame(
        [(t(f"role.{role}", lang), col, " · ".join(r.samples.get(role, []))) for role, col in r.mapping.items()],
        columns=[t("interp.role", lang), t("interp.column", lang), t("interp.samples", lang)],
    )
    left, right = st.columns(2)
    with left:
        st.markdown(f"**{t('interp.roles', lang)}**")
        st.dataframe(roles, hide_index=True, height=_rows_height(len(roles)))
        st.markdown(f"**{t('interp.rules', lang)}**")
        shown = [n for n in r.rules if n.key != "rule.layout"]  # the layout is the heading above
        st.markdown("\n".join(f"- {note_text(n, lang, escape=md_escape)}" for n in shown))
    with right:
        st.markdown(f"**{t('interp.totals', lang)}**")
        rows = [(t("total.rows_read", lang), number(r.rows_read, lang))]
        rows += [(t(f"total.{k}", lang), number(r.totals[k], lang)) for k in TOTAL_ROWS if k in r.totals]
        rows += [(t(f"total.{k}", lang), money(r.totals[k], lang)) for k in TOTAL_MONEY if k in r.totals]
        if r.currency:
            rows.append((t("total.currency", lang), r.currency))
        figures = pd.DataFrame(rows, columns=[t("interp.figure", lang), t("interp.value", lang)])
        st.dataframe(figures, hide_index=True, height=_rows_height(len(figures)))
        if r.statuses is not None:
            st.markdown(f"**{t('interp.statuses', lang)}**")
            table_ = r.statuses.assign(
                status_class=[t(f"status_class.{c}", lang) for c in r.statuses["status_class"]]
            ).rename(
                columns={
                    "status": t("interp.status", lang),
                    "status_class": t("interp.class", lang),
                    "orders": t("interp.orders", lang),
                    "counted": t("interp.counted", lang),
                }
            )
            st.dataframe(table_, hide_index=True, height=_rows_height(len(table_)))
    for note in r.notes:
        if note.level == "warning":
            st.warning(note_text(note, lang, escape=md_escape))


def rejected_for_display(rejected: pd.DataFrame, lang: str) -> pd.DataFrame:
    out = rejected.copy()
    out.insert(2, "why", [t(f"reason.{k}", lang) for k in out["reason"]])
    return out


# ------------------------------------------------------------- shareable settings


def persisted(key: str, default, cast=str, options=None) -> None:
    """Seed widget ``key`` from this session's last value, else the URL, else ``default``.

    Call before drawing the widget (without a value argument), and :func:`share` after, so a
    setting survives page switches and a copied link reopens the same view.
    """
    if key in st.session_state:
        return
    value = st.session_state.get(f"keep_{key}", None)
    if value is None:
        raw = st.query_params.get(key)
        try:
            value = cast(raw) if raw is not None else default
        except (TypeError, ValueError):
            value = default
    if options is not None and value not in options:
        value = default
    st.session_state[key] = value


def share(keys: list[str]) -> None:
    """Keep widget values beyond the page and write them into the URL."""
    for key in keys:
        if key in st.session_state:
            value = st.session_state[key]
            st.session_state[f"keep_{key}"] = value
            text = str(int(value) if isinstance(value, bool) else value)
            if st.query_params.get(key) != text:  # every write is a message to the browser
                st.query_params[key] = text


def as_bool(raw: str) -> bool:
    return str(raw).lower() in ("1", "true", "yes")


def parse_edges(text: str) -> tuple[float, ...]:
    """'30, 90, 180' → (30.0, 90.0, 180.0); commas, spaces, 、 or ； between numbers."""
    parts = re.split(r"[,\s、；;，]+", text.strip())
    return tuple(float(p) for p in parts if p)


# ------------------------------------------------------------------------ RFM


RFM_KEYS = [
    "scheme",
    "score_method",
    "bins",
    "r_edges",
    "f_edges",
    "m_edges",
    "split_method",
    "split_pct",
    "r_split",
    "f_split",
    "m_split",
    "m_basis",
    "explain",
]


def rfm_settings(lang: str, customers: pd.DataFrame):
    """The RFM settings panel (sidebar). Returns (RfmParams, Scheme, explain mode), or
    (None, None, False) after showing what is wrong with a typed setting."""
    from crm_core.rfm import RfmParams
    from crm_core.segments import builtin, load_scheme

    d = RfmParams()
    r_max = float(customers["recency_days"].max() or 1)
    f_max = float(customers["frequency"].max() or 1)
    m_max = float(max(customers["monetary"].max(), 1))
    persisted("scheme", "cn8", str, ["cn8", "en10", "custom"])
    persisted("score_method", d.score_method, str, ["quantile", "threshold"])
    persisted("bins", d.bins, int, [3, 4, 5])
    for dim in "rfm":
        persisted(f"{dim}_edges", ", ".join(f"{v:g}" for v in getattr(d, f"{dim}_edges")))
    persisted("split_method", d.split_method, str, ["mean", "median", "percentile", "value", "score_mean"])
    persisted("split_pct", 50, int)
    persisted("r_split", round(float(customers["recency_days"].mean())), int)
    persisted("f_split", round(float(customers["frequency"].mean()), 1), float)
    persisted("m_split", round(float(customers["monetary"].mean()), 0), float)
    persisted("m_basis", d.m_basis, str, ["monetary", "avg_spend"])
    persisted("explain", False, as_bool)
    sb = st.sidebar
    sb.markdown(f"**{t('rfm.settings', lang)}**")
    sb.selectbox(
        t("rfm.scheme", lang), ["cn8", "en10", "custom"], key="scheme", format_func=lambda k: t(f"rfm.scheme.{k}", lang)
    )
    sb.radio(
        t("rfm.score_method", lang),
        ["quantile", "threshold"],
        key="score_method",
        horizontal=True,
        format_func=lambda k: t(f"rfm.score.{k}", lang),
    )
    if st.session_state.score_method == "quantile":
        sb.select_slider(t("rfm.bins", lang), [3, 4, 5], key="bins")
    else:
        for dim in "rfm":
            sb.text_input(t(f"rfm.edges.{dim}", lang), key=f"{dim}_edges")
    sb.selectbox(
        t("rfm.split_method", lang),
        ["mean", "median", "percentile", "value", "score_mean"],
        key="split_method",
        format_func=lambda k: t(f"rfm.split.{k}", lang),
    )
    method = st.session_state.split_method
    if method == "percentile":
        sb.slider(t("rfm.split_pct", lang), 5, 95, key="split_pct", step=5)
    elif method == "value":
        st.session_state.r_split = int(min(max(st.session_state.r_split, 0), r_max))
        st.session_state.f_split = float(min(max(st.session_state.f_split, 1.0), f_max))
        st.session_state.m_split = float(min(max(st.session_state.m_split, 0.0), m_max))
        sb.slider(t("rfm.split.r", lang), 0, int(r_max), key="r_split")
        sb.slider(t("rfm.split.f", lang), 1.0, f_max, key="f_split", step=0.5)
        sb.slider(t("rfm.split.m", lang), 0.0, m_max, key="m_split", step=float(max(1, round(m_max / 200))))
    sb.radio(
        t("rfm.m_basis", lang), ["monetary", "avg_spend"], key="m_basis", format_func=lambda k: t(f"col.{k}", lang)
    )
    sb.toggle(t("rfm.explain", lang), key="explain")
    share(RFM_KEYS)
    try:
        params = RfmParams(
            score_method=st.session_state.score_method,
            bins=5 if st.session_state.scheme == "en10" else int(st.session_state.bins),
            r_edges=parse_edges(st.session_state.r_edges),
            f_edges=parse_edges(st.session_state.f_edges),
            m_edges=parse_edges(st.session_state.m_edges),
            split_method=method,
            split_percentile=float(st.session_state.split_pct),
            r_split=float(st.session_state.r_split),
            f_split=float(st.session_state.f_split),
            m_split=float(st.session_state.m_split),
            m_basis=st.session_state.m_basis,
        ).validate()
    except ValueError as exc:  # CrmError, or a typed edge that is not a number
        msg = exc.message(lang, escape=md_escape) if isinstance(exc, CrmError) else md_escape(exc)
        st.error(msg)
        return None, None, False
    if (
        st.session_state.scheme == "en10"
        and st.session_state.score_method == "quantile"
        and int(st.session_state.bins) != 5
    ):
        st.caption(t("rfm.en10_bins", lang))
    if st.session_state.scheme == "custom":
        scheme = rfm_custom_scheme(lang, load_scheme, builtin)
    else:
        scheme = builtin(st.session_state.scheme)
    return params, scheme, bool(st.session_state.explain)


def rfm_custom_scheme(lang: str, load_scheme, builtin):
    """Rules edited as JSON in the page, saved and loaded as a file; the last valid set is used."""
    if "custom_scheme" not in st.session_state:
        st.session_state.custom_scheme = builtin("cn8")
    with st.expander(t("rfm.custom.title", lang), expanded=True):
        st.caption(t("rfm.custom.help", lang))
        up = st.file_uploader(t("rfm.custom.load", lang), type=["json"], key="rules_upload")
        if up is not None and up.file_id != st.session_state.get("rules_upload_id"):
            st.session_state.rules_upload_id = up.file_id
            try:
                st.session_state.custom_scheme = load_scheme(up.getvalue())
                st.session_state.rules_text = st.session_state.custom_scheme.to_json()
            except CrmError as exc:
                st.error(exc.message(lang, escape=md_escape))
        if "rules_text" not in st.session_state:
            st.session_state.rules_text = st.session_state.custom_scheme.to_json()
        st.text_area(t("rfm.custom.rules", lang), key="rules_text", height=300)
        c1, c2 = st.columns(2)
        if c1.button(t("rfm.custom.apply", lang), key="rules_apply"):
            try:
                st.session_state.custom_scheme = load_scheme(st.session_state.rules_text)
                st.success(t("rfm.custom.applied", lang))
            except CrmError as exc:
                st.error(exc.message(lang, escape=md_escape))
        c2.download_button(
            t("rfm.custom.save", lang),
            st.session_state.custom_scheme.to_json().encode("utf-8"),
            "rfm_rules.json",
            "application/json",
            key="rules_save",
        )
    return st.session_state.custom_scheme


def rfm_header(lang: str, prep, split: dict, params, scheme) -> None:
    cols = st.columns(4)
    cols[0].metric(t("metric.customers", lang), number(len(prep.customers), lang))
    units = {"r": t("rfm.unit.days", lang), "f": t("rfm.unit.times", lang), "m": ""}
    for i, d in enumerate("rfm"):
        value = split[d]
        shown = f"{value:,.2f}" if d == "m" and params.split_method != "score_mean" else f"{value:,.1f}"
        cols[i + 1].metric(t(f"rfm.split_at.{d}", lang), f"{shown} {units[d]}".strip())
    st.caption(t("rfm.scheme_in_use", lang, scheme=scheme.title(lang)))


def rfm_explain(lang: str, params, split: dict, scheme) -> None:
    """Explain mode for class: formulas, the thresholds in use and the rule table."""
    with st.container(border=True):
        st.markdown(f"**{t('rfm.explain.title', lang)}**")
        st.markdown(t("rfm.explain.formulas", lang))
        st.markdown(
            t(
                f"rfm.explain.score.{params.score_method}",
                lang,
                bins=params.points,
                r=", ".join(f"{v:g}" for v in params.r_edges),
                f=", ".join(f"{v:g}" for v in params.f_edges),
                m=", ".join(f"{v:g}" for v in params.m_edges),
            )
        )
        st.markdown(
            t(
                "rfm.explain.split",
                lang,
                method=t(f"rfm.split.{params.split_method}", lang),
                r=f"{split['r']:,.2f}",
                f=f"{split['f']:,.2f}",
                m=f"{split['m']:,.2f}",
            )
        )
        rows = []
        for rule in scheme.rules:
            cond = dict(rule.when)
            row = {"label": scheme.label(rule.key, lang)}
            for d in "rfm":
                if d in cond:
                    row[d.upper()] = t(f"rfm.{cond[d]}", lang)
                elif f"{d}_score" in cond:
                    lo, hi = cond[f"{d}_score"]
                    row[d.upper()] = f"{lo}–{hi}" if lo != hi else f"{lo}"
                else:
                    row[d.upper()] = "·"
            row["action"] = scheme.action(rule.key, lang)
            rows.append(row)
        table(pd.DataFrame(rows), lang)


def rfm_whatif(lang: str, token: str, prep, codes, scheme, params) -> None:
    """Pin the current settings as a baseline; show who moves where when settings change."""
    whatif_panel(lang, "rfm", token, codes, scheme.keys, lambda k: scheme.label(k, lang), prep.revenue)


def charts_migration(frame: pd.DataFrame, rows: list[str], cols: list[str], title: str):
    from crm_core.charts import migration_heatmap

    return migration_heatmap(frame, rows, cols, title)


def rfm_customer(lang: str, prep, codes, split: dict, scheme, params) -> None:
    """Search a customer: values, scores, segment and why."""
    from crm_core.rfm import explain

    query = st.text_input(t("rfm.customer.search", lang), key="customer_query").strip()
    if not query:
        st.caption(t("rfm.customer.help", lang))
        return
    ids = prep.customers["customer_id"].astype(str)
    hits = np.flatnonzero(ids.to_numpy() == query)
    if not len(hits):
        hits = np.flatnonzero(ids.str.contains(query, regex=False).to_numpy())[:20]
        if not len(hits):
            st.warning(say(lang, "rfm.customer.none", query=query))
            return
        if len(hits) > 1:
            choice = st.selectbox(t("rfm.customer.pick", lang), [ids.iloc[i] for i in hits], key="customer_pick")
            hits = np.flatnonzero(ids.to_numpy() == choice)
    i = int(hits[0])
    key = scheme.keys[int(codes[i])]
    st.markdown(f"**{md_escape(ids.iloc[i])}** → **{md_escape(scheme.label(key, lang))}**")
    st.caption(md_escape(scheme.action(key, lang)))
    rows = []
    for w in explain(prep, i, split, params):
        rows.append(
            {
                t("rfm.customer.dim", lang): t(f"rfm.dim.{w['dim']}", lang),
                t("rfm.customer.value", lang): f"{w['value']:,.2f}",
                t("rfm.customer.score", lang): w["score"],
                t("rfm.customer.rule", lang): f"{w['rule']} {w['split']:,.2f}",
                t("rfm.customer.result", lang): t("rfm.high" if w["high"] else "rfm.low", lang),
            }
        )
    table(pd.DataFrame(rows), lang)


def rfm_clusters(lang: str, prep, codes, scheme, clusters) -> None:
    st.caption(t("rfm.clusters.help", lang))
    k = st.slider(t("rfm.clusters.k", lang), 2, 8, 4, key="k")
    if st.button(t("rfm.clusters.elbow", lang), key="elbow"):
        with st.spinner(t("rfm.clusters.running", lang)):
            st.session_state.rfm_elbow = clusters.choose_k(prep.values)
    if "rfm_elbow" in st.session_state:
        from crm_core.charts import elbow

        e = st.session_state.rfm_elbow
        st.plotly_chart(
            elbow(
                e["k"].tolist(),
                e["inertia"].tolist(),
                e["silhouette"].tolist(),
                t("rfm.clusters.elbow_title", lang),
                t("rfm.clusters.inertia", lang),
                t("rfm.clusters.silhouette", lang),
            ),
            key="elbow_chart",
        )
    if st.button(t("rfm.clusters.run", lang), key="run_k") or st.session_state.get("rfm_k_done") == k:
        with st.spinner(t("rfm.clusters.running", lang)):
            segs = np.asarray(scheme.keys, dtype=object)[codes]
            result = clusters.kmeans(prep.values, prep.revenue, segs, k)
        st.session_state.rfm_k_done = k
        prof = result.profile.assign(segment=[scheme.label(s, lang) for s in result.profile["segment"]])
        table(prof, lang)


# ------------------------------------------------------------------- Bullseye


def bullseye_catalogue(lang: str):
    from crm_core.bullseye import default_catalogue

    if "bs_catalogue" not in st.session_state:
        st.session_state.bs_catalogue = default_catalogue()
    return st.session_state.bs_catalogue


def seed_score(key: str, criterion: str) -> None:
    """Widget values are dropped on a page switch: restore them from the session's scores."""
    if key not in st.session_state:
        st.session_state[key] = st.session_state.get("bs_scores", {}).get(criterion)


def keep_scores(cat) -> dict:
    scores = {c.key: st.session_state.get(f"score_{c.key}") for c in cat.criteria}
    st.session_state.bs_scores = scores
    return {k: (None if v is None else float(v)) for k, v in scores.items()}


def _set_scores(scores: dict, name: str | None = None) -> None:
    cat = st.session_state.bs_catalogue
    for c in cat.criteria:
        value = scores.get(c.key)
        st.session_state[f"score_{c.key}"] = None if value is None else round(value)
    st.session_state.bs_scores = dict(scores)
    if name is not None:
        st.session_state.bs_name = name


def _load_preset(lang: str) -> None:
    from crm_core.bullseye import load_scenario
    from crm_core.demo import DATA_DIR

    text = (DATA_DIR / "bullseye_photo_equipment.json").read_text(encoding="utf-8")
    sc = load_scenario(text, st.session_state.bs_catalogue)
    raw = __import__("json").loads(text)
    _set_scores(sc.scores, raw.get("name_zh") if lang == "zh" else sc.name)
    st.session_state.bs_notes = sc.notes


def _load_uploaded(lang: str) -> None:
    from crm_core.bullseye import load_scenario

    up = st.session_state.get("bs_upload")
    if up is None:
        return
    try:
        sc = load_scenario(up.getvalue(), st.session_state.bs_catalogue)
    except CrmError as exc:
        st.session_state.bs_error = exc.message(lang, escape=md_escape)
        return
    st.session_state.pop("bs_error", None)
    _set_scores(sc.scores, sc.name)
    st.session_state.bs_notes = sc.notes


def bullseye_scenario_bar(lang: str, cat) -> None:
    from crm_core.bullseye import Scenario

    st.session_state.setdefault("bs_name", "")
    c1, c2, c3 = st.columns([2, 1, 1])
    c1.text_input(t("bullseye.name", lang), key="bs_name")
    c2.button(t("bullseye.preset", lang), key="bs_preset", on_click=_load_preset, args=(lang,))
    c3.button(t("bullseye.clear", lang), key="bs_clear", on_click=_set_scores, args=({},))
    with st.expander(t("bullseye.scenarios", lang)):
        st.file_uploader(
            t("bullseye.load", lang), type=["json"], key="bs_upload", on_change=_load_uploaded, args=(lang,)
        )
        if st.session_state.get("bs_error"):
            st.error(st.session_state.bs_error + "\n\n" + t("bullseye.nothing_changed", lang))
        scores = {c.key: st.session_state.get(f"score_{c.key}") for c in cat.criteria}
        scenario = Scenario(st.session_state.bs_name, scores, st.session_state.get("bs_notes", {}))
        st.download_button(
            t("bullseye.save", lang),
            scenario.to_json().encode("utf-8"),
            f"{safe_filename(st.session_state.bs_name or 'scenario')}.json",
            "application/json",
            key="bs_save",
        )
    notes = st.session_state.get("bs_notes")
    if notes:
        with st.expander(t("bullseye.notes", lang)):
            for key, text in notes.items():
                crit = next((c for c in cat.criteria if c.key == key), None)
                if crit:
                    st.markdown(f"- **{md_escape(crit.label(lang))}**: {md_escape(text)}")


def safe_filename(name: str) -> str:
    return re.sub(r"[^\w\u4e00-\u9fff-]+", "_", name).strip("_")[:60] or "scenario"


def bullseye_export_frame(cat, res, lang: str) -> pd.DataFrame:
    rows = []
    for c, s in zip(cat.criteria, res.criteria.to_dict("records"), strict=True):
        rows.append(
            {
                "group": cat.group_label(c.group, lang),
                "criterion": c.label(lang),
                "key": c.key,
                "score": s["score"],
                "weight": c.weight,
                "band": t(f"bullseye.band.{s['band']}", lang) if s["band"] else "",
                "addition": c.addition,
            }
        )
    for g in res.groups.to_dict("records"):
        rows.append(
            {
                "group": cat.group_label(g["group"], lang),
                "criterion": t("bullseye.subtotal", lang),
                "key": "",
                "score": round(g["subtotal"], 2),
                "weight": None,
                "band": f"{g['percent']:.1f}%",
                "addition": None,
            }
        )
    rows.append(
        {
            "group": "",
            "criterion": t("bullseye.total", lang),
            "key": "",
            "score": round(res.total, 2),
            "weight": None,
            "band": f"{res.percent:.1f}% · {t('bullseye.verdict.' + res.verdict, lang)}",
            "addition": None,
        }
    )
    return pd.DataFrame(rows)


def bullseye_printable(lang: str, cat, res, name: str, axes: list[str]) -> None:
    """A one-page PNG (radar + results) rendered by kaleido, which needs Chromium."""
    from crm_core.charts import printable

    if not st.button(t("bullseye.printable", lang), key="bs_png"):
        return
    rows = [
        [a, f"{g['subtotal']:.1f} / {g['max']}", f"{g['percent']:.0f}%"]
        for a, g in zip(axes, res.groups.to_dict("records"), strict=True)
    ]
    sep = "、" if lang == "zh" else ", "
    weakest = sep.join(next(c.label(lang) for c in cat.criteria if c.key == k) for k in res.weakest[:3])
    fig = printable(
        f"{t('nav.bullseye', lang)} · {name}",
        f"{t('bullseye.total', lang)} {res.total:.0f} / {res.max_total:.0f} ({res.percent:.1f}%) · "
        f"{t('bullseye.verdict.' + res.verdict, lang)}",
        axes,
        res.groups["percent"].tolist(),
        [t("col.group", lang), t("bullseye.subtotal", lang), "%"],
        rows,
        f"{t('bullseye.fix', lang)}: {weakest}{'。' if lang == 'zh' else '.'} {t('bullseye.verdict.convention', lang)}",
    )
    try:
        with st.spinner(t("bullseye.rendering", lang)):
            png = fig.to_image(format="png", scale=1)
    except Exception:  # kaleido needs a Chromium; say so instead of failing
        log.exception("PNG export failed")
        st.warning(t("bullseye.no_png", lang))
        return
    st.session_state.bs_png_bytes = png
    st.download_button(t("bullseye.download.png", lang), png, "bullseye.png", "image/png", key="bs_png_dl")


def bullseye_compare(lang: str, cat, scores: dict, name: str) -> None:
    from crm_core.bullseye import score
    from crm_core.charts import radar

    st.subheader(t("bullseye.compare", lang))
    items = st.session_state.setdefault("bs_compare", [])
    c1, c2 = st.columns(2)
    if c1.button(t("bullseye.compare.add", lang), key="bs_add", disabled=len(items) >= 3):
        items.append((name, dict(scores)))
    if c2.button(t("bullseye.compare.clear", lang), key="bs_compare_clear"):
        items.clear()
    if not items:
        st.caption(t("bullseye.compare.help", lang))
        return
    results = [(n, score(cat, s)) for n, s in items]
    axes = [cat.group_label(g, lang) for g in results[0][1].groups["group"]]
    frame = pd.DataFrame({"group": axes})
    for n, r in results:
        frame[n] = r.groups["percent"].round(1).to_numpy()
    total = {"group": t("bullseye.total", lang)} | {n: round(r.percent, 1) for n, r in results}
    frame = pd.concat([frame, pd.DataFrame([total])], ignore_index=True)
    table(frame, lang)
    st.plotly_chart(
        radar([(n, r.groups["percent"].tolist()) for n, r in results], axes, t("bullseye.compare.radar", lang)),
        key="bs_compare_radar",
    )


def bullseye_catalogue_editor(lang: str, cat) -> None:
    from crm_core.bullseye import catalogue_from_frame, default_catalogue, load_catalogue

    with st.expander(t("bullseye.catalogue", lang)):
        st.caption(t("bullseye.catalogue.help", lang))
        edited = st.data_editor(cat.frame(), num_rows="dynamic", key="bs_cat_editor", hide_index=True)
        c1, c2, c3 = st.columns(3)
        if c1.button(t("bullseye.catalogue.apply", lang), key="bs_cat_apply"):
            try:
                st.session_state.bs_catalogue = catalogue_from_frame(edited, cat)
                st.session_state.pop("bs_cat_editor", None)
                st.rerun()
            except CrmError as exc:
                st.error(exc.message(lang, escape=md_escape) + "\n\n" + t("bullseye.nothing_changed", lang))
        c2.download_button(
            t("bullseye.catalogue.save", lang),
            cat.to_json().encode("utf-8"),
            "bullseye_catalogue.json",
            "application/json",
            key="bs_cat_save",
        )
        if c3.button(t("bullseye.catalogue.reset", lang), key="bs_cat_reset"):
            st.session_state.bs_catalogue = default_catalogue()
            st.session_state.pop("bs_cat_editor", None)
            st.rerun()
        up = st.file_uploader(t("bullseye.catalogue.load", lang), type=["json"], key="bs_cat_upload")
        if up is not None and up.file_id != st.session_state.get("bs_cat_upload_id"):
            st.session_state.bs_cat_upload_id = up.file_id
            try:
                st.session_state.bs_catalogue = load_catalogue(up.getvalue())
                st.session_state.pop("bs_cat_editor", None)
                st.rerun()
            except CrmError as exc:
                st.error(exc.message(lang, escape=md_escape) + "\n\n" + t("bullseye.nothing_changed", lang))


# ------------------------------------------------- shared analysis widgets


def split_widget(lang: str, prefix: str, label: str, values: np.ndarray, integer: bool = False):
    """High/low line for one axis: mean, median, percentile or a value (a slider). In the URL."""
    from crm_core.value_matrix import SPLIT_METHODS, Split

    lo, hi = float(np.nanmin(values)), float(np.nanmax(values))
    hi = hi if hi > lo else lo + 1
    persisted(f"{prefix}_method", "mean", str, list(SPLIT_METHODS))
    persisted(f"{prefix}_pct", 50, int)
    persisted(f"{prefix}_value", round(float(np.nanmean(values)), 2), float)
    sb = st.sidebar
    sb.selectbox(label, list(SPLIT_METHODS), key=f"{prefix}_method", format_func=lambda k: t(f"rfm.split.{k}", lang))
    method = st.session_state[f"{prefix}_method"]
    if method == "percentile":
        sb.slider(t("split.percentile", lang), 5, 95, step=5, key=f"{prefix}_pct")
    elif method == "value":
        st.session_state[f"{prefix}_value"] = float(min(max(st.session_state[f"{prefix}_value"], lo), hi))
        step = 1.0 if integer else float(max(0.01, round((hi - lo) / 200, 2)))
        sb.slider(t("split.value", lang), lo, hi, step=step, key=f"{prefix}_value")
    share([f"{prefix}_method", f"{prefix}_pct", f"{prefix}_value"])
    return Split(method, float(st.session_state[f"{prefix}_pct"]), float(st.session_state[f"{prefix}_value"]))


def whatif_panel(lang: str, name: str, token: str, codes: np.ndarray, keys: list, label, revenue: np.ndarray) -> None:
    """Pin a baseline; show how many customers and how much revenue moved between groups.

    ``label(key)`` names a group; the baseline keeps its own keys and labels, so the current
    grouping may use another scheme.
    """
    from crm_core.rfm import counts, migration

    st.caption(t("rfm.whatif.help", lang))
    c1, c2 = st.columns(2)
    slot = f"{name}_baseline"
    if c1.button(t("rfm.whatif.pin", lang), key=f"{name}_pin", type="primary"):
        st.session_state[slot] = {
            "token": token,
            "codes": codes.copy(),
            "keys": list(keys),
            "labels": {k: label(k) for k in keys},
        }
    base = st.session_state.get(slot)
    if base and c2.button(t("rfm.whatif.clear", lang), key=f"{name}_unpin"):
        st.session_state.pop(slot)
        base = None
    if not base:
        st.info(t("rfm.whatif.none", lang))
        return
    if base["token"] != token or len(base["codes"]) != len(codes):
        st.warning(t("rfm.whatif.stale", lang))
        return
    old_keys, old_label = base["keys"], base["labels"]
    keys = list(keys)
    if old_keys != keys:
        st.info(
            t(
                "rfm.whatif.other_scheme",
                lang,
                before=", ".join(old_label.values())[:80],
                after=", ".join(label(k) for k in keys)[:80],
            )
        )
    changed = np.asarray(old_keys, dtype=object)[base["codes"]] != np.asarray(keys, dtype=object)[codes]
    c = st.columns(2)
    c[0].metric(
        t("rfm.whatif.moved", lang),
        number(int(changed.sum()), lang),
        f"{100 * changed.sum() / max(len(codes), 1):.1f}%",
        delta_color="off",
    )
    c[1].metric(t("rfm.whatif.moved_rev", lang), money(float(revenue[changed].sum()), lang))
    n0, r0 = counts(base["codes"], revenue, len(old_keys))
    n1, r1 = counts(codes, revenue, len(keys))
    before = pd.DataFrame({"customers_before": n0, "revenue_before": r0}, index=old_keys)
    after = pd.DataFrame({"customers_after": n1, "revenue_after": r1}, index=keys)
    change = before.join(after, how="outer").fillna(0).loc[list(dict.fromkeys([*old_keys, *keys]))]
    change = change[(change["customers_before"] > 0) | (change["customers_after"] > 0)]
    change.insert(0, "label", [label(k) if k in keys else old_label[k] for k in change.index])
    change["customers_change"] = change["customers_after"] - change["customers_before"]
    change["revenue_change"] = change["revenue_after"] - change["revenue_before"]
    cols = [
        "label",
        "customers_before",
        "customers_after",
        "customers_change",
        "revenue_before",
        "revenue_after",
        "revenue_change",
    ]
    table(change[cols].astype({c: "int64" for c in cols if c.startswith("customers")}), lang)
    n, rev = migration(base["codes"], codes, revenue, old_keys, keys)
    rows = [i for i in range(len(old_keys)) if n.iloc[i].sum()]
    cols_i = [j for j in range(len(keys)) if n.iloc[:, j].sum()]
    row_names = [old_label[old_keys[i]] for i in rows]
    col_names = [label(keys[j]) for j in cols_i]
    c1, c2 = st.columns(2)
    c1.plotly_chart(
        charts_migration(n.iloc[rows, cols_i], row_names, col_names, t("rfm.whatif.matrix_n", lang)),
        key=f"{name}_mig_n",
    )
    c2.plotly_chart(
        charts_migration(rev.iloc[rows, cols_i], row_names, col_names, t("rfm.whatif.matrix_rev", lang)),
        key=f"{name}_mig_rev",
    )
    st.caption(t("rfm.whatif.axes", lang))


def group_exports(lang: str, name: str, frame: pd.DataFrame, column: str, keys: list, label) -> None:
    """Drill into one group and download its customers (CSV/Excel, formula-safe)."""
    from crm_core.export import to_excel_bytes

    pick = st.selectbox(t("drill.pick", lang), keys, format_func=label, key=f"{name}_drill")
    part = frame[frame[column] == pick]
    st.caption(t("drill.count", lang, n=number(len(part), lang)))
    table(part.head(500), lang)
    c1, c2 = st.columns(2)
    # Exports are built when clicked: an Excel file of thousands of rows takes ~0.5 s.
    c1.download_button(
        t("drill.csv", lang), lambda: to_csv_bytes(part), f"{name}_{pick}.csv", "text/csv", key=f"{name}_dl_csv"
    )
    c2.download_button(
        t("drill.xlsx", lang), lambda: to_excel_bytes(part, str(pick)), f"{name}_{pick}.xlsx", key=f"{name}_dl_xlsx"
    )


# ----------------------------------------------------------- lifecycle grid


def lifecycle_potential(lang: str, ds, method: str, extras: list[str]):
    """Growth potential per customer by the chosen method, explained on the page; None to stop."""
    from crm_core.potential import customer_column, predict, wallet_gap

    c, tx = ds.result.customers, ds.result.transactions
    st.markdown(t(f"lc.potential.{method}.help", lang))
    if method == "model":
        key = ("lc_model", ds.token)
        if st.session_state.get("lc_model_key") != key:
            with st.spinner(t("lc.model.running", lang)):
                st.session_state.lc_model = predict(tx, ds.result.report.as_of)
            st.session_state.lc_model_key = key
        pot = st.session_state.lc_model
        if not pot.ok:
            st.warning(t(pot.reason, lang, **pot.holdout))
            return None
        h = pot.holdout
        cols = st.columns(4)
        cols[0].metric(t("lc.model.mae", lang), money(h["model_mae"], lang))
        cols[1].metric(t("lc.model.naive_mae", lang), money(h["naive_mae"], lang))
        cols[2].metric(t("lc.model.rmse", lang), money(h["model_rmse"], lang))
        cols[3].metric(t("lc.model.naive_rmse", lang), money(h["naive_rmse"], lang))
        better = h["model_mae"] < h["naive_mae"]
        st.caption(
            t(
                "lc.model.beats" if better else "lc.model.loses",
                lang,
                w=h["window_days"],
                train=h["train_cutoff"],
                hold=h["holdout_cutoff"],
                n=number(h["holdout_customers"], lang),
            )
        )
        return pot.predicted.reindex(c["customer_id"]).fillna(0.0).reset_index(drop=True)
    column = st.sidebar.selectbox(t("lc.column", lang), extras, key="lc_column")
    values = customer_column(c, tx, column)
    if method == "wallet":
        values = wallet_gap(c, values)
    missing = int(values.isna().sum())
    if missing:
        st.info(t("lc.column.missing", lang, n=number(missing, lang)))
    return values.fillna(0.0).reset_index(drop=True)


def lifecycle_grid_table(lang: str, codes: np.ndarray, value: np.ndarray, potential: np.ndarray) -> pd.DataFrame:
    from crm_core.lifecycle import CELLS
    from crm_core.value_matrix import summary

    grid = summary(codes, list(CELLS), value, {"avg_current": value, "avg_potential": potential})
    grid = grid.rename(columns={"segment": "cell", "revenue": "total_value", "pct_revenue": "pct_value"})
    grid.insert(1, "label", [t(f"lc.cell.{k}", lang) for k in CELLS])
    grid["allocation"] = [t(f"lc.alloc.{k}", lang) for k in CELLS]
    grid["retention"] = [t(f"lc.retain.{k}", lang) for k in CELLS]
    return grid


def stage_rules(lang: str, d):
    from crm_core.lifecycle import StageRules

    with st.expander(t("lc.stage.rules", lang), expanded=False):
        c = st.columns(5)
        rules = StageRules(
            exploration_days=c[0].number_input(
                t("lc.stage.exploration_days", lang), 1, 720, d.exploration_days, key="st_explore"
            ),
            window_days=c[1].number_input(t("lc.stage.window_days", lang), 7, 365, d.window_days, key="st_window"),
            growth_pct=c[2].number_input(t("lc.stage.growth_pct", lang), 0.0, 1000.0, d.growth_pct, key="st_growth"),
            decline_pct=c[3].number_input(
                t("lc.stage.decline_pct", lang), -100.0, 0.0, d.decline_pct, key="st_decline"
            ),
            lapsed_days=c[4].number_input(t("lc.stage.lapsed_days", lang), 1, 1000, d.lapsed_days, key="st_lapsed"),
        )
        st.caption(t("lc.stage.explain", lang, **rules.__dict__))
    return rules


def stage_views(lang: str, frame: pd.DataFrame, stages, cells) -> None:
    counts = frame["stage"].value_counts().reindex(list(stages), fill_value=0)
    dist = pd.DataFrame(
        {
            "label": [t(f"lc.stage.{s}", lang) for s in stages],
            "customers": counts.to_numpy(),
            "pct_customers": 100 * counts.to_numpy() / max(len(frame), 1),
            "task": [t(f"lc.task.{s}", lang) for s in stages],
        }
    )
    table(dist, lang)
    cross = pd.crosstab(frame["stage"], frame["cell"]).reindex(index=list(stages), columns=list(cells), fill_value=0)
    cross.index = [t(f"lc.stage.{s}", lang) for s in stages]
    cross.columns = [t(f"lc.cell.{k}", lang) for k in cells]
    st.markdown(f"**{t('lc.stage.cross', lang)}**")
    st.dataframe(cross)


def view_picker(name: str, views: list[tuple[str, str]], lang: str) -> str:
    """Which view of a page to draw (kept in the URL). Unlike tabs, only the chosen view is
    computed and sent to the browser, so a what-if move redraws one view, not all of them."""
    keys = [k for k, _ in views]
    labels = dict(views)
    persisted(name, keys[0], str, keys)
    st.radio(
        t("view", lang),
        keys,
        key=name,
        horizontal=True,
        format_func=lambda k: t(labels[k], lang),
        label_visibility="collapsed",
    )
    share([name])
    return st.session_state[name]


# ------------------------------------------------------------------- classroom


CLASS_MODELS = ("rfm8", "value_matrix", "lifecycle")


def classroom_table(lang: str) -> pd.DataFrame:
    """The small table the class works on: the data in use when it is small, else the bundled one."""
    ds = dataset()
    if len(ds.result.customers) <= 30:
        st.caption(t("cls.table.current", lang, n=len(ds.result.customers)))
        return ds.result.customers
    st.caption(t("cls.table.bundled", lang))
    return demo.load_demo("classroom").customers


def _model_answers(small: pd.DataFrame, model: str) -> tuple[pd.Series, dict]:
    """The right answer per customer for a model, and the split values used (at the means)."""
    from crm_core.lifecycle import cell_codes
    from crm_core.rfm import RfmParams, rfm
    from crm_core.value_matrix import TYPES, type_codes

    if model == "rfm8":
        out = rfm(small, RfmParams(), "cn8")
        means = {"R": small["recency_days"].mean(), "F": small["frequency"].mean(), "M": small["monetary"].mean()}
        return out["segment"], means
    if model == "value_matrix":
        f, s = small["frequency"].to_numpy(float), small["avg_spend"].to_numpy(float)
        codes = type_codes(f, s, f.mean(), s.mean())
        return pd.Series(np.asarray(TYPES, dtype=object)[codes]), {"F": f.mean(), "avg_spend": s.mean()}
    v = small["monetary"].to_numpy(float)
    p = pd.to_numeric(small.get("potential", pd.Series(np.nan, index=small.index)), errors="coerce").to_numpy()
    if np.isnan(p).all():
        raise CrmError("error.no_potential_column")
    p = np.nan_to_num(p)
    return pd.Series(cell_codes(v, p, v.mean(), p.mean()).astype(str)), {"value": v.mean(), "potential": p.mean()}


def answer_label(model: str, key: str, lang: str) -> str:
    from crm_core.segments import builtin

    if model == "rfm8":
        return builtin("cn8").label(key, lang)
    if model == "value_matrix":
        return t(f"vm.type.{key}", lang)
    return t(f"lc.cell.{key}", lang)


def answer_strategy(model: str, key: str, lang: str) -> str:
    from crm_core.segments import builtin

    if model == "rfm8":
        return builtin("cn8").action(key, lang)
    if model == "value_matrix":
        return t(f"vm.strategy.{key}", lang)
    return f"{t(f'lc.alloc.{key}', lang)} · {t(f'lc.retain.{key}', lang)}"


def _large_text(on: bool) -> None:
    if on:  # static CSS only: no user text ever reaches unsafe_allow_html
        st.markdown("<style>[data-testid='stMain'] * {font-size: 1.25rem !important;}</style>", unsafe_allow_html=True)


def walkthrough(lang: str, small: pd.DataFrame) -> None:
    """One computation step per click, on the numbers of the current table."""
    c1, c2 = st.columns([2, 1])
    model = c1.selectbox(
        t("cls.model", lang), CLASS_MODELS, key="wt_model", format_func=lambda m: t(f"cls.model.{m}", lang)
    )
    _large_text(c2.toggle(t("cls.large", lang), key="wt_large"))
    try:
        answers, means = _model_answers(small, model)
    except CrmError as exc:
        st.warning(exc.message(lang, escape=md_escape))
        return
    steps = 4
    st.session_state.setdefault("wt_step", 1)
    if st.session_state.get("wt_model_seen") != model:
        st.session_state.wt_step, st.session_state.wt_model_seen = 1, model

    def move(delta: int | None) -> None:  # callbacks run before the buttons are drawn again
        st.session_state.wt_step = 1 if delta is None else st.session_state.wt_step + delta

    b1, b2, b3 = st.columns(3)
    b1.button(t("cls.prev", lang), key="wt_prev", disabled=st.session_state.wt_step <= 1, on_click=move, args=(-1,))
    b2.button(
        t("cls.next", lang),
        key="wt_next",
        type="primary",
        disabled=st.session_state.wt_step >= steps,
        on_click=move,
        args=(1,),
    )
    b3.button(t("cls.restart", lang), key="wt_restart", on_click=move, args=(None,))
    step = st.session_state.wt_step
    st.progress(step / steps, text=t("cls.step", lang, step=step, steps=steps))
    st.markdown(f"### {t(f'cls.{model}.step{step}', lang)}")
    # (name in `means`, column, high when ≤ or ≥ the mean)
    dims = {
        "rfm8": [("R", "recency_days", "≤"), ("F", "frequency", "≥"), ("M", "monetary", "≥")],
        "value_matrix": [("F", "frequency", "≥"), ("avg_spend", "avg_spend", "≥")],
        "lifecycle": [("value", "monetary", "≥"), ("potential", "potential", "≥")],
    }[model]
    frame = small[["customer_id"]].copy()
    for _, col, _ in dims:
        frame[col] = pd.to_numeric(small[col], errors="coerce")
    if step >= 2:
        st.markdown(" · ".join(f"**{md_escape(k)}** = {v:,.2f}" for k, v in means.items()))
    if step >= 3:
        for name, col, rule in dims:
            values = frame[col].to_numpy(float)
            high = at_or_below(values, means[name]) if rule == "≤" else at_or_above(values, means[name])
            frame[f"{name} {rule} {means[name]:,.1f}?"] = [t("rfm.high" if h else "rfm.low", lang) for h in high]
    if step >= 4:
        frame["answer"] = [answer_label(model, k, lang) for k in answers]
        frame["strategy"] = [answer_strategy(model, k, lang) for k in answers]
    table(frame, lang)
    handout_button(lang, model, small)


def models_crosstab(lang: str, small: pd.DataFrame) -> None:
    """The same customers in every model: where the models agree and where they do not."""
    frame = small[["customer_id"]].copy()
    for model in CLASS_MODELS:
        try:
            answers, _ = _model_answers(small, model)
        except CrmError:
            continue
        frame[t(f"cls.model.{model}", lang)] = [answer_label(model, k, lang) for k in answers]
    st.caption(t("cls.crosstab.help", lang))
    table(frame, lang)
    names = [c for c in frame.columns if c != "customer_id"]
    if len(names) >= 2:
        st.dataframe(pd.crosstab(frame[names[0]], frame[names[1]]))


def quiz_view(lang: str, small: pd.DataFrame) -> None:
    from crm_core.classroom import quiz

    model = st.selectbox(
        t("cls.model", lang), CLASS_MODELS, key="quiz_model", format_func=lambda m: t(f"cls.model.{m}", lang)
    )
    try:
        answers, means = _model_answers(small, model)
    except CrmError as exc:
        st.warning(exc.message(lang, escape=md_escape))
        return
    if st.button(t("cls.quiz.new", lang), key="quiz_new") or st.session_state.get("quiz_for") != model:
        st.session_state.quiz_seed = int(np.random.default_rng().integers(1_000_000))
        st.session_state.quiz_for = model
        for i in range(10):
            st.session_state.pop(f"quiz_q{i}", None)
    questions = quiz(small, answers, n=5, seed=st.session_state.quiz_seed)
    from crm_core.segments import builtin
    from crm_core.value_matrix import TYPES

    options = {
        "rfm8": [r.key for r in builtin("cn8").rules],
        "value_matrix": list(TYPES),
        "lifecycle": ["1", "2", "3", "4"],
    }[model]
    st.caption(t("cls.quiz.means", lang, means=" · ".join(f"{k} = {v:,.2f}" for k, v in means.items())))
    score = 0
    answered = 0
    for i, q in enumerate(questions):
        st.markdown(
            f"**{i + 1}. {md_escape(q['customer_id'])}** — R {q['recency_days']} · F {q['frequency']} · "
            f"M {q['monetary']:,.0f} · {t('col.avg_spend', lang)} {q['avg_spend']:,.1f}"
        )
        pick = st.radio(
            t("cls.quiz.which", lang),
            options,
            index=None,
            key=f"quiz_q{i}",
            horizontal=True,
            format_func=lambda k: answer_label(model, k, lang),
        )
        if pick is not None:
            answered += 1
            if pick == q["answer"]:
                score += 1
                st.success(t("cls.quiz.right", lang))
            else:
                st.error(t("cls.quiz.wrong", lang, answer=answer_label(model, q["answer"], lang)))
    if answered == len(questions):
        st.metric(t("cls.quiz.score", lang), f"{score} / {len(questions)}")
        if score == len(questions):
            st.balloons()


def key_accounts_view(lang: str) -> None:
    from crm_core.charts import quadrants
    from crm_core.classroom import QUADRANTS, key_accounts

    st.caption(t("cls.ka.help", lang))
    mode = st.radio(
        t("cls.ka.mode", lang),
        ["direct", "criteria"],
        key="ka_mode",
        horizontal=True,
        format_func=lambda m: t(f"cls.ka.mode.{m}", lang),
    )
    accounts = ["Alpha", "Beta", "Gamma", "Delta", "Epsilon", "Zeta"]
    if mode == "direct":
        start = pd.DataFrame(
            {
                "account_id": accounts,
                "attractiveness": [8.5, 7.0, 3.0, 2.0, 6.0, 5.0],
                "strength": [8.0, 3.5, 7.5, 2.5, 5.0, 4.0],
            }
        )
        edited = st.data_editor(start, num_rows="dynamic", key="ka_editor", hide_index=True)
    else:
        edited = _key_account_criteria(lang, accounts)
        if edited is None:
            return
    c1, c2 = st.columns(2)
    a_split = c1.slider(t("cls.ka.a_split", lang), 0.0, 10.0, 5.0, 0.5, key="ka_a")
    s_split = c2.slider(t("cls.ka.s_split", lang), 0.0, 10.0, 5.0, 0.5, key="ka_s")
    try:
        out = key_accounts(edited.dropna(how="all"), a_split, s_split)
    except CrmError as exc:
        st.error(exc.message(lang, escape=md_escape))
        return
    out["label"] = [t(f"cls.ka.{q}", lang) for q in out["quadrant"]]
    out["strategy"] = [t(f"cls.ka.strategy.{q}", lang) for q in out["quadrant"]]
    table(out, lang)
    fig, _ = quadrants(
        out.assign(customer_id=out["account_id"]),
        "strength",
        "attractiveness",
        "label",
        s_split,
        a_split,
        [t(f"cls.ka.{q}", lang) for q in QUADRANTS],
        t("cls.view.key_accounts", lang),
        t("col.strength", lang),
        t("col.attractiveness", lang),
        log=False,
    )
    fig.update_xaxes(range=[0, 10.5])
    fig.update_yaxes(range=[0, 10.5])
    st.plotly_chart(fig, key="ka_chart")


def _key_account_criteria(lang: str, accounts: list[str]) -> pd.DataFrame | None:
    """Attractiveness and strength as weighted means of criteria the trainer edits."""
    from crm_core.classroom import weighted_score

    criteria = pd.DataFrame(
        {
            "criterion": ["size", "growth", "margin", "fit", "our_share", "relationship", "capability"],
            "dimension": ["attractiveness"] * 4 + ["strength"] * 3,
            "weight": [3.0, 2.0, 2.0, 1.0, 2.0, 2.0, 1.0],
        }
    )
    st.markdown(f"**{t('cls.ka.criteria', lang)}**")
    crit = st.data_editor(
        criteria,
        num_rows="dynamic",
        key="ka_criteria",
        hide_index=True,
        column_config={
            "dimension": st.column_config.SelectboxColumn(options=["attractiveness", "strength"], required=True)
        },
    )
    crit = crit.dropna(subset=["criterion"])
    names = [str(c) for c in crit["criterion"]]
    rng = np.random.default_rng(3)
    scores = pd.DataFrame({"account_id": accounts} | {c: rng.integers(2, 10, len(accounts)) for c in names})
    st.markdown(f"**{t('cls.ka.scores', lang)}**")
    scores = st.data_editor(scores, num_rows="dynamic", key=f"ka_scores_{'_'.join(names)}", hide_index=True)
    scores = scores.dropna(subset=["account_id"])
    out = scores[["account_id"]].copy()
    for dim in ("attractiveness", "strength"):
        part = crit[crit["dimension"] == dim]
        weights = {
            str(c): float(w)
            for c, w in zip(part["criterion"], part["weight"], strict=True)
            if pd.notna(w) and str(c) in scores.columns
        }
        try:
            values = scores[list(weights)].apply(pd.to_numeric, errors="coerce")
            if values.isna().any().any() or ((values < 0) | (values > 10)).any().any():
                raise CrmError("error.account_score", column=dim, row="?", value="")
            out[dim] = weighted_score(values, weights).round(2)
        except CrmError as exc:
            st.error(exc.message(lang, escape=md_escape))
            return None
    st.caption(t("cls.ka.computed", lang))
    return out


def satisfaction_view(lang: str) -> None:
    from crm_core.classroom import satisfaction

    st.caption(t("cls.sat.help", lang))
    start = pd.DataFrame(
        {
            "customer_id": ["A01", "A02", "A03", "A04", "A05", "A06"],
            "group": ["online", "online", "store", "store", "online", "store"],
            "expectation": [8, 9, 7, 6, 8, 9],
            "perceived": [9, 7, 7, 8, 6, 9],
        }
    )
    edited = st.data_editor(start, num_rows="dynamic", key="sat_editor", hide_index=True)
    out = satisfaction(edited.dropna(how="all"))
    table(out, lang)
    valid = out.dropna(subset=["satisfaction_pct"])
    if len(valid) < len(out):
        st.warning(t("cls.sat.invalid", lang, n=len(out) - len(valid)))
    if len(valid):
        by_group = valid.groupby("group")["satisfaction_pct"].mean().reset_index()
        st.markdown(f"**{t('cls.sat.by_group', lang)}**")
        table(by_group, lang)
        st.metric(t("cls.sat.below", lang), f"{int(valid['below_100'].sum())} / {len(valid)}")


def growth_view(lang: str) -> None:
    from crm_core.classroom import GROWTH_CELLS, growth_matrix

    tx = dataset().result.transactions
    product_cols = [
        c
        for c in (tx.columns if tx is not None else [])
        if c in ("category", "product", "sku") or c not in ("customer_id", "order_date", "amount", "order_id", "cost")
    ]
    st.caption(t("cls.growth.help", lang))
    if tx is None or not product_cols:
        st.info(t("cls.growth.none", lang))
        return
    c1, c2 = st.columns(2)
    col = c1.selectbox(t("cls.growth.product", lang), product_cols, key="growth_col")
    freq = c2.radio(
        t("cls.growth.period", lang),
        ["Q", "M", "Y"],
        key="growth_freq",
        horizontal=True,
        format_func=lambda f: t(f"cls.growth.freq.{f}", lang),
    )
    out = growth_matrix(tx, col, freq)
    wide = out.pivot(index="period", columns="cell", values="share_pct").reindex(columns=list(GROWTH_CELLS))
    wide.columns = [t(f"cls.growth.{c}", lang) for c in wide.columns]
    st.dataframe(wide.round(1))
    import plotly.express as px

    fig = px.bar(
        out.assign(cell=[t(f"cls.growth.{c}", lang) for c in out["cell"]]),
        x="period",
        y="share_pct",
        color="cell",
        labels={"share_pct": "%", "period": "", "cell": ""},
    )
    st.plotly_chart(fig, key="growth_chart")


def handout_png(lang: str, model: str, small: pd.DataFrame) -> bytes:
    """A printable handout for a model: its rules and strategies, with this table's counts."""
    from crm_core.charts import handout
    from crm_core.segments import builtin

    answers, means = _model_answers(small, model)
    counts = answers.value_counts()
    if model == "rfm8":
        sch = builtin("cn8")
        header = [t("col.label", lang), "R", "F", "M", t("col.customers", lang), t("col.strategy", lang)]
        rows = [
            [
                sch.label(r.key, lang),
                *[t(f"rfm.{dict(r.when)[d]}", lang) for d in "rfm"],
                str(int(counts.get(r.key, 0))),
                sch.action(r.key, lang),
            ]
            for r in sch.rules
        ]
    elif model == "value_matrix":
        from crm_core.value_matrix import TYPES

        hl = {
            "premium": ("high", "high"),
            "spender": ("low", "high"),
            "frequent": ("high", "low"),
            "uncertain": ("low", "low"),
        }
        header = [
            t("col.label", lang),
            "F",
            t("col.avg_spend", lang),
            t("col.customers", lang),
            t("col.strategy", lang),
        ]
        rows = [
            [
                t(f"vm.type.{k}", lang),
                t(f"rfm.{hl[k][0]}", lang),
                t(f"rfm.{hl[k][1]}", lang),
                str(int(counts.get(k, 0))),
                t(f"vm.strategy.{k}", lang),
            ]
            for k in TYPES
        ]
    else:
        header = [t("col.cell", lang), t("col.allocation", lang), t("col.customers", lang), t("col.retention", lang)]
        rows = [
            [
                t(f"lc.cell.{k}", lang),
                t(f"lc.alloc.{k}", lang),
                str(int(counts.get(str(k), 0))),
                t(f"lc.retain.{k}", lang),
            ]
            for k in (1, 2, 3, 4)
        ]
    splits = " · ".join(f"{k} = {v:,.2f}" for k, v in means.items())
    fig = handout(
        t(f"cls.model.{model}", lang),
        t("cls.handout.sub", lang, n=len(small), splits=splits),
        header,
        rows,
        t("cls.handout.footer", lang),
        bars=([r[0] for r in rows], [float(r[-2]) for r in rows], t("col.customers", lang)),  # this table's counts
    )
    return fig.to_image(format="png", scale=1)


def handout_button(lang: str, model: str, small: pd.DataFrame) -> None:
    if st.button(t("cls.handout", lang), key="handout"):
        try:
            with st.spinner(t("bullseye.rendering", lang)):
                st.session_state.handout_png = handout_png(lang, model, small)
        except CrmError as exc:
            st.warning(exc.message(lang, escape=md_escape))
            return
        except Exception:  # kaleido needs Chromium
            log.exception("handout PNG failed")
            st.warning(t("bullseye.no_png", lang))
            return
        st.download_button(
            t("cls.handout.download", lang),
            st.session_state.handout_png,
            f"handout_{model}.png",
            "image/png",
            key="handout_dl",
        )
