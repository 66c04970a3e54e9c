"""Customer attributes from a second table, joined by customer id: counts that add up, ids
cleaned like the data's, nothing added or dropped, and the attributes usable as a group."""

import io

import numpy as np
import pandas as pd
import pytest
from conftest import open_app

from crm_core.attributes import join_attributes, read_attributes
from crm_core.errors import CrmError
from crm_core.i18n import t
from crm_core.rfm import rfm
from crm_core.scope import rfm_by, summarize_by
from crm_core.summarize import summarize


def attribute_table(demo_result) -> tuple[bytes, pd.DataFrame]:
    """A 会员 table as a Chinese ERP writes it (GBK, ids as ="…" so Excel keeps them): most
    customers, one id twice, one row without an id, one id the data does not have."""
    ids = demo_result.customers["customer_id"].tolist()
    rng = np.random.default_rng(7)
    listed = ids[: len(ids) - 300]  # 300 customers without a row
    table = pd.DataFrame(
        {
            "会员ID": [f'="{i}"' for i in listed] + [f'="{listed[0]}"', "", "NOBODY"],
            "城市": [*list(rng.choice(["杭州", "宁波", "温州"], len(listed))), "上海", "北京", "广州"],
            "region": ["East"] * (len(listed) + 3),  # the data has a region already
        }
    )
    return table.to_csv(index=False).encode("gb18030"), table


def test_join_counts_add_up_and_figures_are_unchanged(demo_result):
    data, table = attribute_table(demo_result)
    attrs = read_attributes(data, "会员.csv")
    assert attrs.id_column == "会员ID" and attrs.guessed
    joined, report = join_attributes(demo_result, attrs)
    n = len(demo_result.customers)
    assert report.rows_read == len(table) == report.rows_used + report.rows_rejected
    assert report.rows_rejected == 2  # the repeated id and the row without one
    assert sorted(attrs.rejected["reason"]) == ["duplicate_id", "no_id"]
    assert sorted(attrs.rejected["row"]) == [len(table) - 1, len(table)]  # file rows: header is row 1
    assert report.rows_used == report.matched + report.not_in_data and report.not_in_data == 1
    assert report.customers_with + report.customers_without == n and report.customers_without == 300
    assert report.columns == {"城市": "城市", "region": "region (customer)"}
    tx, c = joined.transactions, joined.customers
    assert len(tx) == len(demo_result.transactions) and len(c) == n  # nothing added or dropped
    assert tx["amount"].sum() == pytest.approx(demo_result.transactions["amount"].sum())
    first = table["会员ID"][0][2:-1]
    assert (tx.loc[tx["customer_id"] == first, "城市"] == table["城市"][0]).all()  # the first row of a repeated id
    assert tx["region"].equals(demo_result.transactions["region"])  # the data's own column untouched
    assert c["城市"].isna().sum() == 300


def test_an_attribute_is_a_group_each_customer_in_one(demo_result):
    data, _ = attribute_table(demo_result)
    joined, _ = join_attributes(demo_result, read_attributes(data, "会员.csv"))
    as_of = demo_result.report.as_of
    by_city = summarize_by(joined.transactions, "城市", as_of)
    assert len(by_city) == len(demo_result.customers)  # one city per customer
    assert set(by_city["城市"]) == {"杭州", "宁波", "温州", ""}  # "" = no row in the table
    _out, groups = rfm_by(by_city, "城市")
    assert sum(g.customers for g in groups) == len(demo_result.customers)
    assert sum(g.revenue for g in groups) == pytest.approx(demo_result.customers["monetary"].sum())
    tx = joined.transactions
    hz = summarize(tx[tx["城市"] == "杭州"][["customer_id", "order_date", "amount", "order_id"]], as_of)
    assert next(g for g in groups if g.value == "杭州").customers == len(hz)


