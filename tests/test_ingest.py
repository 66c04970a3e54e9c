"""Uploads → clean rows + a report whose counts add up."""

import datetime as dt

import pandas as pd
import pytest
from conftest import xlsx_bytes

from crm_core.columns import detect_columns, detect_kind
from crm_core.errors import CrmError
from crm_core.ingest import REASONS, LoadOptions, load, load_frame

MESSY = (
    "客户编号,交易日期,交易金额,订单号\n"
    '001,2024年3月5日,"￥1,234.50",A1\n'  # row 2: kept, amount repaired
    "001,2024/03/06,88,A2\n"  # row 3: kept
    "002,2024-03-07,-20,A3\n"  # row 4: kept (a return)
    ",2024-03-07,5,A4\n"  # row 5: missing id
    "003,bad,5,A5\n"  # row 6: bad date
    "003,2024-03-07,abc,A6\n"  # row 7: bad amount
    "002,2024-03-07,-20,A3\n"  # row 8: duplicate of row 4
    ",,,\n"  # row 9: empty
    "004,2024-03-08,5,A7,extra\n"  # row 10: wrong number of fields
    "005,2024-03-08,1.234,A8\n"  # row 11: kept
    "006,2024-03-01,7,\n"  # row 12: kept, no order id
)


def test_every_row_is_kept_or_rejected_once():
    res = load(MESSY.encode("gbk"), "messy.csv")
    r = res.report
    assert (r.rows_read, r.rows_kept, r.rows_rejected) == (11, 5, 6)
    assert r.rows_read == r.rows_kept + r.rows_rejected
    assert {k: v for k, v in r.reason_counts.items() if v} == {
        "bad_line": 1, "empty_row": 1, "duplicate_row": 1, "missing_id": 1, "bad_date": 1, "bad_amount": 1,
    }  # fmt: skip
    assert set(r.reason_counts) == set(REASONS)
    rej = r.rejected.set_index("row")
    assert rej.loc[5, "reason"] == "missing_id" and rej.loc[5, "column"] == "客户编号"
    assert rej.loc[6, "value"] == "bad" and rej.loc[7, "value"] == "abc"
    assert rej.loc[10, "reason"] == "bad_line" and rej.loc[10, "value"] == "004,2024-03-08,5,A7,extra"
    assert rej.loc[8, "交易金额"] == "-20"  # original cells travel with the rejected row
    assert r.repairs["amount_text"] == 1 and r.repairs["order_id_filled"] == 1
    assert r.source["encoding"] == "gb18030"
    assert r.mapping == {
        "customer_id": "客户编号",
        "order_date": "交易日期",
        "amount": "交易金额",
        "order_id": "订单号",
    }


def test_rejected_and_kept_revenue_is_accounted_for():
    res = load(MESSY.encode("gbk"), "messy.csv")
    tx, s = res.transactions, res.summary
    assert tx["amount"].sum() == pytest.approx(1234.5 + 88 - 20 + 1.234 + 7)
    assert s.revenue_in == pytest.approx(tx["amount"].sum())
    assert s.revenue_customers + s.revenue_without_purchase == pytest.approx(s.revenue_in)
    assert s.customers_without_purchase == 1  # customer 002 only returned goods
    assert len(res.customers) + s.customers_without_purchase == tx["customer_id"].nunique()


def test_duplicates_can_be_kept():
    res = load(MESSY.encode("gbk"), "messy.csv", LoadOptions(keep_duplicates=True))
    assert res.report.reason_counts["duplicate_row"] == 0
    assert res.report.duplicates_kept == 1 and res.report.rows_kept == 6


def test_rows_after_the_analysis_date_are_rejected_and_counted():
    res = load(MESSY.encode("gbk"), "messy.csv", LoadOptions(as_of=dt.date(2024, 3, 6)))
    r = res.report
    assert r.reason_counts["after_as_of"] == 2  # rows 4 and 11; the other late rows failed earlier checks
    assert r.as_of == dt.date(2024, 3, 6)
    assert res.customers.set_index("customer_id").loc["001", "recency_days"] == 0


def test_default_analysis_date_is_the_day_after_the_latest_date():
    res = load(MESSY.encode("gbk"), "messy.csv")
    assert res.report.as_of == dt.date(2024, 3, 9)
    assert any(n.key == "note.as_of_default" for n in res.report.notes)


def test_decimal_comma_file_is_refused_with_a_hint_then_read_when_asked():
    text = "id;date;amount\n1;2024-01-01;1.234,50\n2;2024-01-02;12,5\n3;2024-01-02;7\n"
    res = load(text.encode(), "eu.csv")
    assert res.report.reason_counts["bad_amount"] == 2
    assert any(n.key == "note.comma_decimal" and n.params["count"] == 2 for n in res.report.notes)
    res = load(text.encode(), "eu.csv", LoadOptions(decimal=","))
    assert res.transactions["amount"].tolist() == [1234.5, 12.5, 7.0]


