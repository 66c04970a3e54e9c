"""AppTest: the customers-over-time page, every view in both languages, figures against crm_core."""

import datetime as dt

import pandas as pd
import pytest
from conftest import open_app

from crm_core import overtime
from crm_core.segments import builtin

VIEWS = ["migration", "status", "cohorts", "history"]


@pytest.fixture(scope="module")
def demo_tx(demo_result):
    return demo_result.transactions, demo_result.report.as_of


def metrics(at):
    return {m.label: m.value for m in at.metric}


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("view", VIEWS)
def test_each_view_opens(view, lang):
    at = open_app("pages/over_time.py", lang=lang, ot_view=view)
    assert at.title[0].value == {"zh": "客户动态", "en": "Customers over time"}[lang]
    assert at.dataframe, view


def test_migration_figures_and_a_date_move(demo_tx):
    tx, _ = demo_tx
    at = open_app("pages/over_time.py", lang="en", ot_view="migration", ot_preset="custom", ot_from="2024-06-30",
                  ot_to="2024-12-31")  # fmt: skip
    mig = overtime.migration(tx, dt.date(2024, 6, 30), dt.date(2024, 12, 31), builtin("cn8"))
    m = metrics(at)
    assert m["Customers at B"] == f"{len(mig.customers):,}"
    for key, name in (("new", "New since A"), ("up", "Moved up"), ("down", "Moved down"), ("same", "Unchanged")):
        assert m[name] == f"{int((mig.customers['move'] == key).sum()):,}"
    matrix = at.dataframe[0].value
    assert matrix.to_numpy().sum() == len(mig.customers)
    day = tx["order_date"].dt.normalize()
    between = tx[(day > pd.Timestamp("2024-06-30")) & (day <= pd.Timestamp("2024-12-31"))]
    revenue = at.dataframe[1].value.to_numpy().sum()  # rows between the dates, of the customers at B
    assert revenue == pytest.approx(between[between["customer_id"].isin(mig.customers["customer_id"])]["amount"].sum())
    at.date_input(key="ot_from").set_value(dt.date(2024, 3, 31)).run()
    assert not at.exception
    earlier = overtime.migration(tx, dt.date(2024, 3, 31), dt.date(2024, 12, 31), builtin("cn8"))
    assert metrics(at)["New since A"] == f"{int((earlier.customers['move'] == 'new').sum()):,}"
    assert at.query_params["ot_from"] in ("2024-03-31", ["2024-03-31"])
    from crm_core.i18n import t

    assert any(e.label == t("camp.title", "en") for e in at.expander)  # a campaign on migration cells


def test_held_splits_are_said_and_used(demo_tx):
    tx, _ = demo_tx
    at = open_app("pages/over_time.py", lang="zh", ot_view="migration", ot_preset="custom", ot_from="2024-06-30",
                  ot_to="2024-12-31", ot_hold="1")  # fmt: skip
    held = overtime.migration(tx, dt.date(2024, 6, 30), dt.date(2024, 12, 31), builtin("cn8"), hold_splits=True)
    assert metrics(at)["降级"] == f"{int((held.customers['move'] == 'down').sum()):,}"
    assert any("沿用 A 的分界线" in c.value for c in at.caption)


def test_status_and_cohort_tables_match_crm_core(demo_tx):
    tx, as_of = demo_tx
    at = open_app("pages/over_time.py", lang="en", ot_view="status", ot_period="quarter")
    shown = at.dataframe[0].value
    expected = overtime.status_by_period(tx, "quarter", as_of)
    pd.testing.assert_frame_equal(shown.reset_index(drop=True), expected, check_dtype=False)
    at = open_app("pages/over_time.py", lang="zh", ot_view="cohorts", ot_period="year")
    shown = at.dataframe[0].value
    assert list(shown["cohort"].unique()) == ["2023", "2024"]
    assert shown.loc[shown["period_index"] == 0, "customers"].sum() == 4000


def test_value_matrix_migration_and_history(demo_tx):
    from crm_core.i18n import t
    from crm_core.value_matrix import TYPES

    at = open_app("pages/over_time.py", lang="en", ot_view="migration", ot_scheme="value_matrix")
    matrix = at.dataframe[0].value
    assert list(matrix.columns) == [t(f"vm.type.{k}", "en") for k in TYPES]
    assert list(matrix.index)[-1] == "New since A"
    at = open_app("pages/over_time.py", lang="en", ot_view="history", ot_period="quarter")
    hist = at.dataframe[0].value
    assert len(hist) == 9  # 2023-Q1 … 2025-Q1 (the analysis date, 2025-01-01, opens Q1 2025)
    assert hist.iloc[:, 1:].sum(axis=1).is_monotonic_increasing  # customers only accumulate
    at.text_input(key="ot_who").set_value("nobody").run()
    assert not at.exception and any("nobody" in i.value for i in at.info)
    at.text_input(key="ot_who").set_value("C00001").run()
    assert not at.exception
    own = at.dataframe[-1].value
    assert {"period", "segment", "status"} <= set(own.columns) and own["status"].iloc[0] == "New"


