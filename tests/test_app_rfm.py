"""AppTest of the RFM explorer: settings from the URL, split moves, what-if, drill-down."""

import pytest
from conftest import open_app


def rfm_page(lang="en", **params):
    return open_app("pages/rfm.py", lang, **params)


def metric(at, label):
    return next(m.value for m in at.metric if m.label == label)


def segment_table(at):
    return at.dataframe[0].value.set_index("segment")


def test_opens_with_the_8_segments_at_the_means():
    at = rfm_page()
    table = segment_table(at)
    assert table["customers"].sum() == 4000 and len(table) == 8
    assert metric(at, "High R: recency ≤").startswith("224.7")


def test_moving_a_split_changes_counts_and_shows_migration():
    at = rfm_page(split_method="value", r_split="200", f_split="5", m_split="2000")
    before = segment_table(at)["customers"]
    at.radio(key="rfm_view").set_value("whatif").run()
    at.button(key="rfm_pin").click().run()
    at.sidebar.slider(key="r_split").set_value(60).run()
    assert not at.exception
    change = at.dataframe[0].value  # the what-if table: before and after per segment
    assert change["customers_before"].tolist() == before[before > 0].tolist()
    moved = int(metric(at, "Customers who change segment").replace(",", ""))
    at.radio(key="rfm_view").set_value("segments").run()
    after = segment_table(at)["customers"]
    assert after["important_value"] < before["important_value"]
    assert after.sum() == before.sum() == 4000
    assert moved > 0
    # every customer who moved left a segment whose count fell
    assert moved >= (before - after).clip(lower=0).sum()
    assert at.query_params["r_split"] in ("60", ["60"])


def test_settings_from_a_shared_link():
    at = rfm_page(scheme="en10", split_method="median")
    table = segment_table(at)
    assert "champions" in table.index and table["customers"].sum() == 4000


def test_customer_drill_down_says_why():
    at = rfm_page(rfm_view="customer")
    at.text_input(key="customer_query").set_value("C00001").run()
    assert not at.exception
    assert any("C00001" in md.value and "→" in md.value for md in at.markdown)
    why = at.dataframe[-1].value
    assert list(why.iloc[:, 0]) == ["Recency (R)", "Frequency (F)", "Monetary (M)"]


@pytest.mark.parametrize("method", ["threshold", "quantile"])
def test_scoring_methods_and_explain_mode(method):
    at = rfm_page(score_method=method, explain="1")
    assert any("How the segments are made" in md.value for md in at.markdown)


def test_bad_threshold_text_is_a_message_not_a_crash():
    at = rfm_page(score_method="threshold", r_edges="30, abc")
    assert at.error and not at.exception


def test_custom_rules_with_an_overlap_are_refused():
    at = rfm_page(scheme="custom")
    at.text_area(key="rules_text").set_value(
        '{"rules": [{"key": "a", "when": {"r": "high"}}, {"key": "b", "when": {"r": "high", "f": "low"}}]}'
    ).run()
    at.button(key="rules_apply").click().run()
    assert any("overlap" in e.value for e in at.error)
    at.text_area(key="rules_text").set_value(
        '{"rules": [{"key": "recent", "when": {"r": "high"}, "label": {"en": "Recent", "zh": "近期"}}]}'
    ).run()
    at.button(key="rules_apply").click().run()
    table = segment_table(at)
    assert set(table.index) == {"recent", "unassigned"} and table["customers"].sum() == 4000


def test_chinese_segment_names():
    at = rfm_page("zh")
    labels = set(at.dataframe[0].value["label"])
    assert {"重要价值客户", "一般挽留客户"} <= labels


def test_clusters_run():
    at = rfm_page(rfm_view="clusters")
    at.button(key="run_k").click().run()
    assert not at.exception
    assert at.dataframe[-1].value["customers"].sum() == 4000


def test_migration_across_schemes():
    at = rfm_page(rfm_view="whatif")
    at.button(key="rfm_pin").click().run()
    at.sidebar.selectbox(key="scheme").set_value("en10").run()
    assert not at.exception
    assert any("Comparing schemes" in i.value for i in at.info)
    change = at.dataframe[0].value  # the what-if change table
    assert change["customers_before"].sum() == change["customers_after"].sum() == 4000
    assert int(next(m.value for m in at.metric if m.label == "Customers who change segment").replace(",", "")) == 4000


def test_a_baseline_pinned_in_chinese_is_drawn_in_english_after_a_switch():
    import re

    at = rfm_page(lang="zh", rfm_view="whatif")
    at.button(key="rfm_pin").click().run()
    at.sidebar.radio(key="lang_widget").set_value("en").run()
    at.sidebar.selectbox(key="scheme").set_value("en10").run()  # the baseline's names now come from the pin
    assert not at.exception
    labels = at.dataframe[0].value["label"].tolist()
    assert "Important value" in labels and "Champions" in labels
    assert not [x for x in labels if re.search(r"[\u4e00-\u9fff]", x)], labels  # no Chinese left


@pytest.mark.parametrize(
    ("page", "query"),
    [
        ("pages/rfm.py", {"split_method": "percentile", "split_pct": "1000"}),
        ("pages/rfm.py", {"split_method": "percentile", "split_pct": "-5"}),
        ("pages/rfm.py", {"split_method": "value", "r_split": "nan", "f_split": "inf", "m_split": "-inf"}),
        ("pages/rfm.py", {"bins": "7", "scheme": "<b>x</b>", "score_method": "nan"}),
        ("pages/value_matrix.py", {"vm_f_method": "percentile", "vm_f_pct": "1000"}),
        ("pages/lifecycle.py", {"lc_p_method": "percentile", "lc_p_pct": "-1"}),
        ("pages/lifecycle.py", {"lc_p_method": "percentile", "lc_p_pct": "250"}),
    ],
)
def test_hostile_url_parameters_are_clamped_or_replaced(page, query):
    import math

    from conftest import open_app

    at = open_app(page, "en", **query)  # fails on any exception box
    for key in query:
        if key in at.session_state and isinstance(at.session_state[key], float):
            assert math.isfinite(at.session_state[key]), key
    for key in ("split_pct", "vm_f_pct", "lc_p_pct"):
        if key in query:
            assert 5 <= at.session_state[key] <= 95


def test_a_link_carries_the_split_method_not_the_datas_numbers():
    from conftest import open_app

    at = open_app("pages/rfm.py")  # split at the mean: the means are statistics of this data
    assert at.session_state["r_split"] is not None
    assert not {"r_split", "f_split", "m_split"} & set(at.query_params)
    assert at.query_params["split_method"] in ("mean", ["mean"])
    at.sidebar.selectbox(key="split_method").set_value("value").run()  # the user pins values ...
    at.sidebar.slider(key="r_split").set_value(45).run()
    assert at.query_params["r_split"] in ("45", ["45"])
    at.sidebar.selectbox(key="split_method").set_value("median").run()  # ... and unpins them
    assert "r_split" not in at.query_params
    vm = open_app("pages/value_matrix.py")
    assert "vm_f_method" in vm.query_params and not {"vm_f_value", "vm_s_value"} & set(vm.query_params)
