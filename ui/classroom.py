"""Classroom views: walkthroughs, models side by side, quiz, key accounts, satisfaction, growth."""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from crm_core import demo
from crm_core.classroom import answer_label, answer_strategy, model_answers
from crm_core.errors import CrmError
from crm_core.groups import at_or_above, at_or_below
from crm_core.i18n import t
from crm_core.params import KEY_ACCOUNTS
from ui.state import dataset, log
from ui.widgets import md_escape, persist_param, share_params, table

CLASS_MODELS = ("rfm8", "value_matrix", "lifecycle")


def classroom_table(lang: str) -> pd.DataFrame:
    """The small table the class works on: the data in use when it is small, else the bundled one."""
    ds = dataset()
    if len(ds.result.customers) <= 30:
        st.caption(t("cls.table.current", lang, n=len(ds.result.customers)))
        return ds.result.customers
    st.caption(t("cls.table.bundled", lang))
    return demo.load_demo("classroom").customers


def _large_text(on: bool) -> None:
    if on:  # static CSS only: no user text ever reaches unsafe_allow_html
        st.markdown("<style>[data-testid='stMain'] * {font-size: 1.25rem !important;}</style>", unsafe_allow_html=True)


def walkthrough(lang: str, small: pd.DataFrame) -> None:
    """One computation step per click, on the numbers of the current table."""
    c1, c2 = st.columns([2, 1])
    model = c1.selectbox(
        t("cls.model", lang), CLASS_MODELS, key="wt_model", format_func=lambda m: t(f"cls.model.{m}", lang)
    )
    _large_text(c2.toggle(t("cls.large", lang), key="wt_large"))
    try:
        answers, means = model_answers(small, model)
    except CrmError as exc:
        st.warning(exc.message(lang, escape=md_escape))
        return
    steps = 4
    st.session_state.setdefault("wt_step", 1)
    if st.session_state.get("wt_model_seen") != model:
        st.session_state.wt_step, st.session_state.wt_model_seen = 1, model

    def move(delta: int | None) -> None:  # callbacks run before the buttons are drawn again
        st.session_state.wt_step = 1 if delta is None else st.session_state.wt_step + delta

    b1, b2, b3 = st.columns(3)
    b1.button(t("cls.prev", lang), key="wt_prev", disabled=st.session_state.wt_step <= 1, on_click=move, args=(-1,))
    b2.button(
        t("cls.next", lang),
        key="wt_next",
        type="primary",
        disabled=st.session_state.wt_step >= steps,
        on_click=move,
        args=(1,),
    )
    b3.button(t("cls.restart", lang), key="wt_restart", on_click=move, args=(None,))
    step = st.session_state.wt_step
    st.progress(step / steps, text=t("cls.step", lang, step=step, steps=steps))
    st.markdown(f"### {t(f'cls.{model}.step{step}', lang)}")
    # (name in `means`, column, high when ≤ or ≥ the mean)
    dims = {
        "rfm8": [("R", "recency_days", "≤"), ("F", "frequency", "≥"), ("M", "monetary", "≥")],
        "value_matrix": [("F", "frequency", "≥"), ("avg_spend", "avg_spend", "≥")],
        "lifecycle": [("value", "monetary", "≥"), ("potential", "potential", "≥")],
    }[model]
    frame = small[["customer_id"]].copy()
    for _, col, _ in dims:
        frame[col] = pd.to_numeric(small[col], errors="coerce")
    if step >= 2:
        st.markdown(" · ".join(f"**{md_escape(k)}** = {v:,.2f}" for k, v in means.items()))
    if step >= 3:
        for name, col, rule in dims:
            values = frame[col].to_numpy(float)
            high = at_or_below(values, means[name]) if rule == "≤" else at_or_above(values, means[name])
            frame[f"{name} {rule} {means[name]:,.1f}?"] = [t("rfm.high" if h else "rfm.low", lang) for h in high]
    if step >= 4:
        frame["answer"] = [answer_label(model, k, lang) for k in answers]
        frame["strategy"] = [answer_strategy(model, k, lang) for k in answers]
    table(frame, lang)
    handout_button(lang, model, small)


