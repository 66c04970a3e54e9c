"""What-if: pin a baseline, move a setting, compare customers and revenue (value matrix, lifecycle)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from crm_core.export import to_csv_bytes
from crm_core.i18n import t
from ui.widgets import money, number, table


def charts_migration(frame: pd.DataFrame, rows: list[str], cols: list[str], title: str):
    from crm_core.charts import migration_heatmap

    return migration_heatmap(frame, rows, cols, title)


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
