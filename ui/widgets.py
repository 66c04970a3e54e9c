"""Small shared widgets and formats: escaped markdown, money, tables, URL-persisted settings."""

from __future__ import annotations

import math
import re

import numpy as np
import pandas as pd
import streamlit as st

from crm_core.i18n import LABELS, fmt_money, fmt_number, t
from crm_core.params import Param, axis_split, url_keys

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:])")


# Streamlit's Markdown turns bare addresses into links *after* parsing (GFM autolink literals
# work on text, so escaping cannot stop them): an invisible word joiner (U+2060) after the
# scheme, after "www" and after "@" breaks the pattern and leaves the text as it reads.
_AUTOLINK = re.compile(r"(?i)(\b(?:https?|ftp|mailto|xmpp)|\bwww|@)(?=\S)")
WORD_JOINER = "\u2060"


def _unlinked(text: object) -> str:
    return _AUTOLINK.sub(r"\1" + WORD_JOINER, str(text))


def md_escape(text: object) -> str:
    """User text made inert for st.markdown: no links (bare addresses included), images,
    emphasis or HTML."""
    return _MD_SPECIAL.sub(r"\\\1", _unlinked(text))


_LABEL_SPECIAL = re.compile(r"([\\`*_\[\]()!<>~$:|])|^([#>+\-=\d])")


def label_escape(text: object) -> str:
    """User text for a widget label (inline Markdown only: links, images, emphasis, code):
    escapes what is active inline and breaks bare addresses, leaving ordinary text such as
    "Well-known brand" unchanged, so the accessible name matches what is shown."""
    return _LABEL_SPECIAL.sub(lambda m: "\\" + (m.group(1) or m.group(2)), _unlinked(text))


def say(lang: str, key: str, **params: object) -> str:
    """A label with user-supplied parameters escaped for markdown."""
    return t(key, lang, **{k: md_escape(v) if isinstance(v, str) else v for k, v in params.items()})


_CURRENCY_CODE = re.compile(r"[^\W\d_]{1,8}")
CURRENCY_SIGNS = {"CNY": "¥", "RMB": "¥", "人民币": "¥", "USD": "$", "EUR": "€", "GBP": "£", "JPY": "JP¥", "CAD": "CA$"}


def currency_sign(code: str | None) -> str:
    """The sign money is shown with: the data's currency (¥ when the data does not say)."""
    if not code:
        return "¥"
    sign = CURRENCY_SIGNS.get(code.upper(), CURRENCY_SIGNS.get(code))
    if sign:
        return sign
    # The code comes from a column of the upload: shown only when it looks like a currency
    # code (USD, 港币), never as markup or a link.
    return f"{code} " if _CURRENCY_CODE.fullmatch(code) else "¤ "


def money(value: float, lang: str) -> str:
    ds = st.session_state.get("dataset")
    code = ds.result.report.currency if ds is not None else None
    return fmt_money(value, lang, currency_sign(code))


def number(value: float, lang: str) -> str:
    """Counts: grouped digits in both languages (万 is kept for money)."""
    return fmt_number(value, "en")


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
    "clv",
    "clv_total",
    "avg_clv",
    "expected_avg_spend",
    "history_value",
    "repeat_avg_spend",
    "mae",
    "rmse",
    "forecast_total",
    "actual_total",
}


TWO_DECIMALS = {"actual", "predicted"}  # the CLV holdout check's averages


def table(frame: pd.DataFrame, lang: str) -> None:
    """A dataframe with translated headers for known columns, dates without a time, money rounded.

    User text is shown as grid cells, never as markdown or HTML.
    """
    config = {}
    for col in frame.columns:
        label = t(f"col.{col}", lang) if f"col.{col}" in LABELS["en"] else None
        if frame[col].dtype.kind == "M":
            config[col] = st.column_config.DateColumn(label, format="YYYY-MM-DD")
        elif (
            col in MONEY_COLUMNS or col.startswith(("p_alive", "expected_", "btyd_")) or col in ("actual", "predicted")
        ):
            config[col] = st.column_config.NumberColumn(label, format="%.2f")
        elif col.startswith(("pct_", "avg_")) or col == "segment_share":
            config[col] = st.column_config.NumberColumn(label, format="%.1f")
        elif label:
            config[col] = st.column_config.Column(label)
    st.dataframe(frame, hide_index=True, column_config=config)


def _rows_height(rows: int) -> int:
    """Pixels for a table that shows all its ``rows`` (up to 20) without scrolling."""
    return 38 + 35 * min(rows, 20)


