"""Real export layouts load with no mapping and give exact per-customer figures.

Every fixture is rendered from plain order data (tests/exports.py); the expected F, M, R and
returns are computed from that order data here, by hand, never by the loader.
"""

import datetime as dt

import numpy as np
import pytest
from conftest import xlsx_bytes
from exports import (
    AS_OF,
    ERP_AS_OF,
    UCI_AS_OF,
    erp_csv,
    erp_expected,
    erp_xlsx,
    expected_orders,
    jd_csv,
    jd_orders,
    kingdee_xlsx,
    shopify_csv,
    shopify_orders,
    taobao_csv,
    taobao_orders,
    uci2_xlsx,
    uci_csv,
    uci_expected,
    woo_csv,
    woo_customer,
    woo_orders,
    youzan_csv,
    youzan_orders,
)

from crm_core.i18n import LABELS
from crm_core.ingest import LoadOptions, load, note_text
from crm_core.layouts import STATUS_CLASSES, catalogue, detect_layout


def check(result, expected: dict[str, dict]) -> None:
    got = result.customers.set_index("customer_id")
    assert sorted(got.index) == sorted(expected)
    for cid, e in expected.items():
        row = got.loc[cid]
        assert row["frequency"] == e["frequency"], cid
        assert row["monetary"] == pytest.approx(e["monetary"]), cid
        assert row["returns"] == pytest.approx(e["returns"]), cid
        if e["recency_days"] is not None:
            assert row["recency_days"] == e["recency_days"], cid
    r = result.report
    assert r.rows_read == r.rows_kept + r.rows_rejected
    assert sum(r.reason_counts.values()) == r.rows_rejected
    t = r.totals
    assert t["gross_sales"] - t["returns"] - t["refunds"] == pytest.approx(t["net_revenue"])
    s = result.summary
    assert s.revenue_customers + s.revenue_without_purchase == pytest.approx(t["net_revenue"])


def opts(as_of=AS_OF, **kw) -> LoadOptions:
    return LoadOptions(as_of=as_of, **kw)


def test_shopify_orders_export():
    orders = shopify_orders()
    res = load(shopify_csv(orders), "orders_export.csv", opts())
    r = res.report
    assert r.layout == "shopify_orders" and r.guessed == []
    keyed = []
    for o in orders:
        cid = f"{o.customer}@example.com" if o.customer else (o.phone or None)
        keyed.append(type(o)(o.oid, cid, o.created, o.status, o.lines, o.shipping, o.refund, o.phone, o.paid_after))
    check(res, expected_orders(keyed))
    assert r.reason_counts["status_excluded"] == 2  # pending and voided, one line each
    assert r.reason_counts["guest_order"] == 1
    assert r.excluded == {"pending": 1, "voided": 1}
    lines = sum(len(o.lines) for o in orders)
    assert r.rows_read == lines and r.totals["orders"] == len(orders) - 3
    assert r.repairs["order_fields_carried"] == lines - len(orders)  # continuation lines got the order's fields
    assert r.repairs["customer_id_fallback"] == 1 and r.currency == "CAD"
    assert r.mapping["customer_id"] == "Email" and r.mapping["order_id"] == "Name"  # not the numeric "Id"


def test_shopify_statuses_can_be_changed():
    orders = shopify_orders()
    data = shopify_csv(orders)
    res = load(data, "orders_export.csv", opts(purchase_statuses=("paid", "partially_refunded", "refunded", "pending")))
    pending = next(o for o in orders if o.status == "pending")
    got = res.customers.set_index("customer_id")
    base = expected_orders(
        [
            type(o)(o.oid, f"{o.customer}@example.com", o.created, o.status, o.lines, o.shipping, o.refund)
            for o in orders
            if o.customer
        ]
    )
    # the pending order now counts: one more purchase for its customer, dated by its order date
    assert (
        got.loc[f"{pending.customer}@example.com", "frequency"]
        == base[f"{pending.customer}@example.com"]["frequency"] + 1
    )
    assert res.report.excluded == {"voided": 1}
    table = res.report.statuses.set_index("status")
    assert bool(table.loc["pending", "counted"]) and not bool(table.loc["voided", "counted"])