def test_ambiguous_day_month_is_reported():
    text = "customer_id,date,amount\n1,03/05/2024,5\n2,04/06/2024,5\n"
    res = load(text.encode(), "x.csv")
    note = next(n for n in res.report.notes if n.key == "note.date_order")
    assert note.params == {"column": "date", "order": "mdy", "count": 2, "example": "03/05/2024"}
    res = load(text.encode(), "x.csv", LoadOptions(date_order="dmy"))
    assert res.transactions["order_date"].tolist()[0] == pd.Timestamp("2024-05-03")


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        (["客户编号", "交易日期", "交易金额", "订单号"], ("客户编号", "交易日期", "交易金额", "订单号")),
        (["会员号", "下单时间", "实付金额（元）", "订单编号"], ("会员号", "下单时间", "实付金额（元）", "订单编号")),
        (["客户ID", "订单日期", "消费金额"], ("客户ID", "订单日期", "消费金额", None)),
        (["CustomerID", "InvoiceDate", "Amount", "InvoiceNo"], ("CustomerID", "InvoiceDate", "Amount", "InvoiceNo")),
        (["Customer Id", "Order Date", "Sales"], ("Customer Id", "Order Date", "Sales", None)),
    ],
)
def test_header_detection(headers, expected):
    found = detect_columns(headers, "transactions")
    got = tuple(found.get(r) for r in ("customer_id", "order_date", "amount", "order_id"))
    assert got == expected
    assert detect_kind(headers) == "transactions"


def test_short_aliases_do_not_match_inside_other_headers():
    # "id" is a customer-id alias, but only as the whole header: never inside "order_id" or "valid"
    found = detect_columns(["order_id", "valid", "date", "amount"], "transactions")
    assert "customer_id" not in found and found["order_id"] == "order_id"
    assert detect_columns(["会员编号（新）", "下单时间", "实付"], "transactions")["customer_id"] == "会员编号（新）"


def test_customer_table_is_recognised():
    assert detect_kind(["客户编号", "最近一次消费时间", "消费次数", "消费金额"]) == "customers"
    assert detect_kind(["customer_id", "recency", "frequency", "monetary"]) == "customers"


def test_user_mapping_overrides_detection():
    text = "who,when,paid,note\n1,2024-01-01,5,x\n"
    with pytest.raises(CrmError) as err:
        load(text.encode(), "x.csv")
    assert err.value.key == "error.missing_columns"
    opts = LoadOptions().with_columns({"customer_id": "who", "order_date": "when", "amount": "paid"})
    res = load(text.encode(), "x.csv", opts)
    assert res.report.mapping == {"customer_id": "who", "order_date": "when", "amount": "paid"}
    assert res.transactions["note"].tolist() == ["x"]  # unmapped columns travel along
    with pytest.raises(CrmError) as err:
        load(text.encode(), "x.csv", opts.with_columns({"customer_id": "who", "order_date": "who", "amount": "paid"}))
    assert err.value.key == "error.column_twice"


def test_ids_keep_leading_zeros_and_18_digits():
    text = "customer_id,date,amount\n000123,2024-01-01,5\n110101199001011234,2024-01-01,5\n"
    res = load(text.encode(), "x.csv")
    assert sorted(res.customers["customer_id"]) == ["000123", "110101199001011234"]


def test_nothing_usable_is_an_error_not_an_empty_result():
    with pytest.raises(CrmError) as err:
        load(b"customer_id,date,amount\n,,\n1,bad,x\n", "x.csv")
    assert err.value.key == "error.nothing_kept"
    with pytest.raises(CrmError) as err:
        load(b"customer_id,date,amount\n", "x.csv")
    assert err.value.key == "error.no_rows"


def test_customer_table_upload_skips_aggregation():
    text = (
        "客户编号,最近一次消费时间,消费次数,消费金额\n"
        'A01,2024-06-28,12,8600\nA02,2024-06-30,3,"5,200"\nA02,2024-06-01,1,10\nA03,2024-05-01,0,0\nA04,x,1,5\n'
    )
    res = load(text.encode("gbk"), "c.csv")
    r = res.report
    assert r.kind == "customers" and r.as_of == dt.date(2024, 7, 1)
    assert r.reason_counts["duplicate_customer"] == 1 and r.reason_counts["bad_date"] == 1
    c = res.customers.set_index("customer_id")
    assert c.loc["A01", "recency_days"] == 3 and c.loc["A02", "monetary"] == 5200
    assert "A03" not in c.index and res.summary.customers_without_purchase == 1  # bought nothing
    assert c.loc["A01", "avg_spend"] == pytest.approx(8600 / 12)


def test_customer_table_with_recency_days():
    frame = pd.DataFrame({"customer_id": ["a", "b"], "recency": [3, -1], "frequency": [2, 1], "monetary": [10, 5]})
    res = load_frame(frame, LoadOptions(kind="customers", as_of=dt.date(2024, 1, 10)))
    assert res.report.reason_counts["bad_recency"] == 1
    assert res.customers["last_purchase"].tolist() == [pd.Timestamp("2024-01-07")]


def test_excel_upload_with_serial_dates_and_numeric_ids():
    data = xlsx_bytes({"s": [["客户编号", "交易日期", "交易金额"], [1001, 45000, 12.5], ["002", "2024-01-01", "¥3"]]})
    res = load(data, "x.xlsx")
    assert sorted(res.customers["customer_id"]) == ["002", "1001"]
    assert res.report.repairs["excel_serial_date"] == 1
    assert res.transactions["order_date"].min() == pd.Timestamp("2023-03-15")


def test_load_tells_each_stage_as_it_starts():
    from crm_core.ingest import load

    body = b"customer_id,order_date,amount\nA,2024-01-01,10\nB,2024-01-02,20\nB,bad date,5\n"
    told = []
    result = load(body, "t.csv", progress=lambda stage, **figures: told.append((stage, figures)))
    assert [s for s, _ in told] == ["read", "check", "summarise"]
    assert told[0][1]["mb"] == pytest.approx(len(body) / 2**20)
    assert (
        told[1][1] == {"rows": 3} and told[2][1] == {"rows": result.report.rows_kept} and result.report.rows_kept == 2
    )