def persisted(key: str, default, cast=str, options=None) -> None:
    """Seed widget ``key`` from this session's last value, else the URL, else ``default``.

    Call before drawing the widget (without a value argument), and :func:`share` after, so a
    setting survives page switches and a copied link reopens the same view.
    """
    if key in st.session_state:
        # Written back through the API before the widget is drawn: a widget with the same key
        # on another page is another widget, and would otherwise start from its default.
        st.session_state[key] = st.session_state[key]
        return
    value = st.session_state.get(f"keep_{key}", None)
    raw = None
    if value is None:
        raw = st.query_params.get(key)
        try:
            value = cast(raw) if raw is not None else default
        except (TypeError, ValueError, OverflowError):
            value = default
    if options is not None and value not in options:
        value = default
    if isinstance(value, float) and not math.isfinite(value):  # nan or inf from a link
        value = default
    if raw is not None and value == default and str(raw) != str(default):
        link_note(key, raw, value)
    st.session_state[key] = value


def link_note(key: str, raw: object, used: object) -> None:
    """Say (once, as a toast) that a setting from the link was not usable as given."""
    lang = st.session_state.get("lang", "zh")
    st.toast(say(lang, "link.adjusted", name=key, value=str(raw)[:40], used=str(used)[:40]))


def _int(raw: str) -> int:
    """An integer setting from a link: "60", "60.0" and "1e9" are numbers (then bounded)."""
    return int(float(raw))


def persist_param(p: Param, data_default=None) -> None:
    """:func:`persisted` for a declared parameter: its cast, choices and bounds from crm_core.params.

    ``data_default`` replaces a default the data decides (a split at the data's mean). A value
    from a shared link outside the bounds is brought inside them, with a note.
    """
    default = p.default if data_default is None else data_default
    cast, options = {"int": _int, "float": float, "bool": as_bool, "edges": str}.get(p.kind, str), None
    if p.kind == "edges":
        default = ", ".join(f"{v:g}" for v in default)
    elif p.kind == "choice":
        cast, options = type(p.choices[0]), list(p.choices)
    persisted(p.name, default, cast, options)
    if p.bounds is not None:
        lo, hi = p.bounds
        value = st.session_state[p.name]
        bounded = type(value)(min(max(value, lo), hi))
        if bounded != value:
            link_note(p.name, value, bounded)
        st.session_state[p.name] = bounded


def share_params(params: tuple[Param, ...]) -> None:
    """:func:`share` for declared parameters: a value the data decided (a split at the data's
    mean) stays out of the link unless the user pinned it, so a link never carries statistics
    of the sharer's data, only the method."""
    shared = url_keys(params, st.session_state)
    share(shared)
    for p in params:
        if p.name not in shared and p.name in st.query_params:
            del st.query_params[p.name]


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


def safe_filename(name: str, limit: int = 60) -> str:
    return re.sub(r"[^\w\u4e00-\u9fff-]+", "_", name).strip("_")[:limit] or "scenario"


def export_stem(stem: str, scope: str | None = None) -> str:
    """A download's file name (no extension) with the filters in it (``scope``; by default the
    page's, set by ``ui.dataset``), when there are any."""
    scope = st.session_state.get("export_scope", "") if scope is None else scope
    return safe_filename(f"{safe_filename(stem)}__{scope}", 80) if scope else safe_filename(stem)


def export_about(lang: str) -> list[str] | None:
    """The lines of an Excel download's "about" sheet: the filters the figures were computed on."""
    scope = st.session_state.get("export_scope") or ""
    return [t("camp.sheet_scope", lang, scope=scope)] if scope else None


def split_widget(lang: str, prefix: str, label: str, values: np.ndarray, integer: bool = False):
    """High/low line for one axis: mean, median, percentile or a value (a slider). In the URL."""
    from crm_core.value_matrix import Split

    lo, hi = float(np.nanmin(values)), float(np.nanmax(values))
    hi = hi if hi > lo else lo + 1
    method_p, pct_p, value_p = axis_split(prefix, label)
    persist_param(method_p)
    persist_param(pct_p)
    persist_param(value_p, round(float(np.nanmean(values)), 2))
    sb = st.sidebar
    sb.selectbox(label, list(method_p.choices), key=method_p.name, format_func=lambda k: t(f"rfm.split.{k}", lang))
    method = st.session_state[method_p.name]
    if method == "percentile":
        sb.slider(t(pct_p.label, lang), *pct_p.bounds, step=5, key=pct_p.name)
    elif method == "value":
        st.session_state[f"{prefix}_value"] = float(min(max(st.session_state[f"{prefix}_value"], lo), hi))
        step = 1.0 if integer else float(max(0.01, round((hi - lo) / 200, 2)))
        sb.slider(t("split.value", lang), lo, hi, step=step, key=f"{prefix}_value")
    share_params((method_p, pct_p, value_p))
    return Split(method, float(st.session_state[f"{prefix}_pct"]), float(st.session_state[f"{prefix}_value"]))


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
