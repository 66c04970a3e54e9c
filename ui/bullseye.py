"""Bullseye views: catalogue, scenarios, exports, printable page, comparison, catalogue editor."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from crm_core.errors import CrmError
from crm_core.i18n import t
from ui.state import log
from ui.widgets import md_escape, safe_filename, table


def catalogue(lang: str):
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


def scenario_bar(lang: str, cat) -> None:
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


def export_frame(cat, res, lang: str) -> pd.DataFrame:
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


def printable(lang: str, cat, res, name: str, axes: list[str]) -> None:
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


def compare(lang: str, cat, scores: dict, name: str) -> None:
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


def catalogue_editor(lang: str, cat) -> None:
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
            "catalogue.json",
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
