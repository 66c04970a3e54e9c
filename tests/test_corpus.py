"""Every file of the hostile corpus: a clear error or a report whose counts add up."""

import datetime as dt

import pytest
from conftest import ROOT
from corpus import cases
from streamlit.testing.v1 import AppTest

from crm_core.errors import CrmError
from crm_core.ingest import LoadOptions, load

CASES = cases()


def options(case):
    opts = dict(case.options)
    if "as_of" in opts:
        opts["as_of"] = dt.date.fromisoformat(opts["as_of"])
    return LoadOptions(**opts)


def test_the_corpus_is_large_enough():
    assert len(CASES) >= 30 and len({c.name for c in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_corpus_file(case):
    expect = case.expect
    if "error" in expect:
        with pytest.raises(CrmError) as err:
            load(case.data, case.name, options(case))
        assert err.value.key == expect["error"]
        for lang in ("en", "zh"):
            message = err.value.message(lang)
            assert message and "{" not in message and "Traceback" not in message
        return
    res = load(case.data, case.name, options(case))
    r = res.report
    assert r.rows_read == r.rows_kept + r.rows_rejected
    assert sum(r.reason_counts.values()) == r.rows_rejected
    assert r.rows_kept == expect["kept"]
    assert {k: v for k, v in r.reason_counts.items() if v} == expect.get("rejected", {})
    for key, n in expect.get("repairs", {}).items():
        assert r.repairs[key] == n, key
    for key in expect.get("notes", []):
        assert any(n.key == key for n in r.notes), key
    if "ids" in expect:
        assert sorted(res.customers["customer_id"]) == sorted(expect["ids"])
    s = res.summary
    assert s.revenue_customers + s.revenue_without_purchase == pytest.approx(s.revenue_in)
    assert (r.rejected["value"].str.len().fillna(0) <= 1000).all()


APP_SUBSET = [
    "gbk.csv",
    "big5.csv",
    "binary.csv",
    "zip_bomb.xlsx",
    "xml_bomb.xlsx",
    "formulas.xlsx",
    "long_cell.csv",
    "html_ids.csv",
    "header_only.csv",
    "ragged.csv",
]


@pytest.mark.parametrize("name", APP_SUBSET)
def test_corpus_through_the_app_in_chinese(name):
    case = next(c for c in CASES if c.name == name)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.query_params["lang"] = "zh"
    at.run()
    at.switch_page("pages/data.py").run()
    at.file_uploader(key="upload_widget").set_value((name, case.data, "application/octet-stream")).run()
    assert not at.exception, [e.value for e in at.exception]
    metrics = {m.label: m.value for m in at.metric}
    if "error" in case.expect:
        assert at.error and "继续使用之前载入的数据" in at.error[0].value
        assert metrics["客户数"] == "4,000"  # the demo data stays loaded
    else:
        r = load(case.data, case.name).report
        balance = f"读取 {r.rows_read} 行 = 保留 {r.rows_kept} 行 + 拒绝 {r.rows_rejected} 行"
        assert any(balance in box.value for box in [*at.success, *at.warning])
        assert metrics["读取行数"] == f"{r.rows_read:,}"
