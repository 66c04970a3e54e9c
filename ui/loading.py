"""Loading uploads (cached on their bytes) and showing how they were read and what was kept."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from crm_core.errors import CrmError
from crm_core.export import to_csv_bytes
from crm_core.i18n import fmt_date, t
from crm_core.ingest import LoadOptions, load, load_frame, note_text
from crm_core.layouts import catalogue
from crm_core.readers import read_table
from ui.state import UPLOADS, Dataset, content_token, dataset, log
from ui.widgets import _rows_height, md_escape, money, number, table


@st.cache_data(max_entries=8, ttl=3600, show_spinner=False)
def file_columns(data: bytes, filename: str, encoding: str | None, sheet: str | None, header_row: int | None = None):
    """Columns and sheets of an upload, for the mapping form (even when loading fails)."""
    raw = read_table(data, filename, encoding=encoding, sheet=sheet, header_row=header_row)
    return list(raw.frame.columns), raw.sheets


def load_dataset(source: str, name: str, data: bytes, options: LoadOptions, progress=None) -> Dataset:
    # Cached on a hash of the bytes, the name and the options: two sessions share an entry only
    # when they uploaded the same file, so nothing of one user's data can reach another.
    token = content_token(data, name, options)
    return Dataset(source, name, UPLOADS.get(("load", token), lambda: load(data, name, options, progress)), token)


def with_attributes(ds: Dataset, lang: str) -> Dataset:
    """``ds`` with the session's customer-attribute table joined (city, membership level …: they
    then filter and group every page like a store or channel); unchanged when there is none or
    it cannot be joined (said). The join is cached on both contents, like a load."""
    import dataclasses

    from crm_core.attributes import join_attributes, read_attributes

    held = st.session_state.get("attributes")
    st.session_state.pop("attributes_joined", None)
    if held is None:
        return ds
    name, data, id_column = held
    token = f"{ds.token}+{content_token(data, name, id_column)}"

    def work():
        return join_attributes(ds.result, read_attributes(data, name, id_column))

    try:
        with st.spinner(t("attr.joining", lang)):
            result, joined = UPLOADS.get(("attributes", token), work)
    except CrmError as exc:  # said on the Data page, where the table is fixed; the data stays as it was
        st.session_state.attributes_joined = exc
        return ds
    st.session_state.attributes_joined = joined
    return dataclasses.replace(ds, result=result, token=token)


def attributes_report(lang: str) -> None:
    """What the attribute join did, in counts that add up, and the rows it could not use."""
    joined = st.session_state.get("attributes_joined")
    held = st.session_state.get("attributes")
    if joined is None or held is None:
        return
    if isinstance(joined, CrmError):
        st.error(t("attr.failed", lang, name=md_escape(held[0])) + " " + joined.message(lang, escape=md_escape))
        return
    st.success(
        t(
            "attr.joined",
            lang,
            columns=md_escape(", ".join(joined.columns.values())),
            with_=number(joined.customers_with, lang),
            without=number(joined.customers_without, lang),
        )
    )
    st.caption(
        t(
            "attr.balance",
            lang,
            read=number(joined.rows_read, lang),
            used=number(joined.rows_used, lang),
            rejected=number(joined.rows_rejected, lang),
            matched=number(joined.matched, lang),
            not_in=number(joined.not_in_data, lang),
        )
    )
    st.caption(t("attr.id_guessed" if joined.guessed else "attr.id_chosen", lang, column=md_escape(joined.id_column)))
    if joined.skipped:
        st.warning(t("attr.skipped", lang, n=len(joined.skipped), names=md_escape(", ".join(joined.skipped[:20]))))
    renamed = {k: v for k, v in joined.columns.items() if k != v}
    if renamed:
        st.info(t("attr.renamed", lang, names=md_escape(", ".join(f"{k} → {v}" for k, v in renamed.items()))))
    if joined.rows_rejected:
        shown = joined.rejected.head(200)
        table(shown.assign(why=[t(f"attr.reason.{r}", lang) for r in shown["reason"]]), lang)


def load_typed(frame: pd.DataFrame, progress=None) -> Dataset:
    options = LoadOptions(kind="customers")
    return Dataset("typed", "typed", load_frame(frame, options, progress), content_token(frame, options))


def try_load(lang: str, fn, *args) -> Dataset | None:
    """Run a loader, its stages shown as they start (reading, checking N rows, summarising);
    on bad input show one message in ``lang`` and return None."""
    try:
        with st.status(t("data.loading", lang)) as status:

            def progress(stage: str, **figures) -> None:
                shown = {k: number(v, lang) if k == "rows" else f"{v:,.1f}" for k, v in figures.items()}
                status.update(label=t(f"data.stage.{stage}", lang, **shown))

            ds = fn(*args, progress=progress)
            status.update(label=t("data.stage.done", lang), state="complete")
            return ds
    except CrmError as exc:
        st.error(exc.message(lang, escape=md_escape) + "\n\n" + t("data.kept_previous", lang))
        if exc.report is not None:  # rows were read but none kept: the hints say how to fix it
            show_notes(exc.report.notes, lang)
    except Exception:  # a bug: log it on the server, never show a traceback
        log.exception("loading failed")
        st.error(t("error.unexpected", lang))
    return None


def data_summary(lang: str) -> None:
    """The data in use, in a few metrics (home page and data page)."""
    ds = dataset()
    r, s = ds.result.report, ds.result.summary
    c = ds.result.customers
    st.markdown(f"**{ds.label(lang)}** · {t('kind.' + r.kind, lang)}")
    cols = st.columns([1, 1.3, 1, 1, 1.4])
    cols[0].metric(t("metric.customers", lang), number(len(c), lang))
    cols[1].metric(t("metric.revenue", lang), money(s.revenue_customers, lang))
    cols[2].metric(t("metric.rows_read", lang), number(r.rows_read, lang))
    cols[3].metric(t("metric.rows_rejected", lang), number(r.rows_rejected, lang))
    cols[4].metric(t("metric.as_of", lang), fmt_date(r.as_of, lang))
    st.caption(t("data.report.balance", lang, read=r.rows_read, kept=r.rows_kept, rejected=r.rows_rejected))


def _format_source(source: dict, lang: str) -> str:
    fmt = source.get("format") or "table"
    delim = {",": ",", "\t": "Tab", ";": ";", "|": "|"}.get(source.get("delimiter") or "", "")
    enc = {"gb18030": "GBK/GB18030", "utf-8": "UTF-8", "utf-16": "UTF-16"}.get(
        source.get("encoding") or "", source.get("encoding") or ""
    )
    return t(f"format.{fmt}", lang, encoding=enc, delimiter=delim, sheet=md_escape(source.get("sheet") or ""))


def render_report(lang: str) -> None:
    """The load report of the data in use: balance, reasons, repairs, notes, rejected rows."""
    ds = dataset()
    r, s = ds.result.report, ds.result.summary
    st.subheader(t("data.report", lang))
    balance = t(
        "data.report.balance",
        lang,
        read=number(r.rows_read, lang),
        kept=number(r.rows_kept, lang),
        rejected=number(r.rows_rejected, lang),
    )
    (st.success if r.rows_rejected == 0 else st.warning)(balance)
    picks = ", ".join(f"{t('role.' + role, lang)} ← {md_escape(col)}" for role, col in r.mapping.items())
    st.caption(
        t("data.report.source", lang, format=_format_source(r.source, lang))
        + " · "
        + t("data.mapping.picked", lang, picks=picks)
    )
    # for transactions the warnings stand in the interpretation above, next to what they question
    show_notes([n for n in r.notes if r.kind != "transactions" or n.level != "warning"], lang)
    left, right = st.columns(2)
    with left:
        st.markdown(f"**{t('data.report.reasons', lang)}**")
        counts = [(t(f"reason.{k}", lang), v) for k, v in r.reason_counts.items() if v]
        if counts:
            table(pd.DataFrame(counts, columns=["why", "rows"]), lang)
        else:
            st.caption(t("data.report.none_rejected", lang))
    with right:
        repairs = [(t(f"repair.{k}", lang), v) for k, v in r.repairs.items() if v]
        if repairs:
            st.markdown(f"**{t('data.report.repairs', lang)}**")
            table(pd.DataFrame(repairs, columns=["repair", "rows"]), lang)
    if r.rows_rejected:
        shown = rejected_for_display(r.rejected, lang)
        st.markdown(f"**{t('data.report.rejected_rows', lang, n=min(200, len(shown)))}**")
        table(shown.head(200), lang)
        st.download_button(
            t("data.report.download", lang),
            lambda: to_csv_bytes(shown),  # built when clicked, not on every rerun
            file_name="rejected_rows.csv",
            mime="text/csv",
            key="dl_rejected",
        )
    st.subheader(t("data.summary", lang))
    if s.customers_without_purchase:
        st.info(
            t(
                "data.summary.left_out",
                lang,
                count=number(s.customers_without_purchase, lang),
                revenue=money(s.revenue_without_purchase, lang),
            )
        )
    st.caption(
        t(
            "data.summary.balance",
            lang,
            revenue_in=money(s.revenue_in, lang),
            revenue_customers=money(s.revenue_customers, lang),
            revenue_left_out=money(s.revenue_without_purchase, lang),
        )
    )
    st.markdown(f"**{t('data.preview', lang)}**")
    table(ds.result.customers.head(100), lang)
    st.download_button(
        t("data.download_customers", lang),
        lambda: to_csv_bytes(ds.result.customers),
        file_name="customers.csv",
        mime="text/csv",
        key="dl_customers",
    )


def show_notes(notes, lang: str) -> None:
    for note in notes:
        (st.warning if note.level == "warning" else st.info)(note_text(note, lang, escape=md_escape))


TOTAL_ROWS = ("lines", "orders", "purchase_orders", "return_orders", "refunded_orders", "customers")


TOTAL_MONEY = ("gross_sales", "returns", "refunds", "net_revenue")


def render_interpretation(lang: str) -> None:
    """How the file was read, before any figure uses it: layout, columns with samples, the
    rules applied, the totals they imply, orders per status, and the guesses to check."""
    r = dataset().result.report
    if r.kind != "transactions":
        return
    st.subheader(t("interp.title", lang))
    layout = catalogue().get(r.layout) if r.layout else None
    if layout is not None:
        st.success(t("interp.recognised", lang, layout=md_escape(layout.name[lang])))
        st.caption(md_escape(layout.notes[lang]))
    else:
        st.info(t("interp.generic", lang))
    roles = pd.DataFrame(
        [(t(f"role.{role}", lang), col, " · ".join(r.samples.get(role, []))) for role, col in r.mapping.items()],
        columns=[t("interp.role", lang), t("interp.column", lang), t("interp.samples", lang)],
    )
    left, right = st.columns(2)
    with left:
        st.markdown(f"**{t('interp.roles', lang)}**")
        st.dataframe(roles, hide_index=True, height=_rows_height(len(roles)))
        st.markdown(f"**{t('interp.rules', lang)}**")
        shown = [n for n in r.rules if n.key != "rule.layout"]  # the layout is the heading above
        st.markdown("\n".join(f"- {note_text(n, lang, escape=md_escape)}" for n in shown))
    with right:
        st.markdown(f"**{t('interp.totals', lang)}**")
        rows = [(t("total.rows_read", lang), number(r.rows_read, lang))]
        rows += [(t(f"total.{k}", lang), number(r.totals[k], lang)) for k in TOTAL_ROWS if k in r.totals]
        rows += [(t(f"total.{k}", lang), money(r.totals[k], lang)) for k in TOTAL_MONEY if k in r.totals]
        if r.currency:
            rows.append((t("total.currency", lang), r.currency))
        figures = pd.DataFrame(rows, columns=[t("interp.figure", lang), t("interp.value", lang)])
        st.dataframe(figures, hide_index=True, height=_rows_height(len(figures)))
        if r.statuses is not None:
            st.markdown(f"**{t('interp.statuses', lang)}**")
            table_ = r.statuses.assign(
                status_class=[t(f"status_class.{c}", lang) for c in r.statuses["status_class"]]
            ).rename(
                columns={
                    "status": t("interp.status", lang),
                    "status_class": t("interp.class", lang),
                    "orders": t("interp.orders", lang),
                    "counted": t("interp.counted", lang),
                }
            )
            st.dataframe(table_, hide_index=True, height=_rows_height(len(table_)))
    for note in r.notes:
        if note.level == "warning":
            st.warning(note_text(note, lang, escape=md_escape))


def rejected_for_display(rejected: pd.DataFrame, lang: str) -> pd.DataFrame:
    out = rejected.copy()
    out.insert(2, "why", [t(f"reason.{k}", lang) for k in out["reason"]])
    return out
