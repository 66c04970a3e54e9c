"""Bullseye form: 30 criteria scored 0–10 for an online direct-sales decision."""

import streamlit as st

import ui
from crm_core import charts
from crm_core.bullseye import band, score
from crm_core.export import to_csv_bytes
from crm_core.i18n import t
from ui import bullseye as bullseye_view
from ui import widgets

lang = ui.setup("nav.bullseye")
st.markdown(t("bullseye.intro", lang))
cat = bullseye_view.catalogue(lang)
bullseye_view.scenario_bar(lang, cat)

form, results = st.columns([3, 2], gap="large")
with form:
    for group, _, _ in cat.groups:
        members = [c for c in cat.criteria if c.group == group]
        if not members:
            continue
        with st.expander(widgets.md_escape(cat.group_label(group, lang)), expanded=True):
            for c in members:
                key = f"score_{c.key}"
                bullseye_view.seed_score(key, c.key)
                left, right = st.columns([4, 1])
                label = widgets.label_escape(c.label(lang)) + (" ✚" if c.addition else "")
                left.number_input(
                    label,
                    0,
                    10,
                    step=1,
                    key=key,
                    placeholder=t("bullseye.not_scored", lang),
                    help=widgets.say(lang, "bullseye.hint", low=c.low, high=c.high),
                )
                b = band(st.session_state.get(key))
                right.caption(t("bullseye.band." + b, lang) if b else "·")
    st.caption(t("bullseye.addition_note", lang))
scores = bullseye_view.keep_scores(cat)
res = score(cat, scores)

with results:
    c1, c2 = st.columns(2)
    c1.metric(t("bullseye.total", lang), f"{res.total:.0f} / {res.max_total:.0f}")
    c2.metric(t("bullseye.percent", lang), f"{res.percent:.1f}%")
    st.markdown(f"**{t('bullseye.verdict.' + res.verdict, lang)}**")
    st.caption(t("bullseye.verdict.convention", lang))
    if res.unscored:
        st.warning(t("bullseye.unscored", lang, n=res.unscored))
    axes = [cat.group_label(g, lang) for g in res.groups["group"]]
    name = st.session_state.get("bs_name") or t("bullseye.this_product", lang)
    st.plotly_chart(
        charts.radar([(name, res.groups["percent"].tolist())], axes, t("bullseye.radar", lang)), key="radar"
    )
    widgets.table(res.groups.assign(group=axes), lang)
    st.markdown(f"**{t('bullseye.fix', lang)}**")
    for key in res.weakest[:5]:
        crit = next(c for c in cat.criteria if c.key == key)
        value = scores.get(key)
        st.markdown(f"- {widgets.md_escape(crit.label(lang))}: **{'–' if value is None else f'{value:g}'}**")
    form_table = bullseye_view.export_frame(cat, res, lang)
    st.download_button(t("bullseye.download.csv", lang), to_csv_bytes(form_table), "bullseye.csv", "text/csv")
    bullseye_view.printable(lang, cat, res, name, axes)

bullseye_view.compare(lang, cat, scores, name)
bullseye_view.catalogue_editor(lang, cat)
