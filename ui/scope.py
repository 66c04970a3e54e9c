"""Filters on every analysis page (issue 16): a first day, dimension values (store, channel,
region … as the upload names them), a minimum spend or number of orders, customers left out.
In the sidebar and the URL; said above every figure; the numbers add up (rows kept + rows
filtered out = rows in)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json

import pandas as pd
import streamlit as st

from crm_core.i18n import t
from crm_core.scope import MAX_GROUPS, Scope, filter_customers, filter_rows, group_values
from ui.state import Dataset, content_token, per_dataset
from ui.widgets import md_escape, number, persisted, share, table

MAX_DIMENSION_VALUES = 50  # more than this is not offered as a filter (still usable for --by)
# role and computed columns: never a dimension
_NOT_DIMENSIONS = {
    "customer_id", "order_date", "amount", "order_id", "cost", "first_purchase", "last_purchase",
    "recency_days", "frequency", "monetary", "avg_spend", "returns", "quantity", "price", "status",
}  # fmt: skip


def dimensions(frame: pd.DataFrame, limit: int = MAX_DIMENSION_VALUES) -> dict[str, list[str]]:
    """Text columns with 2 to ``limit`` values: the store, channel, region … an upload carries;
    each with its values (empty = no value) in order."""
    out = {}
    for col in frame.columns:
        if col in _NOT_DIMENSIONS or pd.api.types.is_numeric_dtype(frame[col]):
            continue
        if pd.api.types.is_datetime64_any_dtype(frame[col]):
            continue
        values = group_values(frame[col])
        distinct = values.unique()
        if 2 <= len(distinct) <= limit:
            out[str(col)] = sorted(str(v) for v in distinct)
    return out


def _dims_from_url(raw: str) -> dict:
    value = json.loads(raw)
    if not isinstance(value, dict) or not all(isinstance(v, list) for v in value.values()):
        raise ValueError("not a filter")
    return {str(k): [str(x) for x in v] for k, v in value.items()}


def panel(lang: str, ds: Dataset) -> Scope:
    """The filter widgets (sidebar), seeded from this session, else the link; the scope chosen."""
    tx = ds.result.transactions
    frame = ds.result.customers if tx is None else tx
    dims = per_dataset(ds.token, "dimensions", (), lambda: dimensions(frame))
    first = None if tx is None else per_dataset(ds.token, "first_day", (), lambda: tx["order_date"].min().date())
    with st.sidebar.expander(t("scope.title", lang), expanded=False):
        date_from = None
        if first is not None:
            persisted("f_from", first, lambda raw: dt.date.fromisoformat(str(raw)[:10]))
            if st.session_state.f_from < first:
                st.session_state.f_from = first
            date_from = st.date_input(t("scope.from", lang), min_value=first, key="f_from")
            date_from = None if date_from <= first else date_from
        persisted("f_dims", "{}", str)
        try:
            chosen = _dims_from_url(st.session_state.f_dims)
        except (ValueError, TypeError):
            chosen = {}
        where = []
        for i, (col, values) in enumerate(dims.items()):
            key = f"f_dim_{i}"  # written back each run: the same widget on another page starts from it
            kept = st.session_state[key] if key in st.session_state else chosen.get(col, [])
            st.session_state[key] = [v for v in kept if v in values]
            picked = st.multiselect(md_escape(col), values, key=key, format_func=lambda v: v or t("scope.empty", lang))
            if picked:
                where.append((col, tuple(picked)))
        st.session_state.f_dims = json.dumps({c: list(v) for c, v in where}, ensure_ascii=False)
        persisted("f_min_spend", 0.0, float)
        persisted("f_min_orders", 0, int)
        # a link's value below the widget's minimum would stop the page
        st.session_state.f_min_spend = max(0.0, float(st.session_state.f_min_spend))
        st.session_state.f_min_orders = max(0, int(st.session_state.f_min_orders))
        min_spend = st.number_input(t("scope.min_spend", lang), min_value=0.0, step=100.0, key="f_min_spend")
        min_orders = st.number_input(t("scope.min_orders", lang), min_value=0, step=1, key="f_min_orders")
        persisted("f_exclude", "", str)
        excluded = st.text_area(t("scope.exclude", lang), key="f_exclude", help=t("scope.exclude.help", lang))
        share(["f_from", "f_dims", "f_min_spend", "f_min_orders"])  # excluded ids stay out of links
        exclude_key = "f_exclude"
        st.session_state[f"keep_{exclude_key}"] = excluded  # but follow the user to other pages
    ids = tuple(sorted({p.strip() for p in excluded.replace(",", "\n").splitlines() if p.strip()}))
    return Scope(
        date_from=date_from,
        where=tuple(where),
        exclude=ids,
        min_spend=float(min_spend) or None,
        min_orders=int(min_orders) or None,
    )


def group_column(lang: str, ds: Dataset) -> str | None:
    """The "analyse within each …" picker (in the link): a text column of the upload with at
    most MAX_GROUPS values; None, said, when there is none."""
    tx = ds.result.transactions
    frame = ds.result.customers if tx is None else tx
    dims = per_dataset(ds.token, "dimensions_all", (), lambda: dimensions(frame, MAX_GROUPS))
    if not dims:
        st.info(t("within.none", lang))
        return None
    options = list(dims)
    persisted("within_by", options[0], str, options)
    by = st.selectbox(t("within.by", lang), options, key="within_by", format_func=md_escape)
    share(["within_by"])
    return by


def grouped_customers(ds: Dataset, by: str) -> pd.DataFrame:
    """The (group, customer) table of ``ds`` by ``by``, once per data and column: the
    within-group views' settings then only re-run the segmentation."""
    from crm_core.scope import customers_by

    r = ds.result
    with st.spinner(t("within.computing", st.session_state.get("lang", "en"), by=md_escape(by))):
        return per_dataset(
            ds.token,
            "within_summary",
            (by,),
            lambda: customers_by(r.customers, r.transactions, by, r.report.as_of, False),
        )


