"""RFM explorer views: settings, header, explain mode, what-if, drill-down, clusters."""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from crm_core import params as declared
from crm_core.errors import CrmError
from crm_core.i18n import t
from crm_core.params import parse_edges
from ui.state import per_dataset
from ui.whatif import whatif_panel
from ui.widgets import md_escape, number, persist_param, say, share_params, table


def settings(lang: str, customers: pd.DataFrame):
    """The RFM settings panel (sidebar). Returns (RfmParams, Scheme, explain mode), or
    (None, None, False) after showing what is wrong with a typed setting."""
    from crm_core.segments import builtin, load_scheme

    p = declared.BY_NAME
    r_max = float(customers["recency_days"].max() or 1)
    f_max = float(customers["frequency"].max() or 1)
    m_max = float(max(customers["monetary"].max(), 1))
    seed(customers)
    sb = st.sidebar
    sb.markdown(f"**{t('rfm.settings', lang)}**")
    sb.selectbox(
        t(p["scheme"].label, lang), p["scheme"].choices, key="scheme", format_func=lambda k: t(f"rfm.scheme.{k}", lang)
    )
    sb.radio(
        t(p["score_method"].label, lang),
        p["score_method"].choices,
        key="score_method",
        horizontal=True,
        format_func=lambda k: t(f"rfm.score.{k}", lang),
    )
    if st.session_state.score_method == "quantile":
        sb.select_slider(t(p["bins"].label, lang), p["bins"].choices, key="bins")
    else:
        for dim in "rfm":
            sb.text_input(t(p[f"{dim}_edges"].label, lang), key=f"{dim}_edges")
    sb.selectbox(
        t(p["split_method"].label, lang),
        p["split_method"].choices,
        key="split_method",
        format_func=lambda k: t(f"rfm.split.{k}", lang),
    )
    method = st.session_state.split_method
    if method == "percentile":
        sb.slider(t(p["split_pct"].label, lang), *p["split_pct"].bounds, key="split_pct", step=5)
    elif method == "value":
        st.session_state.r_split = int(min(max(st.session_state.r_split, 0), r_max))
        st.session_state.f_split = float(min(max(st.session_state.f_split, 1.0), f_max))
        st.session_state.m_split = float(min(max(st.session_state.m_split, 0.0), m_max))
        sb.slider(t("rfm.split.r", lang), 0, int(r_max), key="r_split")
        sb.slider(t("rfm.split.f", lang), 1.0, f_max, key="f_split", step=0.5)
        sb.slider(t("rfm.split.m", lang), 0.0, m_max, key="m_split", step=float(max(1, round(m_max / 200))))
    sb.radio(
        t(p["m_basis"].label, lang), p["m_basis"].choices, key="m_basis", format_func=lambda k: t(f"col.{k}", lang)
    )
    sb.toggle(t(p["explain"].label, lang), key="explain")
    share_params(declared.RFM)
    try:
        params = params_from_state()
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
        scheme = custom_scheme(lang, load_scheme, builtin)
    else:
        scheme = builtin(st.session_state.scheme)
    return params, scheme, bool(st.session_state.explain)


def seed(customers: pd.DataFrame) -> None:
    """The RFM settings in the session: this session's, else the link's, else the defaults
    (typed splits start at the data's means). Other pages that segment call it too, so they
    use the RFM page's settings."""
    starts = {
        "r_split": round(float(customers["recency_days"].mean())),
        "f_split": round(float(customers["frequency"].mean()), 1),
        "m_split": round(float(customers["monetary"].mean()), 0),
    }
    for param in declared.RFM:
        persist_param(param, starts.get(param.name))


def params_from_state():
    """RfmParams from the settings in the session (see :func:`seed`); ValueError when one is wrong."""
    from crm_core.rfm import RfmParams

    return RfmParams(
        score_method=st.session_state.score_method,
        bins=5 if st.session_state.scheme == "en10" else int(st.session_state.bins),
        r_edges=parse_edges(st.session_state.r_edges),
        f_edges=parse_edges(st.session_state.f_edges),
        m_edges=parse_edges(st.session_state.m_edges),
        split_method=st.session_state.split_method,
        split_percentile=float(st.session_state.split_pct),
        r_split=float(st.session_state.r_split),
        f_split=float(st.session_state.f_split),
        m_split=float(st.session_state.m_split),
        m_basis=st.session_state.m_basis,
    ).validate()


