import io
import sys
from pathlib import Path

import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

ARTIFACTS = ROOT / "tests" / "artifacts"


def csv_bytes(text: str, encoding: str = "utf-8") -> bytes:
    return text.encode(encoding)


def xlsx_bytes(sheets: dict[str, list[list]], merge: dict[str, str] | None = None) -> bytes:
    """A workbook with the given rows per sheet (first sheet first)."""
    import openpyxl

    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, rows in sheets.items():
        ws = wb.create_sheet(name)
        for row in rows:
            ws.append(row)
        if merge and name in merge:
            ws.merge_cells(merge[name])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def parquet_bytes(frame: pd.DataFrame) -> bytes:
    buf = io.BytesIO()
    frame.to_parquet(buf, index=False)
    return buf.getvalue()


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


def pytest_configure(config):
    # a label whose {placeholders} do not fit the parameters given is a failing test, not quiet text
    import crm_core.i18n

    crm_core.i18n.STRICT = True


def open_app(page: str | None = None, lang: str | None = "en", timeout: int = 120, **query):
    """The one AppTest opener: the app from its home page (as a visitor arrives), with ``lang``
    and any URL parameters, switched to ``page``; fails on any exception."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=timeout)
    if lang:
        at.query_params["lang"] = lang
    for k, v in query.items():
        at.query_params[k] = v
    at.run()
    if page is not None:
        at.switch_page(page).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def uploaded(at, name: str, data: bytes, mime: str = "text/csv"):
    """``at`` after uploading ``data`` on the Data page's uploader."""
    return at.file_uploader(key="upload_widget").set_value((name, data, mime)).run()


@pytest.fixture(scope="session")
def demo_result():
    """The bundled demo data loaded once (the figures the app shows on it are checked against it)."""
    from crm_core import demo
    from crm_core.ingest import LoadOptions, load

    data, name = demo.demo_bytes("demo")
    return load(data, name, LoadOptions())