def test_an_excel_table_with_a_title_row_and_a_chosen_id_column(demo_result):
    ids = demo_result.customers["customer_id"].head(50)
    frame = pd.DataFrame({"编号": ids, "level": ["gold", "silver"] * 25})
    buf = io.BytesIO()
    with pd.ExcelWriter(buf, engine="openpyxl") as xl:
        pd.DataFrame({"": ["会员等级导出 2024-12-31"]}).to_excel(xl, index=False, header=False)
        frame.to_excel(xl, index=False, startrow=2)
    with pytest.raises(CrmError) as err:  # "编号" is not a customer-id header: not guessed
        read_attributes(buf.getvalue(), "levels.xlsx")
    assert err.value.key == "error.attributes_no_id"
    attrs = read_attributes(buf.getvalue(), "levels.xlsx", id_column="编号")
    assert not attrs.guessed and attrs.columns == ["level"] and len(attrs.frame) == 50
    with pytest.raises(CrmError) as err:
        read_attributes(frame[["编号"]].to_csv(index=False).encode(), "ids.csv", id_column="编号")
    assert err.value.key == "error.attributes_none"


def test_the_data_page_joins_them_and_every_page_can_group_by_them(demo_result):
    data, _ = attribute_table(demo_result)
    at = open_app("pages/data.py", lang="zh")
    at.file_uploader(key="attr_widget").set_value(("会员.csv", data, "text/csv")).run()
    assert not at.exception
    shown = " ".join(s.value for s in at.success)
    assert "城市" in shown and "300" in shown
    assert any("会员ID" in c.value for c in at.caption)  # the guessed id column is said
    reasons = next(d.value for d in at.dataframe if "why" in d.value.columns)
    assert set(reasons["why"]) == {t("attr.reason.no_id", "zh"), t("attr.reason.duplicate_id", "zh")}
    at.switch_page("pages/rfm.py")
    at.query_params["rfm_view"] = "within"
    at.query_params["within_by"] = "城市"
    at.run()
    assert not at.exception
    lines = next(d.value for d in at.dataframe if "split_m" in d.value.columns)
    assert set(lines["城市"]) == {"杭州", "宁波", "温州", t("scope.empty", "zh")}
    assert lines["customers"].sum() == len(demo_result.customers)


def test_the_command_line_joins_them_and_groups_by_them(demo_result, tmp_path):
    import subprocess
    import sys

    from conftest import ROOT

    data, table = attribute_table(demo_result)
    attrs = tmp_path / "会员.csv"
    attrs.write_bytes(data)
    out = tmp_path / "rfm.csv"
    src = ROOT / "data/demo_transactions.csv"
    res = subprocess.run(
        [sys.executable, "-m", "crm_core", "rfm", str(src), "--attributes", str(attrs), "--by", "城市",
         "--where", "城市=杭州,宁波", "--out", str(out)],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert res.returncode == 0, res.stderr
    assert "customer id: 会员ID, found by its header" in res.stderr and "2 rejected" in res.stderr
    assert f"attributes row {len(table)}: no id" in res.stderr
    got = pd.read_csv(out, dtype={"customer_id": str})
    assert set(got["城市"]) == {"杭州", "宁波"}
    city = dict(zip(table["会员ID"].str[2:-1], table["城市"], strict=True))  # the first row of an id wins below
    city[table["会员ID"][0][2:-1]] = table["城市"][0]
    tx = demo_result.transactions
    in_hz = tx[tx["customer_id"].map(city).eq("杭州")]
    expected = rfm(summarize(in_hz, demo_result.report.as_of))  # the 杭州 customers segmented on their own
    mine = got[got["城市"] == "杭州"].set_index("customer_id")["segment"]
    assert mine.sort_index().equals(expected.set_index("customer_id")["segment"].sort_index())
    refused = subprocess.run(
        [sys.executable, "-m", "crm_core", "rfm", str(src), "--attributes", str(attrs), "--engine", "duckdb",
         "--out", str(out)],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert refused.returncode == 2 and "--attributes cannot be used with --engine" in refused.stderr
