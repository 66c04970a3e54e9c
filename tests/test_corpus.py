"""Every file of the hostile corpus: a clear error or a report whose counts add up."""

import csv
import datetime as dt
import io
import math
import time

import openpyxl
import pytest
from conftest import ROOT, open_app
from corpus import cases
from streamlit.testing.v1 import AppTest

from crm_core.bullseye import default_catalogue, load_catalogue, load_scenario
from crm_core.classroom import key_accounts
from crm_core.errors import CrmError
from crm_core.export import FORMULA_STARTS, to_csv_bytes, to_excel_bytes
from crm_core.ingest import LoadOptions, load
from crm_core.limits import REFUSAL_SECONDS
from crm_core.readers import read_table
from crm_core.segments import load_scheme

CASES = cases()


def options(case):
    opts = dict(case.options)
    if "as_of" in opts:
        opts["as_of"] = dt.date.fromisoformat(opts["as_of"])
    return LoadOptions(**opts)


def test_the_corpus_is_large_enough():
    assert len(CASES) >= 100 and len({c.name for c in CASES}) == len(CASES)
    kinds = {c.kind for c in CASES}
    assert kinds == {"data", "rules", "catalogue", "scenario", "accounts", "url"}
    # markup reaches every kind of file the app shows names from
    assert {c.kind for c in CASES if c.markup} == {"data", "rules", "catalogue", "scenario"}


def read_case(case):
    """What the app (or the CLI, for key accounts) does with the case's file."""
    if case.kind == "data":
        return load(case.data, case.name, options(case))
    if case.kind == "rules":
        return load_scheme(case.data)
    if case.kind == "catalogue":
        return load_catalogue(case.data)
    if case.kind == "scenario":
        return load_scenario(case.data, default_catalogue())
    if case.kind == "accounts":
        return key_accounts(read_table(case.data, case.name).frame)
    raise AssertionError(case.kind)


FILES = [c for c in CASES if c.kind != "url"]


@pytest.mark.parametrize("case", FILES, ids=[c.name for c in FILES])
def test_corpus_file(case):
    expect = case.expect
    if "error" in expect:
        start = time.perf_counter()
        with pytest.raises(CrmError) as err:
            read_case(case)
        assert time.perf_counter() - start < REFUSAL_SECONDS, "a refusal must come quickly"
        assert err.value.key == expect["error"]
        for lang in ("en", "zh"):
            message = err.value.message(lang)
            assert message and "{" not in message.replace("{…}", "") and "Traceback" not in message
        return
    res = read_case(case)
    if case.kind != "data":
        assert expect == {"ok": True}
        return
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


@pytest.mark.parametrize("case", FILES, ids=[c.name for c in FILES])
def test_exports_of_corpus_tables_hold_no_live_formula(case):
    """What a loaded file can export: customers and rejected rows, as CSV and Excel."""
    if case.kind != "data" or "error" in case.expect:
        return
    res = read_case(case)
    for frame in (res.customers, res.report.rejected):
        text = to_csv_bytes(frame).decode("utf-8-sig")
        for row in csv.reader(io.StringIO(text, newline=""), dialect="excel"):
            for cell in row:
                for line in cell.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
                    assert not line.startswith(FORMULA_STARTS), repr(cell)
        ws = openpyxl.load_workbook(io.BytesIO(to_excel_bytes(frame))).active
        assert all(c.data_type != "f" for row in ws.iter_rows() for c in row)


URLS = [c for c in CASES if c.kind == "url"]


@pytest.mark.parametrize("case", URLS, ids=[c.name for c in URLS])
def test_hostile_link_settings(case):
    params = dict(case.options["params"])
    at = open_app(case.options["page"], lang=params.pop("lang", None), **params)  # fails on any exception
    for key, value in case.expect["state"].items():
        assert at.session_state[key] == value, key
    if any(str(v) != str(params.get(k)) for k, v in case.expect["state"].items()):
        assert any("link" in toast.value or "链接" in toast.value for toast in at.toast)  # the user is told
    for key in ("r_split", "f_split", "m_split", "vm_f_value", "vm_s_value", "lc_v_value", "lc_p_value"):
        if key in at.session_state:
            assert math.isfinite(float(at.session_state[key])), key


UPLOADERS = {
    "rules": ("pages/rfm.py", "rules_upload", {"scheme": "custom"}),
    "scenario": ("pages/bullseye.py", "bs_upload", {}),
}


@pytest.mark.parametrize("kind", sorted(UPLOADERS))
def test_every_json_file_on_its_page(kind):
    """Each rules or scenario file of the corpus uploaded on the page that takes it, one after
    another in one session: never an exception; a refused file leaves the previous state."""
    page, key, query = UPLOADERS[kind]
    at = open_app(page, **query)
    for case in [c for c in CASES if c.kind == kind]:
        at.file_uploader(key=key).set_value((case.name, case.data, "application/json")).run()
        assert not at.exception, (case.name, [e.value for e in at.exception])
        if "error" in case.expect:
            assert at.error, case.name


def test_every_catalogue_on_the_bullseye_page():
    at = open_app("pages/bullseye.py")
    for case in [c for c in CASES if c.kind == "catalogue"]:
        at.file_uploader(key="bs_cat_upload").set_value((case.name, case.data, "application/json")).run()
        assert not at.exception, (case.name, [e.value for e in at.exception])
        if "error" in case.expect:
            assert at.error, case.name


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
