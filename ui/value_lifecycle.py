"""Lifecycle grid views: growth potential, the grid table, stage rules and views."""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from crm_core.i18n import t
from crm_core.params import STAGE_FIELDS, STAGES
from ui.state import per_dataset
from ui.widgets import md_escape, money, number, persist_param, share_params, table


def potential(lang: str, ds, method: str, extras: list[str]):
    """Growth potential per customer by the chosen method, explained on the page; None to stop."""
    from crm_core.potential import customer_column, predict, wallet_gap

    c, tx = ds.result.customers, ds.result.transactions
    st.markdown(t(f"lc.potential.{method}.help", lang))
    if method in ("model", "clv"):
        as_of = ds.result.report.as_of
        with st.spinner(t("lc.model.running", lang)):
            pot = per_dataset(ds.token, "potential_model", (as_of,), lambda: predict(tx, as_of))
        if method == "model" and not pot.ok:
            st.warning(t(pot.reason, lang, **pot.holdout))
            return None
        if pot.ok:
            h = pot.holdout
            cols = st.columns(4)
            cols[0].metric(t("lc.model.mae", lang), money(h["model_mae"], lang))
            cols[1].metric(t("lc.model.naive_mae", lang), money(h["naive_mae"], lang))
            cols[2].metric(t("lc.model.rmse", lang), money(h["model_rmse"], lang))
            cols[3].metric(t("lc.model.naive_rmse", lang), money(h["naive_rmse"], lang))
            _holdout_comparison(lang, ds, h)
        if method == "model":
            return pot.predicted.reindex(c["customer_id"]).fillna(0.0).reset_index(drop=True)
        from ui.clv import current

        got = current(lang, ds)
        if got is None:
            return None
        scores = got[1].set_index("customer_id")["clv"]
        return scores.reindex(c["customer_id"]).fillna(0.0).reset_index(drop=True)
    column = st.sidebar.selectbox(t("lc.column", lang), extras, key="lc_column")
    values = customer_column(c, tx, column)
    if method == "wallet":
        values = wallet_gap(c, values)
    missing = int(values.isna().sum())
    if missing:
        st.info(t("lc.column.missing", lang, n=number(missing, lang)))
    return values.fillna(0.0).reset_index(drop=True)


def _holdout_comparison(lang: str, ds, h: dict) -> None:
    """Both forecasts of the holdout window's spend, and the naive one, side by side; the
    caption says which is closest on this data."""
    from crm_core.errors import CrmError
    from crm_core.potential import clv_holdout

    try:
        key = (h["holdout_cutoff"], h["window_days"])
        c = per_dataset(ds.token, "clv_holdout", key, lambda: clv_holdout(ds.result.transactions, h))
    except CrmError as exc:  # too little history for the CLV model before the cut-off
        c = {"clv_mae": float("nan"), "clv_rmse": float("nan"), "clv_total": float("nan")}
        st.caption(exc.message(lang, escape=md_escape))
    rows = [("model", h["model_mae"], h["model_rmse"], h["model_total"])]
    rows += [
        ("clv", c["clv_mae"], c["clv_rmse"], c["clv_total"]),
        ("naive", h["naive_mae"], h["naive_rmse"], h["naive_total"]),
    ]
    frame = pd.DataFrame(rows, columns=["forecast", "mae", "rmse", "forecast_total"])
    frame["actual_total"] = h["actual_total"]
    best = frame.loc[frame["mae"].idxmin(), "forecast"]
    frame["forecast"] = [t(f"lc.forecast.{k}", lang) for k in frame["forecast"]]
    table(frame, lang)
    st.caption(
        t(
            "lc.forecast.best",
            lang,
            best=t(f"lc.forecast.{best}", lang),
            w=h["window_days"],
            train=h["train_cutoff"],
            hold=h["holdout_cutoff"],
            n=number(h["holdout_customers"], lang),
        )
    )


def grid_table(lang: str, codes: np.ndarray, value: np.ndarray, potential: np.ndarray) -> pd.DataFrame:
    from crm_core.lifecycle import CELLS, grid_summary

    grid = grid_summary(codes, value, potential)
    grid.insert(1, "label", [t(f"lc.cell.{k}", lang) for k in CELLS])
    grid["allocation"] = [t(f"lc.alloc.{k}", lang) for k in CELLS]
    grid["retention"] = [t(f"lc.retain.{k}", lang) for k in CELLS]
    return grid