def test_woocommerce_export_guests_by_email():
    orders = woo_orders()
    res = load(woo_csv(orders), "orders.csv", opts())
    assert res.report.layout == "woocommerce_orders"
    # WooCommerce's export has no payment date: purchases are dated by the order date
    keyed = [
        type(o)(
            o.oid,
            woo_customer(o.customer),
            o.created,
            o.status,
            o.lines,
            o.shipping,
            o.refund,
            paid_after=dt.timedelta(0),
        )
        for o in orders
    ]
    check(res, expected_orders(keyed))
    assert res.report.repairs["customer_id_fallback"] == 1
    assert res.report.excluded == {"on-hold": 1, "cancelled": 1}


@pytest.mark.parametrize("encoding", ["gbk", "utf-8-sig"])
def test_taobao_order_report(encoding):
    orders = taobao_orders()
    res = load(taobao_csv(orders, encoding), "ExportOrderList202403311200.csv", opts())
    r = res.report
    assert r.layout == "taobao_orders"
    check(res, expected_orders(orders))
    assert r.reason_counts["status_excluded"] == 1 and r.reason_counts["not_paid"] == 1
    assert r.repairs["id_excel_guard"] == 0  # the customer column is 买家会员名; the order ids are unwrapped
    assert res.transactions["order_id"].str.fullmatch(r"[0-9]{18}").all()
    assert r.source["encoding"] == ("gb18030" if encoding == "gbk" else "utf-8")
    refunded = sum(o.refunded for o in orders if o.paid)
    assert r.totals["refunds"] == pytest.approx(refunded)


def test_jd_order_export_counts_repeated_order_totals_once():
    orders = jd_orders()
    res = load(jd_csv(orders), "jd_orders.csv", opts())
    r = res.report
    assert r.layout == "jd_orders"
    check(res, expected_orders(orders))
    assert r.excluded == {"等待付款": 1, "(删除)等待出库": 1}
    paid = [o for o in orders if o.paid]
    assert r.totals["gross_sales"] == pytest.approx(sum(o.total for o in paid))  # not once per line


def test_youzan_order_export_with_tab_prefixed_phones():
    orders = youzan_orders()
    res = load(youzan_csv(orders), "订单数据.csv", opts())
    assert res.report.layout == "youzan_orders"
    check(res, expected_orders(orders))
    assert res.report.excluded == {"待付款": 1, "交易关闭": 1}


def test_uci_online_retail_latin1_csv():
    res = load(uci_csv(), "OnlineRetail.csv", opts(UCI_AS_OF))
    r = res.report
    assert r.layout == "uci_online_retail"
    assert r.source["encoding"] in ("cp1252", "latin-1")
    check(res, uci_expected())
    assert r.reason_counts["duplicate_row"] == 1 and r.reason_counts["guest_order"] == 2
    assert r.repairs["id_float_suffix"] > 0
    assert any(n.key == "rule.amount_qty_price" for n in r.rules)
    assert r.totals["return_orders"] == 2  # the two C invoices


def test_uci_online_retail_ii_workbook_reads_both_sheets():
    res = load(uci2_xlsx(), "online_retail_II.xlsx", opts(UCI_AS_OF))
    r = res.report
    assert r.layout == "uci_online_retail_ii"
    assert r.source["sheets_used"] == ["Year 2009-2010", "Year 2010-2011"]
    assert any(n.key == "note.sheets_combined" for n in r.notes)
    check(res, uci_expected())
    assert r.reason_counts["duplicate_row"] == 3  # one in the data, two where the sheets overlap
    assert set(r.rejected["sheet"]) <= {"Year 2009-2010", "Year 2010-2011"}


