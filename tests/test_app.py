"""AppTest: every page in both languages, uploads, bad uploads, mapping, typed tables."""

import sys

import pytest
from conftest import ROOT, open_app, uploaded, xlsx_bytes

PAGES = [
    "app.py",
    "pages/data.py",
    "pages/rfm.py",
    "pages/value_matrix.py",
    "pages/lifecycle.py",
    "pages/clv.py",
    "pages/over_time.py",
    "pages/bullseye.py",
    "pages/classroom.py",
]
GBK_UPLOAD = "客户编号,交易日期,交易金额\n001,2024年3月5日,￥1234.50\n002,2024/3/6,-5\n,2024/3/6,5\n".encode("gbk")


def start(lang=None):
    return open_app(lang=lang)


def metrics(at):
    return {m.label: m.value for m in at.metric}


def ok(at):
    assert not at.exception, [e.value for e in at.exception]
    return at


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("page", PAGES)
def test_every_page_opens_in_both_languages(page, lang):
    at = ok(start(lang))
    if page != "app.py":
        at = ok(at.switch_page(page).run())
    title = {
        "zh": {
            "app.py": "客户价值实验室",
            "pages/data.py": "数据与导入报告",
            "pages/rfm.py": "RFM 分析",
            "pages/bullseye.py": "布尔塞模型",
            "pages/value_matrix.py": "客户价值矩阵",
            "pages/lifecycle.py": "生命周期价值细分",
            "pages/clv.py": "客户终身价值",
            "pages/over_time.py": "客户动态",
            "pages/classroom.py": "课堂",
        },
        "en": {
            "app.py": "CRM Value Lab",
            "pages/data.py": "Data & load report",
            "pages/rfm.py": "RFM explorer",
            "pages/bullseye.py": "Bullseye form",
            "pages/value_matrix.py": "Value matrix",
            "pages/lifecycle.py": "Lifecycle grid",
            "pages/clv.py": "Lifetime value",
            "pages/over_time.py": "Customers over time",
            "pages/classroom.py": "Classroom",
        },
    }[lang][page]
    assert at.title[0].value == title
    if page in ("app.py", "pages/data.py", "pages/rfm.py", "pages/value_matrix.py"):  # pages with a customer count
        key = "客户数" if lang == "zh" else "Customers"
        assert metrics(at)[key] == "4,000"  # the demo data is loaded on first visit


def test_every_page_is_in_the_sidebar():
    from ui import PAGES as NAV

    assert [p for p, _, _ in NAV] == PAGES
    assert sorted(str(p.relative_to(ROOT)) for p in (ROOT / "pages").glob("*.py")) == sorted(PAGES[1:])


def test_language_switch_survives_page_changes():
    at = ok(start("en"))
    at.sidebar.radio[0].set_value("zh").run()
    assert at.title[0].value == "客户价值实验室"
    at = ok(at.switch_page("pages/data.py").run())
    assert at.title[0].value == "数据与导入报告" and at.query_params["lang"] in ("zh", ["zh"])


def upload(at, name, data, mime="text/csv"):
    return uploaded(at, name, data, mime)


def test_gbk_upload_shows_the_report_and_reaches_the_home_page():
    at = ok(start("zh").switch_page("pages/data.py").run())
    at = ok(upload(at, "销售.csv", GBK_UPLOAD))
    m = metrics(at)
    assert m["客户数"] == "1" and m["读取行数"] == "3" and m["拒绝行数"] == "1"
    assert any("读取 3 行 = 保留 2 行 + 拒绝 1 行" in w.value for w in at.warning)
    assert any("客户编号 ← 客户编号" in c.value for c in at.caption)
    downloads = at.get("download_button")
    assert len(downloads) == 2  # rejected rows and the customer table
    at = ok(at.switch_page("app.py").run())
    assert metrics(at)["客户数"] == "1"
    assert any("销售" in md.value for md in at.markdown)


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("empty.csv", b"", "文件是空的"),
        ("binary.csv", b"\x00\x01\x02\x03" * 100, "二进制"),
        ("header.csv", "客户编号,交易日期,交易金额\n".encode("gbk"), "只有表头"),
        ("bomb.xlsx", b"PK\x03\x04garbage", "Excel 文件已损坏"),
    ],
)
def test_bad_upload_keeps_previous_data_and_says_why_in_chinese(name, data, message):
    at = ok(start("zh").switch_page("pages/data.py").run())
    at = ok(upload(at, name, data))
    assert any(message in e.value for e in at.error), [e.value for e in at.error]
    assert any("继续使用之前载入的数据" in e.value for e in at.error)
    assert metrics(at)["客户数"] == "4,000"


