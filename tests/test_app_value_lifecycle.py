"""AppTest of the value matrix and lifecycle grid pages, including split moves."""

from conftest import open_app


def open_page(path, lang="en", **params):
    return open_app(path, lang, **params)


def first_table(at):
    return at.dataframe[0].value.set_index("segment")


def test_value_matrix_split_move_and_whatif():
    at = open_page("pages/value_matrix.py", vm_f_method="value", vm_f_value="3")
    before = first_table(at)
    assert before["customers"].sum() == 4000 and list(before.index) == ["premium", "spender", "frequent", "uncertain"]
    assert abs(before["revenue"].sum() - 10_649_971.31) < 0.01
    at.button(key="vm_pin").click().run()
    at.sidebar.slider(key="vm_f_value").set_value(8.0).run()
    assert not at.exception
    after = first_table(at)
    assert after.loc["premium", "customers"] < before.loc["premium", "customers"]
    assert after["customers"].sum() == 4000
    moved = next(m.value for m in at.metric if m.label == "Customers who change segment")
    assert int(moved.replace(",", "")) == before.loc["premium", "customers"] - after.loc["premium", "customers"] + (
        before.loc["frequent", "customers"] - after.loc["frequent", "customers"]
    )


def test_value_matrix_in_chinese_with_strategies():
    at = open_page("pages/value_matrix.py", "zh")
    table = at.dataframe[0].value
    assert set(table["label"]) == {"优质型客户", "消费型客户", "经常型客户", "不确定型客户"}
    assert "提高他们的购买频率。" in set(table["strategy"])


def grid_table(at):
    """The lifecycle grid's table (the holdout comparison of the forecasts comes before it)."""
    return next(d.value for d in at.dataframe if "cell" in d.value.columns)


def test_lifecycle_grid_model_holdout_and_split_move():
    at = open_page("pages/lifecycle.py")
    labels = [m.label for m in at.metric]
    assert "Model error (MAE)" in labels and "Naive error (MAE)" in labels
    grid = grid_table(at)
    assert grid["customers"].sum() == 4000 and list(grid["cell"]) == [1, 2, 3, 4]
    allocation = ["None 不投入", "Moderate 适当投入", "Heavy 重点投入", "Top priority 重中之重投入"]
    assert list(grid["allocation"]) == allocation  # domain.md §3, cells 1–4
    at.sidebar.selectbox(key="lc_v_method").set_value("median").run()
    assert not at.exception
    moved = grid_table(at)
    assert moved["customers"].sum() == 4000 and not moved["customers"].equals(grid["customers"])


def test_lifecycle_on_the_classroom_table_uses_its_potential_column():
    at = open_page("pages/data.py")
    at.button(key="use_classroom").click().run()
    at.switch_page("pages/lifecycle.py").run()
    assert not at.exception and not at.warning
    grid = grid_table(at)
    assert grid["customers"].sum() == 15 and grid["customers"].iloc[3] > 0  # A01: high value, high potential


def test_lifecycle_without_any_potential_says_why():
    import pandas as pd

    at = open_page("pages/data.py")
    from crm_core.ingest import LoadOptions, load_frame
    from ui import Dataset

    frame = pd.DataFrame({"customer_id": ["a", "b"], "recency": [3, 9], "frequency": [2, 1], "monetary": [10, 5]})
    at.session_state["dataset"] = Dataset("typed", "typed", load_frame(frame, LoadOptions(kind="customers")))
    at.switch_page("pages/lifecycle.py").run()
    assert not at.exception
    assert at.warning and "Growth potential needs transactions" in at.warning[0].value


def test_lifecycle_profit_with_margin_and_stages():
    at = open_page("pages/lifecycle.py", lc_value="profit", lc_view="stages")
    assert any("customer profit" in c.value for c in at.caption)
    stage_table = next(d.value for d in at.dataframe if "task" in d.value.columns)
    assert stage_table["customers"].sum() == 4000


def test_pyramid_stage_and_key_account_settings_come_from_a_link():
    at = open_page("pages/lifecycle.py", lc_view="pyramid", pyr_key="10", pyr_pot="30")
    assert (at.session_state["pyr_key"], at.session_state["pyr_pot"]) == (10, 30)
    assert at.query_params["pyr_key"] in ("10", ["10"])
    at = open_page("pages/lifecycle.py", lc_view="stages", st_window="90", st_growth="nan")
    assert at.session_state["st_window"] == 90 and at.session_state["st_growth"] == 20.0
    at = open_page("pages/classroom.py", cls_view="key_accounts", ka_a="7.5", ka_s="99")
    assert (at.session_state["ka_a"], at.session_state["ka_s"]) == (7.5, 10.0)  # 99 clamped to the scale
