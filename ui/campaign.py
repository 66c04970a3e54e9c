"""The campaign list of an analysis: which segments, through which channel, when; the list
for the CRM or e-mail tool and the summary for the manager (crm_core.campaign)."""

from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd
import streamlit as st

from crm_core import campaign
from crm_core.export import to_csv_bytes
from crm_core.i18n import t
from ui.widgets import md_escape, number, safe_filename, table


def panel(lang: str, ds, customers: pd.DataFrame, segments: np.ndarray, keys: list, label, action, name: str):
    """``customers`` with their segment keys ``segments``; ``label(k)`` and ``action(k)`` name
    a segment and its recommended action in ``lang``; ``name`` starts the file names."""
    present = [k for k in keys if (segments == k).any()]
    if not present:
        return
    with st.expander(t("camp.title", lang), icon=":material/campaign:"):
        st.caption(t("camp.help", lang))
        plan = pd.DataFrame(
            {
                "include": [False] * len(present),
                "segment": present,
                "label": [label(k) for k in present],
                "channel": [""] * len(present),
                "timing": [""] * len(present),
                "response_pct": [5.0] * len(present),
            }
        )
        edited = st.data_editor(
            plan,
            # the rows' segments in the key: when they change (another date, other settings) the
            # ticks start again instead of landing on whichever segment now has that row
            key=f"{name}_camp_plan_{hashlib.sha1(repr(present).encode()).hexdigest()[:10]}",
            hide_index=True,
            disabled=["segment", "label"],
            column_config={
                "include": st.column_config.CheckboxColumn(t("camp.include", lang)),
                "segment": None,  # the key travels in the export, the label is shown
                "label": st.column_config.TextColumn(t("camp.segment", lang)),
                "channel": st.column_config.TextColumn(t("camp.channel", lang), max_chars=100),
                "timing": st.column_config.TextColumn(t("camp.timing", lang), max_chars=100),
                "response_pct": st.column_config.NumberColumn(
                    t("camp.response", lang), min_value=0.0, max_value=100.0, step=0.5, format="%.1f %%"
                ),
            },
        )
        chosen = edited[edited["include"]].drop(columns="include")
        if chosen.empty:
            st.caption(t("camp.pick", lang))
            return
        reach_cols = campaign.contact_columns(ds.result.transactions, customers)
        reach = campaign.contacts(ds.result.transactions, customers, reach_cols)
        actions = {k: action(k) for k in present}
        listing = campaign.campaign_list(customers, pd.Series(segments), chosen, actions, reach)
        summary = campaign.campaign_summary(listing, chosen)
        table(summary, lang)
        said = (
            t("camp.contacts", lang, columns=md_escape(", ".join(reach_cols)))
            if reach_cols
            else t("camp.no_contacts", lang)
        )
        st.caption(said + " " + t("camp.expected", lang))
        as_of = ds.result.report.as_of
        header = [t("camp.sheet_title", lang, name=name), t("camp.sheet_date", lang, day=str(as_of))]
        if ds.scope:
            header.append(t("camp.sheet_scope", lang, scope=ds.scope))
        stem = safe_filename(f"campaign_{name}_{ds.scope}" if ds.scope else f"campaign_{name}")
        c1, c2 = st.columns(2)
        c1.download_button(
            t("camp.csv", lang, n=number(len(listing), lang)),
            lambda: to_csv_bytes(listing),
            f"{stem}.csv",
            "text/csv",
            key=f"{name}_camp_csv",
        )
        c2.download_button(
            t("camp.xlsx", lang),
            lambda: campaign.to_campaign_excel(listing, summary, header),
            f"{stem}.xlsx",
            key=f"{name}_camp_xlsx",
        )