def test_unknown_headers_can_be_mapped_by_hand():
    at = ok(start("en").switch_page("pages/data.py").run())
    at = ok(upload(at, "odd.csv", b"who,when,paid\n1,2024-01-01,5\n2,2024-01-02,7\n"))
    assert any("No column found for" in e.value for e in at.error)
    at.selectbox(key=f"map_{at.session_state.upload_id}_transactions_auto_customer_id").set_value("who")
    at.selectbox(key=f"map_{at.session_state.upload_id}_transactions_auto_order_date").set_value("when")
    at.selectbox(key=f"map_{at.session_state.upload_id}_transactions_auto_amount").set_value("paid")
    at = ok(at.button(key=f"apply_{at.session_state.upload_id}").click().run())
    assert metrics(at)["Customers"] == "2"


def test_excel_upload_and_reading_options():
    data = xlsx_bytes(
        {
            "Orders": [
                ["Customer ID", "Order Date", "Amount"],
                ["001", "03/05/2024", "1.234,50"],
                ["002", "04/06/2024", "12,5"],
            ]
        }
    )
    at = ok(start("en").switch_page("pages/data.py").run())
    at = ok(upload(at, "eu.xlsx", data, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))
    assert any("None of the 2 rows could be used (Unreadable amount\\: 2)" in e.value for e in at.error)
    assert any("decimal comma" in w.value for w in at.warning)  # the hint that fixes it
    uid = at.session_state.upload_id
    at.radio(key=f"dec_{uid}").set_value(",")
    at.radio(key=f"order_{uid}").set_value("dmy")
    at = ok(at.button(key=f"apply_{uid}").click().run())
    ds = at.session_state.dataset
    assert ds.result.transactions["amount"].tolist() == [1234.5, 12.5]
    assert str(ds.result.transactions["order_date"].min().date()) == "2024-05-03"


def test_classroom_and_typed_tables():
    at = ok(start("en").switch_page("pages/data.py").run())
    at = ok(at.button(key="use_classroom").click().run())
    assert metrics(at)["Customers"] == "15"
    at = ok(at.button(key="use_demo").click().run())
    assert metrics(at)["Customers"] == "4,000"
    at = ok(at.button(key="use_typed").click().run())
    assert at.session_state.dataset.source == "typed" and metrics(at)["Customers"] == "15"


def test_start_on_a_file_given_on_the_command_line(monkeypatch, tmp_path):
    path = tmp_path / "start.csv"
    path.write_bytes(GBK_UPLOAD)
    monkeypatch.setattr(sys, "argv", ["app.py", "--data", str(path)])
    at = ok(start("en"))
    assert metrics(at)["Customers"] == "1"
    assert at.session_state.dataset.name == "start.csv"


def test_user_text_is_escaped_in_markdown():
    evil = b"customer_id,date,amount\n1,2024-01-01,5\n"
    at = ok(start("en").switch_page("pages/data.py").run())
    at = ok(upload(at, "![x](http://evil.example/x.png)<img src=x onerror=alert(1)>.csv", evil))
    shown = [md.value for md in at.markdown if "evil" in md.value]
    assert shown and all("\\!\\[x\\]" in s and "\\<img" in s for s in shown)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_upload_limit_and_the_way_beyond_it_are_said(lang):
    from crm_core.limits import MAX_BYTES

    at = open_app("pages/data.py", lang=lang)
    said = [c.value for c in at.caption if "--engine duckdb" in c.value]
    assert said and f"{MAX_BYTES / 2**20:.0f} MB" in said[0]