def stage_rules(lang: str, d, dated: bool = True):
    """The stage rule (tenure & trend, or status per period when there are transactions) and
    its thresholds, all shown and adjustable, in the URL. Returns (rules, rule, period)."""
    from crm_core.lifecycle import StageRules
    from crm_core.params import STAGE_PERIOD, STAGE_RULE

    rule, period = "trend", STAGE_PERIOD.default
    if dated:
        persist_param(STAGE_RULE)
        st.radio(
            t(STAGE_RULE.label, lang),
            list(STAGE_RULE.choices),
            key=STAGE_RULE.name,
            horizontal=True,
            format_func=lambda k: t(f"lc.stage.rule.{k}", lang),
        )
        share_params((STAGE_RULE,))
        rule = st.session_state[STAGE_RULE.name]
    with st.expander(t("lc.stage.rules", lang), expanded=False):
        shown = STAGES if rule == "trend" else tuple(p for p in STAGES if p.name in ("st_growth", "st_decline"))
        values = {}
        for col, p in zip(st.columns(len(shown) + (rule == "status")), shown, strict=False):
            persist_param(p, getattr(d, STAGE_FIELDS[p.name]))
            values[STAGE_FIELDS[p.name]] = col.number_input(t(p.label, lang), *p.bounds, key=p.name)
        share_params(shown)
        if rule == "status":
            persist_param(STAGE_PERIOD)
            st.columns(len(shown) + 1)[-1].selectbox(
                t(STAGE_PERIOD.label, lang),
                list(STAGE_PERIOD.choices),
                key=STAGE_PERIOD.name,
                format_func=lambda k: t(f"ot.period.{k}", lang),
            )
            share_params((STAGE_PERIOD,))
            period = st.session_state[STAGE_PERIOD.name]
        rules = StageRules(**{**d.__dict__, **values})
        key = "lc.stage.explain" if rule == "trend" else "lc.stage.explain.status"
        st.caption(t(key, lang, period=t(f"ot.period.{period}", lang), **rules.__dict__))
    st.caption(t("lc.stage.aliases", lang))
    return rules, rule, period


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


def within(lang: str, ds, f_split, s_split) -> None:
    """Value-matrix types within each store / channel / region …: each group's own lines."""
    from crm_core.scope import value_matrix_by
    from crm_core.value_matrix import TYPES
    from ui.scope import group_column, group_mix, grouped_customers, one_group

    by = group_column(lang, ds)
    if by is None:
        return
    out, groups = per_dataset(
        ds.token,
        "vm_within",
        (by, repr(f_split), repr(s_split)),
        lambda: value_matrix_by(grouped_customers(ds, by), by, f_split, s_split),
    )
    name = group_mix(
        lang, out, by, "value_type", list(TYPES), lambda k: t(f"vm.type.{k}", lang), groups, "vm_within_mix"
    )
    table(
        pd.DataFrame(
            {
                by: [name(g.value) for g in groups],
                "customers": [g.customers for g in groups],
                "revenue": [g.revenue for g in groups],
                "line_f": [g.splits["f"] for g in groups],
                "line_s": [g.splits["s"] for g in groups],
                "too_small": [g.too_small for g in groups],
            }
        ),
        lang,
    )
    label = lambda k: t(f"vm.type.{k}", lang)  # noqa: E731
    one_group(lang, ds, out, by, groups, name, "value_type", list(TYPES), label,
              lambda k: t(f"vm.strategy.{k}", lang), "value_matrix")  # fmt: skip


def cell_action(k: int, lang: str) -> str:
    """A grid cell's recommended action: how much to invest and how to keep the relationship."""
    return f"{t(f'lc.alloc.{k}', lang)}; {t(f'lc.retain.{k}', lang)}"


def lifecycle_within(lang: str, ds, method: str, column: str | None, profit: bool, margin, serve, v_split, p_split):
    """The lifecycle grid within each store / channel / region …: each group's value, potential
    and lines (crm_core.scope.lifecycle_by); the groups' cell mix; one group's list."""
    from crm_core.errors import CrmError
    from crm_core.lifecycle import CELLS
    from crm_core.scope import lifecycle_by
    from ui.scope import group_column, group_mix, one_group

    by = group_column(lang, ds)
    if by is None:
        return
    potential = {"column": column, "wallet": f"wallet:{column}"}.get(method, method)
    settings = (by, potential, profit, margin, serve, repr(v_split), repr(p_split))
    try:
        with st.spinner(t("lc.model.running", lang)):
            got = per_dataset(
                ds.token,
                "lc_within",
                settings,
                lambda: lifecycle_by(ds.result.customers, ds.result.transactions, by, ds.result.report.as_of,
                                     potential, v_split, p_split, profit, margin, serve),
            )  # fmt: skip
    except CrmError as exc:  # too little history for the model, and the like: said, the page goes on
        st.warning(exc.message(lang, escape=md_escape))
        return
    if method == "model":
        st.caption(t("lc.within.model", lang, mae=money(got.holdout["model_mae"], lang),
                     naive=money(got.holdout["naive_mae"], lang)))  # fmt: skip
    label = lambda k: t(f"lc.cell.{k}", lang)  # noqa: E731
    name = group_mix(lang, got.frame, by, "cell", list(CELLS), label, got.groups, "lc_within_mix")
    table(
        pd.DataFrame(
            {
                by: [name(g.value) for g in got.groups],
                "customers": [g.customers for g in got.groups],
                "revenue": [g.revenue for g in got.groups],
                "line_v": [g.splits["v"] for g in got.groups],
                "line_p": [g.splits["p"] for g in got.groups],
                "too_small": [g.too_small for g in got.groups],
            }
        ),
        lang,
    )
    one_group(lang, ds, got.frame, by, got.groups, name, "cell", list(CELLS), label,
              lambda k: cell_action(k, lang), "lifecycle")  # fmt: skip
