"""RFM explorer: scores, segments, what-if migration, charts, drill-down, clusters."""

import numpy as np
import pandas as pd
import streamlit as st

import ui
from crm_core import charts, clusters
from crm_core.errors import CrmError
from crm_core.export import to_csv_bytes, to_excel_bytes
from crm_core.i18n import t
from crm_core.rfm import DIMS, prepare, segment_codes, summary
from ui import campaign as campaign_view
from ui import clv as clv_view
from ui import rfm as rfm_view
from ui import widgets

lang = ui.setup("nav.rfm")
ds = ui.dataset(lang)
customers = ds.result.customers
params, scheme, explain_mode = rfm_view.settings(lang, customers)
if params is None:
    st.stop()

# Scores are computed once per data and scoring method; a split move only re-segments.
prep_key = params.scores_key()
prep = ui.per_dataset(ds.token, "rfm_prepare", prep_key, lambda: prepare(customers, params))
try:
    codes, split = segment_codes(prep, scheme, params)
except CrmError as exc:
    st.error(exc.message(lang, escape=widgets.md_escape))
    st.stop()
for key, p in prep.notes:
    st.info(t(key, lang, **p))
table = summary(prep, codes, scheme)
extra = clv_view.group_columns(lang, ds, prep.customers["customer_id"], codes, len(table))
if extra is not None:
    table = pd.concat([table, extra], axis=1)
labels = [scheme.label(k, lang) for k in table["segment"]]
segment_labels = np.asarray([scheme.label(k, lang) for k in scheme.keys], dtype=object)  # by code, not per customer

rfm_view.header(lang, prep, split, params, scheme)
if explain_mode:
    rfm_view.explain(lang, params, split, scheme)

view = widgets.view_picker(
    "rfm_view",
    [
        ("segments", "rfm.tab.segments"),
        ("whatif", "rfm.tab.whatif"),
        ("charts", "rfm.tab.charts"),
        ("customer", "rfm.tab.customer"),
        ("clusters", "rfm.tab.clusters"),
        ("within", "rfm.tab.within"),
    ],
    lang,
)
if view == "segments":
    shown = table.assign(label=labels, action=[scheme.action(k, lang) for k in table["segment"]])
    widgets.table(shown[["label", *table.columns[1:], "action", "segment"]], lang)
    st.plotly_chart(
        charts.segment_bars(
            table, labels, t("col.pct_customers", lang), t("col.pct_revenue", lang), t("rfm.chart.segments", lang)
        ),
        key="seg_bars",
    )

    def scored():  # the export: built when clicked, not on every rerun
        return prep.customers.assign(
            **{f"{d}_score": prep.scores[:, i] for i, d in enumerate(DIMS)},
            segment=np.asarray(scheme.keys, dtype=object)[codes],
            segment_label=segment_labels[codes],
        )

    c1, c2, c3 = st.columns(3)
    # An Excel export of 4,000 customers takes ~0.5 s: only on a click.
    c1.download_button(t("rfm.download.csv", lang), lambda: to_csv_bytes(scored()),
                       f"{widgets.export_stem('rfm_customers')}.csv", "text/csv")  # fmt: skip
    about = widgets.export_about(lang)
    c2.download_button(t("rfm.download.xlsx", lang), lambda: to_excel_bytes(scored(), "rfm", about),
                       f"{widgets.export_stem('rfm_customers')}.xlsx")  # fmt: skip
    c3.download_button(t("rfm.download.summary", lang), lambda: to_csv_bytes(shown),
                       f"{widgets.export_stem('rfm_segments')}.csv", "text/csv")  # fmt: skip
    campaign_view.panel(
        lang,
        ds,
        prep.customers,
        np.asarray(scheme.keys, dtype=object)[codes],
        list(scheme.keys),
        lambda k: scheme.label(k, lang),
        lambda k: scheme.action(k, lang),
        f"rfm_{scheme.key}",
    )

elif view == "whatif":
    rfm_view.whatif(lang, ds.token, prep, codes, scheme, params)

elif view == "charts":
    cols = st.columns(3)
    for i, d in enumerate(DIMS):
        cols[i].plotly_chart(
            charts.histogram(prep.values[:, i], t(f"rfm.dim.{d}", lang), t(f"rfm.unit.{d}", lang), log=d != "r"),
            key=f"hist_{d}",
        )
    c1, c2 = st.columns(2)
    n_points = params.points
    c1.plotly_chart(
        charts.heatmap(prep.scores[:, 0], prep.scores[:, 1], None, n_points, t("rfm.chart.heat_n", lang), "R", "F"),
        key="heat_n",
    )
    c2.plotly_chart(
        charts.heatmap(
            prep.scores[:, 0], prep.scores[:, 1], prep.values[:, 2], n_points, t("rfm.chart.heat_m", lang), "R", "F"
        ),
        key="heat_m",
    )
    corr = float(
        pd.Series(prep.values[:, 1]).corr(pd.Series(customers["monetary"].to_numpy(dtype=float)), method="spearman")
    )
    st.metric(t("rfm.corr", lang), f"{corr:.2f}")
    st.caption(t("rfm.corr.note", lang))
    frame = prep.customers.assign(segment=segment_labels[codes])
    fig, n = charts.scatter(
        frame,
        "frequency",
        "monetary",
        "segment",
        t("rfm.chart.scatter", lang),
        t("col.frequency", lang),
        t("col.monetary", lang),
    )
    st.plotly_chart(fig, key="scatter")
    st.caption(t("rfm.scatter.sample", lang, shown=widgets.number(n, lang), total=widgets.number(len(frame), lang)))

elif view == "customer":
    rfm_view.customer(lang, prep, codes, split, scheme, params)

elif view == "within":
    rfm_view.within(lang, ds, params, scheme)

else:
    rfm_view.clusters(lang, ds.token, prep_key, prep, codes, scheme, clusters)