def models_crosstab(lang: str, small: pd.DataFrame) -> None:
    """The same customers in every model: where the models agree and where they do not."""
    frame = small[["customer_id"]].copy()
    for model in CLASS_MODELS:
        try:
            answers, _ = model_answers(small, model)
        except CrmError:
            continue
        frame[t(f"cls.model.{model}", lang)] = [answer_label(model, k, lang) for k in answers]
    st.caption(t("cls.crosstab.help", lang))
    table(frame, lang)
    names = [c for c in frame.columns if c != "customer_id"]
    if len(names) >= 2:
        st.dataframe(pd.crosstab(frame[names[0]], frame[names[1]]))


def quiz_view(lang: str, small: pd.DataFrame) -> None:
    from crm_core.classroom import quiz

    model = st.selectbox(
        t("cls.model", lang), CLASS_MODELS, key="quiz_model", format_func=lambda m: t(f"cls.model.{m}", lang)
    )
    try:
        answers, means = model_answers(small, model)
    except CrmError as exc:
        st.warning(exc.message(lang, escape=md_escape))
        return
    if st.button(t("cls.quiz.new", lang), key="quiz_new") or st.session_state.get("quiz_for") != model:
        st.session_state.quiz_seed = int(np.random.default_rng().integers(1_000_000))
        st.session_state.quiz_for = model
        for i in range(10):
            st.session_state.pop(f"quiz_q{i}", None)
    questions = quiz(small, answers, n=5, seed=st.session_state.quiz_seed)
    from crm_core.segments import builtin
    from crm_core.value_matrix import TYPES

    options = {
        "rfm8": [r.key for r in builtin("cn8").rules],
        "value_matrix": list(TYPES),
        "lifecycle": ["1", "2", "3", "4"],
    }[model]
    st.caption(t("cls.quiz.means", lang, means=" · ".join(f"{k} = {v:,.2f}" for k, v in means.items())))
    score = 0
    answered = 0
    for i, q in enumerate(questions):
        st.markdown(
            f"**{i + 1}. {md_escape(q['customer_id'])}** — R {q['recency_days']} · F {q['frequency']} · "
            f"M {q['monetary']:,.0f} · {t('col.avg_spend', lang)} {q['avg_spend']:,.1f}"
        )
        pick = st.radio(
            t("cls.quiz.which", lang),
            options,
            index=None,
            key=f"quiz_q{i}",
            horizontal=True,
            format_func=lambda k: answer_label(model, k, lang),
        )
        if pick is not None:
            answered += 1
            if pick == q["answer"]:
                score += 1
                st.success(t("cls.quiz.right", lang))
            else:
                st.error(t("cls.quiz.wrong", lang, answer=answer_label(model, q["answer"], lang)))
    if answered == len(questions):
        st.metric(t("cls.quiz.score", lang), f"{score} / {len(questions)}")
        if score == len(questions):
            st.balloons()


def key_accounts_view(lang: str) -> None:
    from crm_core.charts import quadrants
    from crm_core.classroom import QUADRANTS, key_accounts

    st.caption(t("cls.ka.help", lang))
    mode = st.radio(
        t("cls.ka.mode", lang),
        ["direct", "criteria"],
        key="ka_mode",
        horizontal=True,
        format_func=lambda m: t(f"cls.ka.mode.{m}", lang),
    )
    accounts = ["Alpha", "Beta", "Gamma", "Delta", "Epsilon", "Zeta"]
    if mode == "direct":
        start = pd.DataFrame(
            {
                "account_id": accounts,
                "attractiveness": [8.5, 7.0, 3.0, 2.0, 6.0, 5.0],
                "strength": [8.0, 3.5, 7.5, 2.5, 5.0, 4.0],
            }
        )
        edited = st.data_editor(start, num_rows="dynamic", key="ka_editor", hide_index=True)
    else:
        edited = _key_account_criteria(lang, accounts)
        if edited is None:
            return
    c1, c2 = st.columns(2)
    a_p, s_p = KEY_ACCOUNTS
    for p in KEY_ACCOUNTS:
        persist_param(p)
    a_split = c1.slider(t(a_p.label, lang), *a_p.bounds, step=0.5, key=a_p.name)
    s_split = c2.slider(t(s_p.label, lang), *s_p.bounds, step=0.5, key=s_p.name)
    share_params(KEY_ACCOUNTS)
    try:
        out = key_accounts(edited.dropna(how="all"), a_split, s_split)
    except CrmError as exc:
        st.error(exc.message(lang, escape=md_escape))
        return
    out["label"] = [t(f"cls.ka.{q}", lang) for q in out["quadrant"]]
    out["strategy"] = [t(f"cls.ka.strategy.{q}", lang) for q in out["quadrant"]]
    table(out, lang)
    fig, _ = quadrants(
        out.assign(customer_id=out["account_id"]),
        "strength",
        "attractiveness",
        "label",
        s_split,
        a_split,
        [t(f"cls.ka.{q}", lang) for q in QUADRANTS],
        t("cls.view.key_accounts", lang),
        t("col.strength", lang),
        t("col.attractiveness", lang),
        log=False,
    )
    fig.update_xaxes(range=[0, 10.5])
    fig.update_yaxes(range=[0, 10.5])
    st.plotly_chart(fig, key="ka_chart")