def test_uci_sheet_can_be_chosen():
    res = load(uci2_xlsx(), "online_retail_II.xlsx", opts(UCI_AS_OF, sheet="Year 2009-2010"))
    assert res.report.source["sheets_used"] == ["Year 2009-2010"]
    assert any(n.key == "note.other_sheets" for n in res.report.notes)


@pytest.mark.parametrize(("build", "name"), [(erp_xlsx, "销售出库明细表.xlsx"), (erp_csv, "销售出库明细表.csv")])
def test_erp_sales_detail_with_title_meta_and_total_rows(build, name):
    res = load(build(), name, opts(ERP_AS_OF))
    r = res.report
    assert r.layout == "erp_sales_detail"
    assert r.source["header_row"] == 4
    check(res, erp_expected())
    assert r.reason_counts["total_row"] == 1 and r.rows_rejected == 1  # the 合计 row, nothing else
    assert r.mapping["amount"] == "价税合计" and r.mapping["order_id"] == "单据编号"
    assert any(n.key == "note.amount_candidates" and "金额" in n.params["others"] for n in r.notes)


def test_kingdee_cloud_outbound_detail():
    res = load(kingdee_xlsx(), "Sal_OutStockDetailRpt.xlsx", opts(ERP_AS_OF))
    assert res.report.layout == "kingdee_cloud_outstock"
    check(res, erp_expected())


def test_header_row_can_be_given():
    res = load(erp_xlsx(), "x.xlsx", opts(ERP_AS_OF, header_row=4))
    assert res.report.layout == "erp_sales_detail"
    with pytest.raises(Exception) as err:
        load(erp_csv(), "x.csv", opts(ERP_AS_OF, header_row=99))
    assert getattr(err.value, "key", "") == "error.header_row"


def test_layout_can_be_switched_off_and_a_weak_guess_is_said():
    res = load(shopify_csv(shopify_orders()), "orders_export.csv", opts(layout="none"))
    r = res.report
    assert r.layout is None
    # generic aliases still prefer the e-mail over the bare numeric "Id" as the customer
    assert r.mapping["customer_id"] == "Email"
    assert {"amount", "unit_price", "quantity"} <= set(r.guessed)  # "Total", "Lineitem price": weak matches
    note = next(n for n in r.notes if n.key == "note.guessed")
    assert "金额 ← Total" in note_text(note, "zh") and "Amount ← Total" in note_text(note, "en")


def test_every_layout_is_detected_from_its_own_signature():
    for layout in catalogue().values():
        assert detect_layout(list(layout.signature)) is layout, layout.key
        for lang in ("en", "zh"):
            assert layout.name[lang] and layout.notes[lang], layout.key


def test_rules_and_status_classes_have_labels():
    for cls in (*STATUS_CLASSES, "unknown", "chosen"):
        for lang in ("en", "zh"):
            assert f"status_class.{cls}" in LABELS[lang]
    res = load(shopify_csv(shopify_orders()), "orders_export.csv", opts())
    for note in res.report.rules + res.report.notes:
        for lang in ("en", "zh"):
            text = note_text(note, lang)
            assert "{" not in text.replace("{paid", "").replace("∈ {", ""), text


def test_no_order_id_log_keeps_identical_purchases():
    # CDNOW-style: customer, day, amount, no order id and no time of day → two identical rows are two purchases
    text = "customer_id,date,amount\n00001,1997-01-01,11.77\n00001,1997-01-01,11.77\n00002,1997-01-02,5\n"
    res = load(text.encode(), "cdnow.csv")
    c = res.customers.set_index("customer_id")
    assert c.loc["00001", "frequency"] == 2 and c.loc["00001", "monetary"] == pytest.approx(23.54)
    assert any(n.key == "rule.duplicates_kept" for n in res.report.rules)
    dropped = load(text.encode(), "cdnow.csv", LoadOptions(keep_duplicates=False))
    assert dropped.customers.set_index("customer_id").loc["00001", "frequency"] == 1


