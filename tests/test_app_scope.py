"""AppTest: the filters on the analysis pages, in both languages, against the figures computed
here from the rows and customers the filters keep."""

import json

import pytest
from conftest import open_app

from crm_core.i18n import t
from crm_core.rfm import RfmParams, rfm
from crm_core.summarize import summarize
from crm_core.value_matrix import value_matrix


def frame_with(at, column: str):
    """The first table on the page with ``column``."""
    return next(d.value for d in at.dataframe if column in d.value.columns)


def segment_counts(at) -> dict:
    table = at.dataframe[0].value
    return dict(zip(table["segment"], table["customers"], strict=True))


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_region_filter_drives_the_rfm_page(demo_result, lang):
    tx, as_of = demo_result.transactions, demo_result.report.as_of
    at = open_app("pages/rfm.py", lang=lang, f_dims=json.dumps({"region": ["Shanghai", "Beijing"]}))
    rows = tx[tx["region"].isin(["Shanghai", "Beijing"])]
    expected = rfm(summarize(rows, as_of), RfmParams(), "cn8")["segment"].value_counts()
    got = segment_counts(at)
    assert {k: v for k, v in got.items() if v} == expected.to_dict()
    banner = [i.value for i in at.info if "Shanghai" in i.value]
    assert banner and f"{len(rows):,}" in banner[0] and f"{len(tx):,}" in banner[0]
    assert json.loads(at.query_params["f_dims"][0] if isinstance(at.query_params["f_dims"], list)
                      else at.query_params["f_dims"]) == {"region": ["Shanghai", "Beijing"]}  # fmt: skip


def test_minimum_spend_and_excluded_customers(demo_result):
    tx, as_of = demo_result.transactions, demo_result.report.as_of
    at = open_app("pages/value_matrix.py", lang="en", f_min_spend="1000")
    customers = summarize(tx, as_of)
    kept = customers[customers["monetary"] >= 1000]
    assert any(f"{len(kept):,} of {len(customers):,} customers" in i.value for i in at.info)
    at.text_area(key="f_exclude").set_value(f"{kept['customer_id'].iloc[0]}\n{kept['customer_id'].iloc[1]}").run()
    assert not at.exception
    assert any(f"{len(kept) - 2:,} of {len(customers):,} customers" in i.value for i in at.info)
    assert "f_exclude" not in at.query_params  # ids stay out of shared links
    at.switch_page("pages/rfm.py").run()  # the filter follows the user
    assert any(f"{len(kept) - 2:,} of {len(customers):,} customers" in i.value for i in at.info)


def test_a_filter_that_keeps_nothing_says_so():
    at = open_app("pages/rfm.py", lang="zh", f_min_spend="99999999")
    assert any("没有剩下任何客户" in w.value for w in at.warning)


def test_a_dimension_filter_follows_the_user_to_other_pages(demo_result):
    at = open_app("pages/rfm.py", lang="en")
    region = next(m for m in at.multiselect if m.label == "region")
    region.set_value(["Zhejiang"]).run()
    assert any("region=Zhejiang" in i.value for i in at.info)
    at.switch_page("pages/lifecycle.py").run()
    assert not at.exception
    assert any("region=Zhejiang" in i.value for i in at.info)
    assert next(m for m in at.multiselect if m.label == "region").value == ["Zhejiang"]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_rfm_within_each_region(demo_result, lang):
    from crm_core.i18n import t
    from crm_core.segments import builtin

    tx, as_of = demo_result.transactions, demo_result.report.as_of
    at = open_app("pages/rfm.py", lang=lang, rfm_view="within", within_by="region")
    assert not at.exception
    splits = at.dataframe[0].value
    regions = sorted(tx["region"].unique())
    assert list(splits["region"]) == regions
    for region in regions:  # each region's own customers and mean splits, computed here
        own = summarize(tx[tx["region"] == region], as_of)
        row = splits[splits["region"] == region].iloc[0]
        assert row["customers"] == len(own)
        assert row["split_m"] == pytest.approx(own["monetary"].mean())
    small = [r for r in regions if len(summarize(tx[tx["region"] == r], as_of)) < 20]
    assert bool(small) == any(t("within.small", lang, n=20, groups="")[:8] in w.value for w in at.warning)
    at.selectbox(key="within_pick").set_value("Sichuan").run()
    mix = at.dataframe[1].value
    own = rfm(summarize(tx[tx["region"] == "Sichuan"], as_of), RfmParams(), "cn8")["segment"].value_counts()
    cn8 = builtin("cn8")
    assert dict(zip(mix["segment"], mix["customers"], strict=True)) == own.to_dict()
    assert set(mix["label"]) == {cn8.label(k, lang) for k in own.index}


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_campaign_list_is_offered_under_the_segments(lang):
    from crm_core.i18n import t

    at = open_app("pages/rfm.py", lang=lang, f_dims=json.dumps({"channel": ["app"]}))
    assert any(e.label == t("camp.title", lang) for e in at.expander)
    assert any(c.value == t("camp.pick", lang) for c in at.caption)  # nothing ticked yet: it says what to do


