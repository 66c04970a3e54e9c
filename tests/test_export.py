"""Exports cannot run as spreadsheet formulas; numbers stay numbers."""

import io

import openpyxl
import pandas as pd
import pytest

from crm_core.export import safe_text, to_csv_bytes, to_excel_bytes


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=1+1", "'=1+1"),
        ("+cmd", "'+cmd"),
        ("-2", "'-2"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=x", "'\t=x"),
        ("\r=x", "'\r=x"),
        ("＝1+1", "'＝1+1"),
        ("＋1", "'＋1"),
        ("ok", "ok"),
        (-2, -2),
        (None, None),
    ],
)
def test_safe_text(value, expected):
    assert safe_text(value) == expected


FRAME = pd.DataFrame({'=HYPERLINK("x")': ["=cmd|' /C calc'!A0", "张三"], "amount": [-12.5, 3.0]})


def test_csv_export_neutralises_cells_and_headers_but_not_numbers():
    text = to_csv_bytes(FRAME).decode("utf-8-sig")
    back = pd.read_csv(io.StringIO(text))
    assert back.columns[0].startswith("'=")
    assert back.iloc[0, 0].startswith("'=") and back.iloc[1, 0] == "张三"
    assert back["amount"].tolist() == [-12.5, 3.0]


def test_excel_export_has_no_formula_cells():
    wb = openpyxl.load_workbook(io.BytesIO(to_excel_bytes(FRAME)))
    ws = wb.active
    cells = [c for row in ws.iter_rows() for c in row]
    assert all(c.data_type != "f" for c in cells)
    assert ws["B2"].value == -12.5 and ws["B2"].data_type == "n"