def custom_scheme(lang: str, load_scheme, builtin):
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
                st.error(exc.message(lang, escape=md_escape) + "\n\n" + t("rfm.custom.kept", lang))
        if "rules_text" not in st.session_state:
            st.session_state.rules_text = st.session_state.custom_scheme.to_json()
        st.text_area(t("rfm.custom.rules", lang), key="rules_text", height=300)
        c1, c2 = st.columns(2)
        if c1.button(t("rfm.custom.apply", lang), key="rules_apply"):
            try:
                st.session_state.custom_scheme = load_scheme(st.session_state.rules_text)
                st.success(t("rfm.custom.applied", lang))
            except CrmError as exc:
                st.error(exc.message(lang, escape=md_escape) + "\n\n" + t("rfm.custom.kept", lang))
        c2.download_button(
            t("rfm.custom.save", lang),
            st.session_state.custom_scheme.to_json().encode("utf-8"),
            "rfm_rules.json",
            "application/json",
            key="rules_save",
        )
    return st.session_state.custom_scheme


def header(lang: str, prep, split: dict, params, scheme) -> None:
    cols = st.columns(4)
    cols[0].metric(t("metric.customers", lang), number(len(prep.customers), lang))
    units = {"r": t("rfm.unit.days", lang), "f": t("rfm.unit.times", lang), "m": ""}
    for i, d in enumerate("rfm"):
        value = split[d]
        shown = f"{value:,.2f}" if d == "m" and params.split_method != "score_mean" else f"{value:,.1f}"
        cols[i + 1].metric(t(f"rfm.split_at.{d}", lang), f"{shown} {units[d]}".strip())
    st.caption(say(lang, "rfm.scheme_in_use", scheme=scheme.title(lang)))


def explain(lang: str, params, split: dict, scheme) -> None:
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


def whatif(lang: str, token: str, prep, codes, scheme, params) -> None:
    """Pin the current settings as a baseline; show who moves where when settings change."""
    whatif_panel(lang, "rfm", token, codes, scheme.keys, scheme.label, prep.revenue)


def customer(lang: str, prep, codes, split: dict, scheme, params) -> None:
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


def clusters(lang: str, token: str, prep_key: tuple, prep, codes, scheme, clusters) -> None:
    st.caption(t("rfm.clusters.help", lang))
    k = st.slider(t("rfm.clusters.k", lang), 2, 8, 4, key="k")
    if st.button(t("rfm.clusters.elbow", lang), key="elbow"):
        st.session_state.rfm_elbow_shown = True
    if st.session_state.get("rfm_elbow_shown"):
        from crm_core.charts import elbow

        with st.spinner(t("rfm.clusters.running", lang)):  # once per data and scores, then cached
            e = per_dataset(token, "rfm_elbow", prep_key, lambda: clusters.choose_k(prep.values))
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


def within(lang: str, ds, params, scheme) -> None:
    """RFM within each store / channel / region …: each group's own rows, scores and splits;
    the groups' segment mix side by side; one group's customers to take away."""
    from crm_core.scope import rfm_by
    from ui.scope import group_column, group_mix, grouped_customers, one_group

    by = group_column(lang, ds)
    if by is None:
        return
    key = (by, repr(params), scheme.key, scheme.to_json())
    out, groups = per_dataset(
        ds.token,
        "rfm_within",
        key,
        lambda: rfm_by(grouped_customers(ds, by), by, params, scheme),
    )  # fmt: skip
    name = group_mix(lang, out, by, "segment", list(scheme.keys), lambda k: scheme.label(k, lang), groups, "within_mix")
    splits = pd.DataFrame(
        {
            by: [name(g.value) for g in groups],
            "customers": [g.customers for g in groups],
            "revenue": [g.revenue for g in groups],
            **{f"split_{d}": [g.splits.get(d, np.nan) for g in groups] for d in "rfm"},
            "too_small": [g.too_small for g in groups],
        }
    )
    table(splits, lang)
    one_group(lang, ds, out, by, groups, name, "segment", list(scheme.keys), lambda k: scheme.label(k, lang),
              lambda k: scheme.action(k, lang), "rfm")  # fmt: skip