def test_whitespace_separated_log_without_header():
    text = " 00004 0001 19970101  2   29.33\n 00004 0001 19970118  2   29.73\n 00021 0002 19970101  3   63.34\n"
    cols = {"customer_id": "column_1", "order_date": "column_3", "amount": "column_5"}
    res = load(text.encode(), "CDNOW_sample.txt", LoadOptions().with_columns(cols))
    assert res.report.source["headerless"] and res.report.source["delimiter"] == " "
    c = res.customers.set_index("customer_id")
    assert c.loc["00004", "monetary"] == pytest.approx(59.06) and c.loc["00021", "frequency"] == 1


def test_mangled_ids_are_kept_and_flagged():
    text = "customer_id,date,amount\n3.37354E+18,2024-01-01,5\n00123,2024-01-01,5\n123,2024-01-02,5\n17,2024-01-02,1\n"
    res = load(text.encode(), "x.csv")
    keys = {n.key: n.params for n in res.report.notes}
    assert keys["note.ids_scientific"]["count"] == 1
    assert keys["note.ids_lost_zeros"]["count"] == 2  # 123 and 17 are shorter than the 5-digit 00123
    assert "3.37354E+18" in set(res.customers["customer_id"])


def test_float_ids_lose_their_suffix_only_when_the_whole_column_is_so():
    res = load(b"customer_id,date,amount\n17850.0,2024-01-01,5\n12583.0,2024-01-01,5\n", "x.csv")
    assert sorted(res.customers["customer_id"]) == ["12583", "17850"]
    res = load(b"customer_id,date,amount\n1.0,2024-01-01,5\n1.5,2024-01-01,5\n", "x.csv")
    assert sorted(res.customers["customer_id"]) == ["1.0", "1.5"]


def test_currency_from_symbols():
    res = load("客户编号,交易日期,交易金额\n1,2024-01-01,¥12\n".encode(), "x.csv")
    assert res.report.currency == "CNY"
    res = load(b"customer_id,date,amount\n1,2024-01-01,12\n", "x.csv", LoadOptions(currency="USD"))
    assert res.report.currency == "USD"


def test_money_reconciles_under_any_status_set():
    rng = np.random.default_rng(7)
    data = shopify_csv(shopify_orders())
    values = ["paid", "partially_refunded", "refunded", "pending", "voided"]
    for _ in range(8):
        chosen = tuple(v for v in values if rng.random() < 0.6)
        res = load(data, "orders_export.csv", opts(purchase_statuses=chosen))
        t, r = res.report.totals, res.report
        assert r.rows_read == r.rows_kept + r.rows_rejected
        assert t["gross_sales"] - t["returns"] - t["refunds"] == pytest.approx(t["net_revenue"])
        assert res.summary.revenue_customers + res.summary.revenue_without_purchase == pytest.approx(t["net_revenue"])
        tx = res.transactions
        assert tx["amount"].sum() == pytest.approx(t["net_revenue"])
        counted = set(r.statuses.loc[r.statuses["counted"], "status"])
        assert counted <= set(chosen)


def loaded(text: str, **kw):
    return load(text.encode(), "x.csv", LoadOptions(**kw))


def reconciles(res) -> None:
    r, t = res.report, res.report.totals
    assert r.rows_read == r.rows_kept + r.rows_rejected
    assert t["gross_sales"] - t["returns"] - t["refunds"] == pytest.approx(t["net_revenue"])
    assert res.transactions["amount"].sum() == pytest.approx(t["net_revenue"])


def test_taobao_refund_by_status_alone_is_not_counted_twice():
    head = "订单编号,买家会员名,订单状态,订单创建时间,订单付款时间,买家实际支付金额,退款金额\n"
    res = loaded(head + '="1",tb1,交易关闭,2024-01-05 10:00:00,2024-01-05 10:01:00,100.00,0.00\n')
    reconciles(res)
    c = res.customers.set_index("customer_id").loc["tb1"]
    assert (c["frequency"], c["monetary"], c["returns"]) == (1, 0.0, 100.0)
    assert res.report.totals["gross_sales"] == pytest.approx(100.0)


