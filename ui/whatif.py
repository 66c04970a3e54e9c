"""What-if: pin a baseline, move a setting, compare customers and revenue (value matrix, lifecycle)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from crm_core.export import to_csv_bytes
from crm_core.groups import compare
from crm_core.i18n import LANGS, t
from ui.widgets import money, number, say, table


def charts_migration(frame: pd.DataFrame, rows: list[str], cols: list[str], title: str):
    from crm_core.charts import migration_heatmap

    return migration_heatmap(frame, rows, cols, title)


def whatif_panel(lang: str, name: str, token: str, codes: np.ndarray, keys: list, label, revenue: np.ndarray) -> None:
    """Pin a baseline; show how many customers and how much revenue moved between groups.

    ``label(key, lang)`` names a group. The baseline keeps its keys, with their names in every
    language taken when it was pinned (the current grouping may use another scheme), so a
    language switch after pinning renders both sides in the new language.
    """
    st.caption(t("rfm.whatif.help", lang))
    c1, c2 = st.columns(2)
    slot = f"{name}_baseline"
    if c1.button(t("rfm.whatif.pin", lang), key=f"{name}_pin", type="primary"):
        st.session_state[slot] = {
            "token": token,
            "codes": codes.copy(),
            "keys": list(keys),
            "names": {lg: {k: label(k, lg) for k in keys} for lg in LANGS},
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
    old_keys, keys = base["keys"], list(keys)

    def old_label(k: str) -> str:
        return base["names"][lang][k]

    if old_keys != keys:
        st.info(
            say(
                lang,
                "rfm.whatif.other_scheme",
                before=", ".join(old_label(k) for k in old_keys)[:80],
                after=", ".join(label(k, lang) for k in keys)[:80],
            )
        )
    cmp = compare(base["codes"], old_keys, codes, keys, revenue)
    c = st.columns(2)
    c[0].metric(
        t("rfm.whatif.moved", lang),
        number(cmp.moved, lang),
        f"{100 * cmp.moved / max(cmp.total, 1):.1f}%",
        delta_color="off",
    )
    c[1].metric(t("rfm.whatif.moved_rev", lang), money(cmp.moved_revenue, lang))
    change = cmp.changes.copy()
    change.insert(0, "label", [label(k, lang) if k in keys else old_label(k) for k in change.index])
    table(change, lang)
    n, rev = cmp.customers, cmp.revenue
    rows = [i for i in range(len(old_keys)) if n.iloc[i].sum()]
    cols_i = [j for j in range(len(keys)) if n.iloc[:, j].sum()]
    row_names = [old_label(old_keys[i]) for i in rows]
    col_names = [label(keys[j], lang) for j in cols_i]
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
    from ui.widgets import export_about, export_stem

    pick = st.selectbox(t("drill.pick", lang), keys, format_func=label, key=f"{name}_drill")
    part = frame[frame[column] == pick]
    st.caption(t("drill.count", lang, n=number(len(part), lang)))
    table(part.head(500), lang)
    c1, c2 = st.columns(2)
    # Exports are built when clicked: an Excel file of thousands of rows takes ~0.5 s.
    c1.download_button(
        t("drill.csv", lang),
        lambda: to_csv_bytes(part),
        f"{export_stem(f'{name}_{pick}')}.csv",
        "text/csv",
        key=f"{name}_dl_csv",
    )
    c2.download_button(
        t("drill.xlsx", lang),
        lambda: to_excel_bytes(part, str(pick), export_about(lang)),
        f"{export_stem(f'{name}_{pick}')}.xlsx",
        key=f"{name}_dl_xlsx",
    )
