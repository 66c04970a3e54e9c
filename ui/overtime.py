"""Customers-over-time views: migration between two dates, status per period, cohorts, history."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from crm_core import charts, overtime
from crm_core import params as declared
from crm_core.errors import CrmError
from crm_core.export import to_csv_bytes, to_excel_bytes
from crm_core.i18n import t
from crm_core.segments import NEW_SINCE, builtin
from ui.state import per_dataset
from ui.widgets import export_about, export_stem, md_escape, number, persisted, share, share_params, table

SCHEMES = ("cn8", "en10", "custom", overtime.VALUE_MATRIX, overtime.LIFECYCLE)
PRESETS = {"month": 1, "quarter": 3, "year": 12}


def _date(raw: str) -> dt.date:
    return dt.date.fromisoformat(str(raw)[:10])


def scheme_choice(lang: str, tx: pd.DataFrame, view: str):
    """The segmentation to follow (in the URL); custom = the rules from the RFM page. Lifecycle
    cells refit the potential model at each date: offered between two dates, not per period."""
    options = [k for k in SCHEMES if k != "custom" or "custom_scheme" in st.session_state]
    if view == "history":
        options.remove(overtime.LIFECYCLE)
        state = st.session_state
        if state.get("ot_scheme", state.get("keep_ot_scheme", st.query_params.get("ot_scheme"))) == overtime.LIFECYCLE:
            state.ot_scheme = "cn8"
            st.caption(t("ot.lifecycle_history", lang))
    persisted("ot_scheme", "cn8", str, options)
    st.sidebar.selectbox(
        t("ot.scheme", lang), options, key="ot_scheme", format_func=lambda k: t(f"ot.scheme.{k}", lang)
    )
    share(["ot_scheme"])
    key = st.session_state.ot_scheme
    if key == overtime.VALUE_MATRIX:
        return key
    if key == overtime.LIFECYCLE:
        return overtime.LifecycleCells(tx)
    return st.session_state.custom_scheme if key == "custom" else builtin(key)


def period_choice(lang: str) -> str:
    persisted("ot_period", "month", str, list(overtime.PERIODS))
    st.sidebar.radio(
        t("ot.period", lang), list(overtime.PERIODS), key="ot_period", format_func=lambda k: t(f"ot.period.{k}", lang)
    )
    share(["ot_period"])
    return st.session_state.ot_period


def action_of(scheme, lang: str):
    """A segment's recommended action in ``lang`` (a grid cell's: its investment and retention)."""
    if isinstance(scheme, overtime.LifecycleCells):
        from ui.value_lifecycle import cell_action

        return lambda k: cell_action(int(k), lang)
    if scheme == overtime.VALUE_MATRIX:
        return lambda k: t(f"vm.strategy.{k}", lang)
    return lambda k: scheme.action(k, lang)


def label_of(scheme, lang: str):
    if isinstance(scheme, overtime.LifecycleCells):
        return lambda k: t(f"lc.cell.{k}", lang) if k != NEW_SINCE else t("ot.new_since_a", lang)
    if scheme == overtime.VALUE_MATRIX:
        return lambda k: t(f"vm.type.{k}", lang) if k != NEW_SINCE else t("ot.new_since_a", lang)
    return lambda k: scheme.label(k, lang) if k != NEW_SINCE else t("ot.new_since_a", lang)


def _months_before(day: dt.date, months: int) -> dt.date:
    """The same day ``months`` earlier (the month's last day when it is shorter)."""
    return (pd.Timestamp(day) - pd.DateOffset(months=months)).date()


def rfm_settings(lang: str, ds, scheme):
    """The RFM page's settings (this session's, else the link's, else the defaults), said on
    the page; None for the value matrix, which has its own lines."""
    from crm_core.rfm import RfmParams
    from ui import rfm as rfm_view

    if scheme == overtime.VALUE_MATRIX or isinstance(scheme, overtime.LifecycleCells):
        return None
    rfm_view.seed(ds.result.customers)
    share_params(declared.RFM)  # a link reopens the same segments
    try:
        params = rfm_view.params_from_state()
    except ValueError:  # a typed edge the RFM page is showing as wrong
        st.caption(t("ot.rfm_default", lang))
        return RfmParams()
    scores = t(f"rfm.score.{params.score_method}", lang)
    if params.score_method == "quantile":
        scores += f" ({params.bins})"
    split = t(f"rfm.split.{params.split_method}", lang)
    if params.split_method == "percentile":
        split += f" {params.split_percentile:g}"
    st.caption(t("ot.rfm_settings", lang, scores=scores, split=split, m=t(f"col.{params.m_basis}", lang)))
    return params


def migration_view(lang: str, ds, scheme, params, token_key: tuple) -> None:
    tx, as_of = ds.result.transactions, ds.result.report.as_of
    first = pd.Timestamp(tx["order_date"].min()).date()
    if as_of - first < dt.timedelta(days=2):  # no room for two dates
        st.info(t("ot.too_short", lang, first=first.isoformat(), as_of=as_of.isoformat()))
        return
    persisted("ot_preset", "quarter", str, ["month", "quarter", "year", "custom"])
    c0, c1, c2 = st.columns([2, 1, 1])
    c0.radio(
        t("ot.preset", lang),
        ["month", "quarter", "year", "custom"],
        key="ot_preset",
        horizontal=True,
        format_func=lambda k: t(f"ot.preset.{k}", lang),
    )
    persisted("ot_to", as_of, _date)
    if st.session_state.get("ot_to_for") not in (None, as_of):  # a new analysis date: B follows it
        st.session_state.ot_to = as_of
    st.session_state.ot_to_for = as_of
    st.session_state.ot_to = min(max(st.session_state.ot_to, first + dt.timedelta(days=1)), as_of)
    preset = st.session_state.ot_preset
    default_from = _months_before(st.session_state.ot_to, PRESETS.get(preset, 3))
    persisted("ot_from", default_from, _date)
    if preset != "custom":
        st.session_state.ot_from = max(default_from, first)
    st.session_state.ot_from = min(max(st.session_state.ot_from, first), st.session_state.ot_to - dt.timedelta(days=1))
    c1.date_input(t("ot.date_a", lang), min_value=first, max_value=as_of, key="ot_from", disabled=preset != "custom")
    c2.date_input(t("ot.date_b", lang), min_value=first, max_value=as_of, key="ot_to")
    persisted("ot_hold", False, lambda raw: str(raw).lower() in ("1", "true", "yes"))
    st.toggle(t("ot.hold", lang), key="ot_hold", help=t("ot.hold.help", lang))
    share(["ot_preset", "ot_from", "ot_to", "ot_hold"])
    a, b, hold = st.session_state.ot_from, st.session_state.ot_to, bool(st.session_state.ot_hold)

    # The purchase days are indexed once per data; segments per date are cached apart, so
    # moving A keeps B's (unless B holds A's splits) and costs one pass over the index.
    history = per_dataset(ds.token, "ot_index", (), lambda: overtime.History(tx))

    def at(day: dt.date, split: dict | None = None):
        key = (*token_key, day, tuple(sorted(split.items())) if split else None)
        return per_dataset(
            ds.token, "ot_segments", key, lambda: overtime.segments_at(history, day, scheme, params, split)
        )

    try:
        with st.spinner(t("ot.computing", lang)):
            at_a = at(a)
            held = hold and bool(at_a[1])
            at_b = at(b, at_a[1] if held else None)
            net = history.net_upto(a)[at_b[0]["_pos"].to_numpy()] if len(at_b[0]) else None
            mig = overtime.combine(at_a, at_b, scheme, held, net)
    except CrmError as exc:
        st.info(exc.message(lang, escape=md_escape))
        return
    name = label_of(scheme, lang)
    moves = mig.customers["move"].value_counts()
    cols = st.columns(5)
    cols[0].metric(t("ot.customers_b", lang), number(len(mig.customers), lang))
    for col, key in zip(cols[1:], ("new", "up", "down", "same"), strict=True):
        col.metric(t(f"ot.move.{key}", lang), number(int(moves.get(key, 0)), lang))
    st.caption(t("ot.held" if mig.held else "ot.recomputed", lang, a=a.isoformat(), b=b.isoformat(),
                 split_a=_splits(mig.splits_from), split_b=_splits(mig.splits_to)))  # fmt: skip
    if isinstance(scheme, overtime.LifecycleCells):
        st.caption(t("ot.lifecycle_rule", lang, split_a=_splits(mig.splits_from), split_b=_splits(mig.splits_to)))
    n, rev = overtime.migration_matrix(mig)
    rows = [name(k) for k in n.index]
    cols_l = [name(k) for k in n.columns]
    keep_rows = n.sum(axis=1).to_numpy() > 0
    keep_cols = n.sum(axis=0).to_numpy() > 0
    st.plotly_chart(
        charts.sankey(
            n.loc[keep_rows, keep_cols],
            [f"{r} · A" for r, k in zip(rows, keep_rows, strict=True) if k],
            [f"{c} · B" for c, k in zip(cols_l, keep_cols, strict=True) if k],
            t("ot.sankey", lang, a=a.isoformat(), b=b.isoformat()),
        ),
        key="ot_sankey",
    )
    shown = n.copy()
    shown.index, shown.columns = rows, cols_l
    st.markdown(f"**{t('ot.matrix.customers', lang)}**")
    st.dataframe(shown, column_config={"_index": st.column_config.Column(t("ot.from_to", lang))})
    shown_rev = rev.round(2)
    shown_rev.index, shown_rev.columns = rows, cols_l
    st.markdown(f"**{t('ot.matrix.revenue', lang)}**")
    st.dataframe(shown_rev)
    cell_exports(lang, mig, n, name)
    cell_campaign(lang, ds, mig, n, name, action_of(scheme, lang))


def cell_campaign(lang: str, ds, mig, n: pd.DataFrame, name, action) -> None:
    """A campaign on migration cells (e.g. every important customer who moved down): the
    customers with their figures at B and the action of the segment they are in at B."""
    from crm_core.campaign import migration_cells
    from ui import campaign as campaign_view

    cells = [f"{f}→{to}" for f in n.index for to in n.columns if n.loc[f, to] > 0]
    at_b, keys = migration_cells(mig.customers, NEW_SINCE)

    def label(cell: str) -> str:
        f, to = cell.split("→")
        return f"{name(f)} → {name(to)}"

    campaign_view.panel(lang, ds, at_b, keys, cells, label, lambda cell: action(cell.split("→")[1]), "migration")


def _splits(split: dict) -> str:
    return ", ".join(f"{k.upper()} {v:,.2f}" for k, v in split.items()) or "—"


def cell_exports(lang: str, mig, n: pd.DataFrame, name) -> None:
    """Any cell's customers, with both segments and their R/F/M at A and B (CSV/Excel)."""
    cells = [(f, to) for f in n.index for to in n.columns if n.loc[f, to] > 0]
    if not cells:
        return
    pick = st.selectbox(
        t("ot.cell", lang),
        cells,
        format_func=lambda c: f"{name(c[0])} → {name(c[1])} ({n.loc[c[0], c[1]]:,})",
        key="ot_cell",
    )
    from_key = "" if pick[0] == NEW_SINCE else pick[0]
    part = mig.customers[(mig.customers["segment_from"] == from_key) & (mig.customers["segment_to"] == pick[1])]
    shown = part.head(500).assign(
        segment_from=lambda d: [name(k) if k else "" for k in d["segment_from"]],
        segment_to=lambda d: [name(k) for k in d["segment_to"]],
        move=lambda d: [t(f"ot.move.{k}", lang) for k in d["move"]],
    )
    table(shown, lang)  # the downloads keep the keys, as the command line writes them
    c1, c2 = st.columns(2)
    stem = export_stem(f"migration_{pick[0]}_to_{pick[1]}")
    c1.download_button(t("drill.csv", lang), lambda: to_csv_bytes(part), f"{stem}.csv", "text/csv", key="ot_dl_csv")
    c2.download_button(
        t("drill.xlsx", lang),
        lambda: to_excel_bytes(part, "migration", export_about(lang)),
        f"{stem}.xlsx",
        key="ot_dl_xlsx",
    )


def status_view(lang: str, ds, period: str) -> None:
    tx, as_of = ds.result.transactions, ds.result.report.as_of
    status = per_dataset(ds.token, "ot_status", (period, as_of), lambda: overtime.status_by_period(tx, period, as_of))
    if status.empty:
        st.info(t("ot.nothing", lang))
        return
    names = {k: t(f"ot.status.{k}", lang) for k in overtime.STATUSES}
    st.plotly_chart(
        charts.status_bars(status, names, t("ot.net_growth", lang), t("ot.status.title", lang)), key="ot_status_chart"
    )
    st.caption(t("ot.status.rule", lang))
    if not status["complete"].iloc[-1]:
        st.caption(t("ot.partial", lang, period=status["period"].iloc[-1]))
    table(status, lang)
    st.download_button(t("ot.download", lang), lambda: to_csv_bytes(status),
                       f"{export_stem(f'status_{period}')}.csv", "text/csv")  # fmt: skip


def cohort_view(lang: str, ds, period: str) -> None:
    tx, as_of = ds.result.transactions, ds.result.report.as_of
    co = per_dataset(ds.token, "ot_cohorts", (period, as_of), lambda: overtime.cohorts(tx, period, as_of))
    if co.empty:
        st.info(t("ot.nothing", lang))
        return
    x, y = t("ot.cohort.x", lang), t("ot.cohort.y", lang)
    st.plotly_chart(
        charts.cohort_heatmap(co.assign(pct=100 * co["retention"]), "pct", t("ot.cohort.retention", lang), x, y, ".0f"),
        key="ot_cohort_ret",
    )
    st.plotly_chart(
        charts.cohort_heatmap(co, "cumulative_revenue_per_customer", t("ot.cohort.revenue", lang), x, y, ",.0f"),
        key="ot_cohort_rev",
    )
    st.caption(t("ot.cohort.rule", lang))
    table(co, lang)
    st.download_button(t("ot.download", lang), lambda: to_csv_bytes(co),
                       f"{export_stem(f'cohorts_{period}')}.csv", "text/csv")  # fmt: skip


def history_view(lang: str, ds, scheme, params, period: str, token_key: tuple) -> None:
    tx, as_of = ds.result.transactions, ds.result.report.as_of
    index = per_dataset(ds.token, "ot_index", (), lambda: overtime.History(tx))
    with st.spinner(t("ot.history.running", lang)):
        hist = per_dataset(
            ds.token,
            "ot_history",
            (*token_key, period, as_of),
            lambda: overtime.segment_history(tx, period, scheme, params, as_of, index),
        )
    if hist.empty:
        st.info(t("ot.nothing", lang))
        return
    keys = [k for k in hist.columns[1:] if hist[k].sum() > 0]
    name = label_of(scheme, lang)
    st.plotly_chart(
        charts.trend(hist, "period", keys, [name(k) for k in keys], t("ot.history.title", lang)), key="ot_hist"
    )
    st.caption(t("ot.history.rule", lang))
    shown = hist.rename(columns={k: name(k) for k in keys})
    st.dataframe(shown, hide_index=True)
    st.markdown(f"**{t('ot.customer', lang)}**")
    who = st.text_input(t("ot.customer.pick", lang), key="ot_who", max_chars=200).strip()
    if who and not (ds.result.customers["customer_id"] == who).any():
        st.info(t("ot.customer.unknown", lang, id=md_escape(who)))
    elif who:
        key = (*token_key, period, as_of, who)
        own = per_dataset(
            ds.token,
            "ot_customer",
            key,
            lambda: overtime.customer_history(tx, who, period, scheme, params, as_of, index),
        ).copy()
        own["segment"] = [name(k) if k else "" for k in own["segment"]]
        own["status"] = [t(f"ot.status.{k}", lang) if k else "" for k in own["status"]]
        table(own, lang)


def token_of(scheme, params) -> tuple:
    """A cache key for the segmentation (a custom scheme by its rules) and its settings."""
    if scheme == overtime.VALUE_MATRIX:
        return (scheme,)
    if isinstance(scheme, overtime.LifecycleCells):
        return (overtime.LIFECYCLE,)
    return (scheme.key, scheme.to_json(), repr(params))