def test_an_order_id_shared_by_two_customers_is_two_orders():
    text = (
        "order_id,customer_id,status,paid_at,order_date,amount\n"
        "100,A,paid,2024-01-05,2024-01-05,50\n100,B,paid,,2024-01-06,80\n100,,paid,,2024-01-05,5\n"
    )
    res = loaded(text)
    reconciles(res)
    assert res.customers["customer_id"].tolist() == ["A"]  # B never paid; the blank row is not carried
    assert res.report.reason_counts["not_paid"] == 1 and res.report.reason_counts["missing_id"] == 1
    assert any(n.key == "note.order_id_shared" for n in res.report.notes)


def test_a_refund_larger_than_its_order_is_capped_and_said():
    text = (
        "order_id,customer_id,order_date,order_total,refunded_total,status\n"
        "1,A,2024-01-05,50,80,refunded\n2,A,2024-01-06,20,0,paid\n"
    )
    res = loaded(text)
    reconciles(res)
    assert res.customers.set_index("customer_id").loc["A", "monetary"] == pytest.approx(20.0)
    assert any(n.key == "note.refund_capped" and n.params["count"] == 1 for n in res.report.notes)


def test_payment_dates_blank_everywhere_or_in_some_rows():
    all_blank = "order_id,customer_id,order_date,paid_at,amount\n1,A,2024-01-01,,10\n2,B,2024-01-02,,5\n"
    res = loaded(all_blank)
    assert res.report.rows_kept == 2 and any(n.key == "note.paid_blank" for n in res.report.notes)
    only_paid = "customer_id,paid_at,amount\nA,,10\nB,2024-01-02,5\nC,not a date,5\n"
    r = loaded(only_paid).report
    assert r.reason_counts["not_paid"] == 1 and r.reason_counts["bad_date"] == 1


def test_blank_order_ids_do_not_make_identical_rows_duplicates():
    res = loaded("order_id,customer_id,order_date,amount\n,A,2024-01-01,10\n,A,2024-01-01,10\n")
    assert res.customers.set_index("customer_id").loc["A", "frequency"] == 2


def test_excel_refund_dates_and_blank_statuses():
    data = xlsx_bytes(
        {
            "s": [
                ["order_id", "customer_id", "order_date", "status", "refund_amount", "refund_date", "amount"],
                ["1", "A", "2024-01-05", "paid", 4, 45300, 10],  # an Excel serial date
                ["2", "A", "2024-01-06", None, 0, None, 5],
            ]
        }
    )
    res = load(data, "x.xlsx")
    ret = res.transactions[res.transactions["amount"] < 0]
    assert ret["order_date"].dt.date.tolist() == [dt.date(1899, 12, 30) + dt.timedelta(days=45300)]
    assert any(n.key == "note.status_blank" and n.params["count"] == 1 for n in res.report.notes)


def test_odd_text_files_give_a_result_or_a_message():
    mac = b"customer_id,order_date,amount\rA,2024-01-01,10\rB,2024-01-02,5\r"
    assert load(mac, "mac.csv").report.rows_kept == 2
    headerless = b"Alice,Shop A,2024-01-01,100\nBob,Shop B,2024-01-02,80\n"
    cols = {"customer_id": "column_1", "order_date": "column_3", "amount": "column_4"}
    res = load(headerless, "x.csv", LoadOptions().with_columns(cols))
    assert res.report.rows_read == 2 and res.report.source["headerless"]
    aligned = (
        b"Customer ID   Order Date         Amount\n"
        b"A             2024-01-01 10:00   5\n"
        b"B             2024-01-02 11:00   7\n"
    )
    assert load(aligned, "x.txt").report.rows_kept == 2