def group_mix(lang: str, out: pd.DataFrame, by: str, column: str, keys: list, label, groups, chart_key: str):
    """The groups' mix of ``column`` side by side, the rule, and the small groups named.
    Returns how a group value is shown (empty = "(no value)")."""
    from crm_core import charts
    from crm_core.scope import MIN_GROUP_CUSTOMERS

    st.caption(t("within.rule", lang, by=md_escape(by), n=number(len(groups), lang)))
    name = lambda g: g or t("scope.empty", lang)  # noqa: E731
    counts = pd.crosstab(out[by], out[column]).reindex(columns=keys, fill_value=0)
    counts = counts.loc[:, counts.sum() > 0]
    shown = counts.rename(index=name, columns=label)
    st.plotly_chart(charts.group_mix(shown, t("within.mix", lang, by=by), t("col.pct_customers", lang)), key=chart_key)
    small = [name(g.value) for g in groups if g.too_small]
    if small:
        st.warning(t("within.small", lang, n=MIN_GROUP_CUSTOMERS, groups=md_escape(", ".join(small[:20]))))
    return name


def one_group(lang: str, ds: Dataset, out: pd.DataFrame, by: str, groups, name, column: str, keys: list,
              label, action, stem: str) -> None:  # fmt: skip
    """One group's customers to take away: its mix of ``column`` (label, customers, revenue,
    action), the group's table in CSV and Excel, and its campaign list."""
    from crm_core.export import to_csv_bytes, to_excel_bytes
    from ui import campaign as campaign_view
    from ui.widgets import export_about, export_stem

    pick = st.selectbox(t("within.pick", lang), [g.value for g in groups], format_func=name, key="within_pick")
    part = out[out[by] == pick].sort_values("customer_id", kind="stable")
    count = part[column].value_counts().reindex(keys, fill_value=0)
    mix = pd.DataFrame(
        {
            "label": [label(k) for k in keys],
            "customers": count.to_numpy(),
            "revenue": part.groupby(column)["monetary"].sum().reindex(keys, fill_value=0.0).to_numpy(),
            "action": [action(k) for k in keys],
            column: keys,
        }
    )
    table(mix[mix["customers"] > 0], lang)
    export = part.assign(**{f"{column}_label": [label(k) for k in part[column]]})
    stem = f"{stem}_{by}_{pick or 'empty'}"
    c1, c2 = st.columns(2)
    file = export_stem(stem)
    c1.download_button(t("drill.csv", lang), lambda: to_csv_bytes(export), f"{file}.csv", "text/csv", key="within_csv")
    c2.download_button(
        t("drill.xlsx", lang),
        lambda: to_excel_bytes(export, str(pick) or stem, export_about(lang)),
        f"{file}.xlsx",
        key="within_xlsx",
    )
    campaign_view.panel(
        lang,
        ds,
        part.drop(columns=by).reset_index(drop=True),
        part[column].to_numpy(dtype=object),
        keys,
        label,
        action,
        stem,
    )


@dataclasses.dataclass
class Scoped:
    ds: Dataset
    rows_in: int
    rows_kept: int
    customers_in: int
    customers_kept: int


def apply(ds: Dataset, scope: Scope) -> Scoped:
    """The data inside the scope (cached per data and scope): rows filtered, customers
    summarised again to the analysis date, then the per-customer minimums."""
    from crm_core.summarize import summarize_detail

    def work() -> Scoped:
        result, tx = ds.result, ds.result.transactions
        rows_in = 0 if tx is None else len(tx)
        if tx is not None and (scope.date_from or scope.where or scope.exclude):
            kept = filter_rows(tx, dataclasses.replace(scope, min_spend=None, min_orders=None)).transactions
            if kept.empty:
                return Scoped(ds, rows_in, 0, len(result.customers), 0)
            summary = summarize_detail(kept, result.report.as_of)
            result = dataclasses.replace(result, customers=summary.customers, summary=summary, transactions=kept)
        customers, _ = filter_customers(result.customers, scope, rows_filtered=tx is not None)
        if result.transactions is not None and len(customers) < len(result.customers):
            keep = result.transactions["customer_id"].astype("string").isin(customers["customer_id"])
            result = dataclasses.replace(result, transactions=result.transactions[keep.to_numpy()])
        result = dataclasses.replace(result, customers=customers)
        rows_kept = 0 if result.transactions is None else len(result.transactions)
        token = f"{ds.token}|{content_token(repr(scope))}"
        scoped = Dataset(ds.source, ds.name, result, token, scope.label())
        return Scoped(scoped, rows_in, rows_kept, len(ds.result.customers), len(customers))

    return per_dataset(ds.token, "scope", (scope,), work)


def banner(lang: str, scope: Scope, scoped: Scoped) -> None:
    """Above every figure: what the filter is and what it kept."""
    st.info(
        t(
            "scope.banner",
            lang,
            scope=md_escape(scope.label()),
            rows=number(scoped.rows_kept, lang),
            rows_in=number(scoped.rows_in, lang),
            customers=number(scoped.customers_kept, lang),
            customers_in=number(scoped.customers_in, lang),
        ),
        icon=":material/filter_alt:",
    )


__all__ = ["MAX_GROUPS", "apply", "banner", "dimensions", "panel"]