def test_the_filters_go_into_the_downloads():
    at = open_app("pages/rfm.py", lang="en", f_dims=json.dumps({"region": ["Shanghai"]}), f_min_orders="2")
    assert at.session_state["export_scope"] == "region=Shanghai orders>=2"  # names and about sheets use it
    at.switch_page("pages/classroom.py").run()
    assert at.session_state["export_scope"] == ""  # a page without the filters does not inherit them


def test_value_matrix_types_have_a_campaign_list():
    from crm_core.i18n import t

    at = open_app("pages/value_matrix.py", lang="zh", vm_view="drill")
    assert any(e.label == t("camp.title", "zh") for e in at.expander)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_value_matrix_within_each_channel(demo_result, lang):
    tx, as_of = demo_result.transactions, demo_result.report.as_of
    at = open_app("pages/value_matrix.py", lang=lang, vm_view="within", within_by="channel")
    lines = frame_with(at, "line_f")
    assert list(lines["channel"]) == sorted(tx["channel"].unique())
    for channel in lines["channel"]:  # each channel's own mean lines, computed here
        own = summarize(tx[tx["channel"] == channel], as_of)
        row = lines[lines["channel"] == channel].iloc[0]
        assert row["customers"] == len(own)
        assert row["line_f"] == pytest.approx(own["frequency"].mean())
        assert row["line_s"] == pytest.approx(own["avg_spend"].mean())

    at.selectbox(key="within_pick").set_value("web").run()
    mix = frame_with(at, "value_type")
    own = value_matrix(summarize(tx[tx["channel"] == "web"], as_of))["value_type"].value_counts()
    assert dict(zip(mix["value_type"], mix["customers"], strict=True)) == own.to_dict()
    assert any(e.label == t("camp.title", lang) for e in at.expander)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_lifecycle_grid_within_each_region(demo_result, lang):
    tx = demo_result.transactions
    at = open_app("pages/lifecycle.py", lang=lang, lc_view="within", within_by="region")
    lines = frame_with(at, "line_v")
    regions = sorted(tx["region"].unique())
    assert list(lines["region"]) == regions
    for region in regions:  # each region's own customers and mean line of current value (net spend), here
        spend = tx[tx["region"] == region].groupby("customer_id")["amount"].sum()
        row = lines[lines["region"] == region].iloc[0]
        assert row["customers"] == len(spend) and row["line_v"] == pytest.approx(spend.mean())
    assert t("lc.within.model", lang, mae="", naive="")[:10] in " ".join(c.value for c in at.caption)
    at.selectbox(key="within_pick").set_value("Sichuan").run()
    mix = frame_with(at, "cell")
    assert mix["customers"].sum() == (tx["region"] == "Sichuan").groupby(tx["customer_id"]).any().sum()
    assert set(mix["action"]) <= {f"{t(f'lc.alloc.{k}', lang)}; {t(f'lc.retain.{k}', lang)}" for k in (1, 2, 3, 4)}
    assert any(e.label == t("camp.title", lang) for e in at.expander)


def test_lifecycle_cells_have_a_campaign_list():
    at = open_app("pages/lifecycle.py", lang="zh")
    assert any(e.label == t("camp.title", "zh") for e in at.expander)


def test_a_link_with_bad_filter_values_does_not_stop_the_page():
    at = open_app("pages/rfm.py", lang="en", f_min_spend="-50", f_min_orders="x", f_dims="{not json", f_from="20x4")
    assert not at.exception and at.dataframe  # the defaults are used instead
