"""AppTest: real exports show how they were read, with the right totals, in both languages."""

import pytest
from conftest import open_app, uploaded
from exports import expected_orders, shopify_csv, shopify_orders, taobao_csv, taobao_orders

HEADINGS = {"zh": ("文件是怎样读取的", "识别为"), "en": ("How the file was read", "Recognised as")}


def open_data_page(lang):
    return open_app("pages/data.py", lang)


def upload(at, name, data):
    at = uploaded(at, name, data)
    assert not at.exception, [e.value for e in at.exception]
    return at


def figures(at, lang) -> dict[str, str]:
    """The interpretation's totals table: figure → shown value."""
    label = {"zh": "项目", "en": "Figure"}[lang]
    table = next(df.value for df in at.dataframe if label in df.value.columns)
    return dict(zip(table.iloc[:, 0], table.iloc[:, 1], strict=True))


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_shopify_export_is_recognised_with_its_totals(lang):
    orders = shopify_orders()
    at = upload(open_data_page(lang), "orders_export.csv", shopify_csv(orders))
    title, recognised = HEADINGS[lang]
    assert any(title in h.value for h in at.subheader)
    assert any(recognised in s.value and "Shopify" in s.value for s in at.success)
    paid = [o for o in orders if o.paid and (o.customer or o.phone)]
    gross = sum(o.total for o in paid)
    refunds = sum(o.refunded for o in paid)
    shown = figures(at, lang)
    net = {"zh": "净收入", "en": "Net revenue"}[lang]
    gross_label = {"zh": "销售总额", "en": "Gross sales"}[lang]
    assert shown[gross_label].replace(",", "").endswith(f"{gross:.2f}")
    assert shown[net].replace(",", "").endswith(f"{gross - refunds:.2f}")
    assert shown[gross_label].startswith("CA$")  # the data's currency, not ¥
    statuses = next(df.value for df in at.dataframe if {"zh": "状态", "en": "Status"}[lang] in df.value.columns)
    assert set(statuses.iloc[:, 0]) == {"paid", "partially_refunded", "refunded", "pending", "voided"}
    # the customers shown downstream are the ones the order rule gives
    ds = at.session_state.dataset
    expected = {o.customer for o in orders if o.customer and o.paid}
    assert {c.split("@")[0] for c in ds.result.customers["customer_id"] if "@" in c} == expected


def test_taobao_gbk_export_in_chinese_and_a_status_change_follows():
    orders = taobao_orders()
    at = upload(open_data_page("zh"), "ExportOrderList202403311200.csv", taobao_csv(orders))
    assert any("淘宝/天猫 订单报表" in s.value for s in at.success)
    customers = at.session_state.dataset.result.customers.set_index("customer_id")
    expected = expected_orders(orders)  # monetary and frequency do not depend on the analysis date
    assert sorted(customers.index) == sorted(expected)
    for cid, e in expected.items():
        assert customers.loc[cid, "monetary"] == pytest.approx(e["monetary"])
    # count 等待买家付款 as a purchase too: one click on apply, and the totals follow
    uid = at.session_state.upload_id
    statuses = at.multiselect(key=f"statuses_{uid}")
    statuses.set_value([*statuses.value, "等待买家付款"])
    at = at.button(key=f"apply_{uid}").click().run()
    assert not at.exception
    report = at.session_state.dataset.result.report
    assert "等待买家付款" not in report.excluded
    table = report.statuses.set_index("status")
    assert bool(table.loc["等待买家付款", "counted"])
    # an unpaid Taobao order has 买家实际支付金额 0: counting it adds an order, not money
    assert report.totals["gross_sales"] == pytest.approx(sum(o.total for o in orders if o.paid))
    assert report.totals["orders"] == len([o for o in orders if o.paid]) + 1