def test_customer_table_upload_is_told_why(tmp_path):
    from conftest import uploaded

    at = open_app("pages/data.py", lang="en")
    table = pd.DataFrame({"customer_id": ["a", "b"], "recency_days": [3, 40], "frequency": [2, 1], "monetary": [50, 9]})
    at = uploaded(at, "customers.csv", table.to_csv(index=False).encode())
    at.switch_page("pages/over_time.py").run()
    assert not at.exception and any("dated transactions" in i.value for i in at.info)


@pytest.mark.parametrize(
    "page", ["pages/rfm.py", "pages/value_matrix.py", "pages/clv.py", "pages/over_time.py", "pages/lifecycle.py"]
)
def test_analysis_date_on_every_analysis_page(page, demo_tx):
    from crm_core.summarize import summarize

    tx, _ = demo_tx
    day = dt.date(2024, 6, 30)
    at = open_app(page, lang="en", as_of=day.isoformat())
    expected = summarize(tx[tx["order_date"] < "2024-07-01"], day)  # rows on the date itself count
    m = metrics(at)
    shown = m.get("Customers", m.get("Customers at B"))
    if shown is not None:
        assert shown == f"{len(expected):,}"
    else:  # the lifecycle grid: its table counts the customers
        grid = next(d.value for d in at.dataframe if "cell" in d.value.columns)
        assert grid["customers"].sum() == len(expected)
    assert any("Figures as of 2024-06-30" in c.value for c in at.sidebar.caption)


def test_a_new_upload_starts_at_its_own_analysis_date():
    from conftest import uploaded

    at = open_app("pages/rfm.py", lang="en", as_of="2024-06-30")
    at.switch_page("pages/data.py").run()
    body = "customer_id,order_date,amount\n" + "".join(
        f"k{i % 30},2025-0{1 + i % 3}-1{i % 9},{10 + i}\n" for i in range(90)
    )
    at = uploaded(at, "new.csv", body.encode())
    at.switch_page("pages/rfm.py").run()
    assert not at.exception
    assert metrics(at)["Customers"] == "30" and not any("Figures as of" in c.value for c in at.sidebar.caption)


def test_lifecycle_stages_by_status_per_period(demo_tx):
    from crm_core.lifecycle import StageRules, status_stages
    from crm_core.summarize import summarize

    tx, as_of = demo_tx
    at = open_app("pages/lifecycle.py", lang="zh", lc_view="stages", st_rule="status", st_period="quarter")
    dist = next(d.value for d in at.dataframe if "task" in d.value.columns)
    expected = status_stages(summarize(tx, as_of), tx, as_of, "quarter", StageRules())["stage"].value_counts()
    assert dict(zip(dist["label"].str[-3:], dist["customers"], strict=True)) == {
        "考察期": expected.get("exploration", 0),
        "发展期": expected.get("growth", 0),
        "稳定期": expected.get("maturity", 0),
        "衰退期": expected.get("decline", 0),
    }
    assert any("形成期" in c.value for c in at.caption)


def test_migration_uses_the_rfm_pages_settings(demo_tx):
    from crm_core.rfm import RfmParams

    tx, _ = demo_tx
    at = open_app("pages/rfm.py", lang="en")
    at.selectbox(key="split_method").set_value("median").run()
    assert not at.exception
    at.switch_page("pages/over_time.py")
    at.query_params.update(ot_view="migration", ot_preset="custom", ot_from="2024-06-30", ot_to="2024-12-31")
    at.run()
    assert not at.exception
    a, b = dt.date(2024, 6, 30), dt.date(2024, 12, 31)
    median = overtime.migration(tx, a, b, builtin("cn8"), RfmParams(split_method="median"))
    mean = overtime.migration(tx, a, b, builtin("cn8"))
    shown = metrics(at)["Moved down"]
    assert shown == f"{int((median.customers['move'] == 'down').sum()):,}"
    assert shown != f"{int((mean.customers['move'] == 'down').sum()):,}"  # the setting made a difference
    assert any("Median" in c.value and "RFM page" in c.value for c in at.caption)
    assert at.query_params["split_method"] in ("median", ["median"])  # and a link carries it


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_lifecycle_cells_between_two_dates(demo_tx, lang):
    from crm_core.i18n import t

    tx, _ = demo_tx
    at = open_app("pages/over_time.py", lang=lang, ot_view="migration", ot_scheme="lifecycle", ot_preset="custom",
                  ot_from="2024-06-30", ot_to="2024-12-31")  # fmt: skip
    assert not at.exception
    mig = overtime.migration(tx, dt.date(2024, 6, 30), dt.date(2024, 12, 31), overtime.LifecycleCells(tx))
    matrix = at.dataframe[0].value
    assert list(matrix.columns) == [t(f"lc.cell.{k}", lang) for k in ("4", "3", "2", "1")]
    n, _ = overtime.migration_matrix(mig)
    assert (matrix.to_numpy() == n.to_numpy()).all()
    assert any(t("ot.lifecycle_rule", lang, split_a="", split_b="")[:12] in c.value for c in at.caption)
    at = open_app("pages/over_time.py", lang=lang, ot_view="history", ot_scheme="lifecycle")
    assert not at.exception and at.dataframe  # per period it follows the 8 segments, and says why
    assert any(c.value == t("ot.lifecycle_history", lang) for c in at.caption)
