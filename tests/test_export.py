"""Exports cannot run as spreadsheet formulas; numbers stay numbers."""

import csv
import io

import openpyxl
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crm_core.export import safe_text, to_csv_bytes, to_excel_bytes


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=1+1", "'=1+1"),
        ("+cmd", "'+cmd"),
        ("-2", "'-2"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=x", "'\t=x"),
        ("\r=x", "'\r'=x"),  # the line after the CR is neutralised too
        ("ok\n@x", "ok\n'@x"),
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


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(max_size=30), min_size=1, max_size=8))
def test_no_exported_cell_or_line_in_a_cell_can_start_a_formula(cells):
    """Arbitrary text (line breaks, CR, tabs, full-width signs) read back as Excel would: one
    row per record, and no cell, nor any line inside a cell, starts like a formula."""
    frame = pd.DataFrame({"text": cells, "n": range(len(cells))})
    text = to_csv_bytes(frame).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text, newline=""), dialect="excel"))
    assert len(rows) == len(cells) + 1  # a line break inside a cell never starts a new row
    starts = ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")
    for row in rows[1:]:
        for cell in row:
            for line in cell.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
                assert not line.startswith(starts), repr(cell)


def test_the_carriage_return_injection_from_the_hostile_test():
    frame = pd.DataFrame({"customer_id": ["x\r=cmd|' /C calc'!A0", "ok"]})
    raw = to_csv_bytes(frame).decode("utf-8-sig")
    assert "\r'=cmd" in raw and raw.count('"') >= 2  # neutralised and quoted
    rows = list(csv.reader(io.StringIO(raw, newline="")))
    assert [r[0] for r in rows] == ["customer_id", "x\r'=cmd|' /C calc'!A0", "ok"]


def test_chart_labels_from_files_are_text_not_markup():
    import numpy as np

    from crm_core.charts import migration_heatmap, plain, segment_bars

    evil = '<a href="javascript:alert(1)">x</a><img src=http://e/b.png>'
    assert "<" not in plain(evil) and ">" not in plain(evil)
    bars = segment_bars(
        pd.DataFrame({"pct_customers": [50.0, 50.0], "pct_revenue": [40.0, 60.0]}), [evil, "ok"], "c", "r", "t"
    )
    assert all("<" not in str(v) for trace in bars.data for v in trace.y)
    heat = migration_heatmap(pd.DataFrame(np.ones((1, 1))), [evil], [evil], "t")
    assert "<" not in "".join(map(str, heat.data[0].x)) + "".join(map(str, heat.data[0].y))


def test_printable_page_escapes_names_from_a_catalogue():
    from crm_core.charts import printable

    evil = '<a href="x">G</a>'
    fig = printable(evil, evil, [evil, "b"], [50.0, 60.0], ["group", evil], [[evil, "1"]], f"fix: <i>{evil}</i>")
    texts = [fig.layout.title.text, *fig.data[0].theta]
    for trace in fig.data[1:]:
        texts += [str(v) for col in trace.cells.values for v in col] + [str(v) for v in trace.header.values]
    assert not [x for x in texts if "<a" in x or "<i>" in x]


@settings(max_examples=100, deadline=None)
@given(st.lists(st.text(max_size=20), min_size=1, max_size=6), st.text(max_size=40))
def test_excel_export_holds_any_text(cells, sheet):
    """Any text, control characters included, makes a workbook (openpyxl refuses C0 controls):
    each cell reads back as written, a forbidden character shown as U+FFFD, and none runs."""
    frame = pd.DataFrame({"text": cells})
    ws = openpyxl.load_workbook(io.BytesIO(to_excel_bytes(frame, sheet))).active
    back = [r[0] for r in ws.iter_rows(min_row=2, values_only=True)]
    allowed = {"\t", "\n", "\r"}
    for written, read in zip(cells, back, strict=True):
        expected = "".join(
            "\ufffd" if (ord(ch) < 32 and ch not in allowed) or ch in "\ufffe\uffff" else ch for ch in written
        )

        def lf(text: str) -> str:  # XML reads CRLF and CR in text as LF (line-end normalisation)
            return text.replace("\r\n", "\n").replace("\r", "\n")

        assert lf(read or "") == lf(safe_text(expected) or "")
    assert all(c.data_type != "f" for row in ws.iter_rows() for c in row)


def test_bare_addresses_in_user_text_cannot_be_autolinked():
    """GFM turns http://…, www.… and a@b.c in text into links after parsing; md_escape breaks
    the pattern with an invisible word joiner, so the text reads the same and links nowhere."""
    import re

    from ui.widgets import WORD_JOINER, md_escape

    for text in ("see http://evil.example/x.csv", "www.evil.example", "mail a@evil.example", "HTTPS://X.Y"):
        out = md_escape(text)
        assert out.replace(WORD_JOINER, "").replace("\\", "") == text  # reads as written
        shown = out.replace("\\", "")
        assert not re.search(r"(?i)https?://|www\.|@\w", shown), shown  # no pattern an autolinker takes


def test_categorical_labels_are_made_safe_too():
    frame = pd.DataFrame({"segment": pd.Categorical(['=HYPERLINK("x")', "ok", '=HYPERLINK("x")']), "n": [1, 2, 3]})
    rows = list(csv.reader(io.StringIO(to_csv_bytes(frame).decode("utf-8-sig"))))
    assert [r[0] for r in rows[1:]] == ['\'=HYPERLINK("x")', "ok", '\'=HYPERLINK("x")']
    sheet = openpyxl.load_workbook(io.BytesIO(to_excel_bytes(frame))).active
    assert [sheet.cell(row=i, column=1).data_type for i in (2, 3, 4)] == ["s", "s", "s"]
    assert sheet.cell(row=2, column=1).value == '\'=HYPERLINK("x")'


def test_excel_downloads_carry_the_filters_on_an_about_sheet_and_in_the_file_name():
    import openpyxl

    from crm_core.export import to_excel_bytes
    from ui.widgets import export_stem

    frame = pd.DataFrame({"customer_id": ["a", "b"], "monetary": [1.0, 2.0]})
    book = openpyxl.load_workbook(io.BytesIO(to_excel_bytes(frame, "rfm", ["Filters: region=杭州", "=HYPERLINK(1)"])))
    assert book.sheetnames == ["rfm", "about"]
    assert [r[0] for r in book["about"].iter_rows(values_only=True)] == ["Filters: region=杭州", "'=HYPERLINK(1)"]
    assert [c.value for c in book["rfm"][1]] == ["customer_id", "monetary"]  # the data sheet stays one table
    plain = openpyxl.load_workbook(io.BytesIO(to_excel_bytes(frame, "rfm")))
    assert plain.sheetnames == ["rfm"]
    assert export_stem("rfm_customers", "2024-01-01.. region=杭州,宁波") == "rfm_customers__2024-01-01_region_杭州_宁波"
    assert export_stem("rfm_customers", "") == "rfm_customers"