def _key_account_criteria(lang: str, accounts: list[str]) -> pd.DataFrame | None:
    """Attractiveness and strength as weighted means of criteria the trainer edits."""
    from crm_core.classroom import weighted_score

    criteria = pd.DataFrame(
        {
            "criterion": ["size", "growth", "margin", "fit", "our_share", "relationship", "capability"],
            "dimension": ["attractiveness"] * 4 + ["strength"] * 3,
            "weight": [3.0, 2.0, 2.0, 1.0, 2.0, 2.0, 1.0],
        }
    )
    st.markdown(f"**{t('cls.ka.criteria', lang)}**")
    crit = st.data_editor(
        criteria,
        num_rows="dynamic",
        key="ka_criteria",
        hide_index=True,
        column_config={
            "dimension": st.column_config.SelectboxColumn(options=["attractiveness", "strength"], required=True)
        },
    )
    crit = crit.dropna(subset=["criterion"])
    names = [str(c) for c in crit["criterion"]]
    rng = np.random.default_rng(3)
    scores = pd.DataFrame({"account_id": accounts} | {c: rng.integers(2, 10, len(accounts)) for c in names})
    st.markdown(f"**{t('cls.ka.scores', lang)}**")
    scores = st.data_editor(scores, num_rows="dynamic", key=f"ka_scores_{'_'.join(names)}", hide_index=True)
    scores = scores.dropna(subset=["account_id"])
    out = scores[["account_id"]].copy()
    for dim in ("attractiveness", "strength"):
        part = crit[crit["dimension"] == dim]
        weights = {
            str(c): float(w)
            for c, w in zip(part["criterion"], part["weight"], strict=True)
            if pd.notna(w) and str(c) in scores.columns
        }
        try:
            values = scores[list(weights)].apply(pd.to_numeric, errors="coerce")
            if values.isna().any().any() or ((values < 0) | (values > 10)).any().any():
                raise CrmError("error.account_score", column=dim, row="?", value="")
            out[dim] = weighted_score(values, weights).round(2)
        except CrmError as exc:
            st.error(exc.message(lang, escape=md_escape))
            return None
    st.caption(t("cls.ka.computed", lang))
    return out


def satisfaction_view(lang: str) -> None:
    from crm_core.classroom import satisfaction

    st.caption(t("cls.sat.help", lang))
    start = pd.DataFrame(
        {
            "customer_id": ["A01", "A02", "A03", "A04", "A05", "A06"],
            "group": ["online", "online", "store", "store", "online", "store"],
            "expectation": [8, 9, 7, 6, 8, 9],
            "perceived": [9, 7, 7, 8, 6, 9],
        }
    )
    edited = st.data_editor(start, num_rows="dynamic", key="sat_editor", hide_index=True)
    out = satisfaction(edited.dropna(how="all"))
    table(out, lang)
    valid = out.dropna(subset=["satisfaction_pct"])
    if len(valid) < len(out):
        st.warning(t("cls.sat.invalid", lang, n=len(out) - len(valid)))
    if len(valid):
        by_group = valid.groupby("group")["satisfaction_pct"].mean().reset_index()
        st.markdown(f"**{t('cls.sat.by_group', lang)}**")
        table(by_group, lang)
        st.metric(t("cls.sat.below", lang), f"{int(valid['below_100'].sum())} / {len(valid)}")


def growth_view(lang: str) -> None:
    from crm_core.classroom import GROWTH_CELLS, growth_matrix

    tx = dataset().result.transactions
    product_cols = [
        c
        for c in (tx.columns if tx is not None else [])
        if c in ("category", "product", "sku") or c not in ("customer_id", "order_date", "amount", "order_id", "cost")
    ]
    st.caption(t("cls.growth.help", lang))
    if tx is None or not product_cols:
        st.info(t("cls.growth.none", lang))
        return
    c1, c2 = st.columns(2)
    col = c1.selectbox(t("cls.growth.product", lang), product_cols, key="growth_col")
    freq = c2.radio(
        t("cls.growth.period", lang),
        ["Q", "M", "Y"],
        key="growth_freq",
        horizontal=True,
        format_func=lambda f: t(f"cls.growth.freq.{f}", lang),
    )
    out = growth_matrix(tx, col, freq)
    wide = out.pivot(index="period", columns="cell", values="share_pct").reindex(columns=list(GROWTH_CELLS))
    wide.columns = [t(f"cls.growth.{c}", lang) for c in wide.columns]
    st.dataframe(wide.round(1))
    import plotly.express as px

    fig = px.bar(
        out.assign(cell=[t(f"cls.growth.{c}", lang) for c in out["cell"]]),
        x="period",
        y="share_pct",
        color="cell",
        labels={"share_pct": "%", "period": "", "cell": ""},
    )
    st.plotly_chart(fig, key="growth_chart")


def handout_png(lang: str, model: str, small: pd.DataFrame) -> bytes:
    """A printable handout for a model: its rules and strategies, with this table's counts."""
    from crm_core.charts import handout
    from crm_core.segments import builtin

    answers, means = model_answers(small, model)
    counts = answers.value_counts()
    if model == "rfm8":
        sch = builtin("cn8")
        header = [t("col.label", lang), "R", "F", "M", t("col.customers", lang), t("col.strategy", lang)]
        rows = [
            [
                sch.label(r.key, lang),
                *[t(f"rfm.{dict(r.when)[d]}", lang) for d in "rfm"],
                str(int(counts.get(r.key, 0))),
                sch.action(r.key, lang),
            ]
            for r in sch.rules
        ]
    elif model == "value_matrix":
        from crm_core.value_matrix import TYPES

        hl = {
            "premium": ("high", "high"),
            "spender": ("low", "high"),
            "frequent": ("high", "low"),
            "uncertain": ("low", "low"),
        }
        header = [
            t("col.label", lang),
            "F",
            t("col.avg_spend", lang),
            t("col.customers", lang),
            t("col.strategy", lang),
        ]
        rows = [
            [
                t(f"vm.type.{k}", lang),
                t(f"rfm.{hl[k][0]}", lang),
                t(f"rfm.{hl[k][1]}", lang),
                str(int(counts.get(k, 0))),
                t(f"vm.strategy.{k}", lang),
            ]
            for k in TYPES
        ]
    else:
        header = [t("col.cell", lang), t("col.allocation", lang), t("col.customers", lang), t("col.retention", lang)]
        rows = [
            [
                t(f"lc.cell.{k}", lang),
                t(f"lc.alloc.{k}", lang),
                str(int(counts.get(str(k), 0))),
                t(f"lc.retain.{k}", lang),
            ]
            for k in (1, 2, 3, 4)
        ]
    splits = " · ".join(f"{k} = {v:,.2f}" for k, v in means.items())
    fig = handout(
        t(f"cls.model.{model}", lang),
        t("cls.handout.sub", lang, n=len(small), splits=splits),
        header,
        rows,
        t("cls.handout.footer", lang),
        bars=([r[0] for r in rows], [float(r[-2]) for r in rows], t("col.customers", lang)),  # this table's counts
    )
    return fig.to_image(format="png", scale=1)


def handout_button(lang: str, model: str, small: pd.DataFrame) -> None:
    if st.button(t("cls.handout", lang), key="handout"):
        try:
            with st.spinner(t("bullseye.rendering", lang)):
                st.session_state.handout_png = handout_png(lang, model, small)
        except CrmError as exc:
            st.warning(exc.message(lang, escape=md_escape))
            return
        except Exception:  # kaleido needs Chromium
            log.exception("handout PNG failed")
            st.warning(t("bullseye.no_png", lang))
            return
        st.download_button(
            t("cls.handout.download", lang),
            st.session_state.handout_png,
            f"handout_{model}.png",
            "image/png",
            key="handout_dl",
        )
