"""Reading bytes: encodings, delimiters, Excel, Parquet and unusable files."""

import io
import zipfile

import pandas as pd
import pytest
from conftest import parquet_bytes, xlsx_bytes

from crm_core.errors import CrmError
from crm_core.readers import clean_headers, read_table

TEXT = "客户编号,交易日期,交易金额\n001,2024-03-05,12.5\n002,2024-03-06,8\n"


@pytest.mark.parametrize(
    ("encoding", "reported"),
    [("utf-8", "utf-8"), ("utf-8-sig", "utf-8"), ("gbk", "gb18030"), ("gb18030", "gb18030"), ("utf-16", "utf-16")],
)
def test_encodings(encoding, reported):
    raw = read_table(TEXT.encode(encoding), "x.csv")
    assert raw.encoding == reported
    assert list(raw.frame.columns) == ["客户编号", "交易日期", "交易金额"]
    assert raw.frame["客户编号"].tolist() == ["001", "002"]


@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"])
def test_delimiters(delimiter):
    raw = read_table(TEXT.replace(",", delimiter).encode(), "x.txt")
    assert raw.delimiter == delimiter
    assert raw.frame.shape == (2, 3)


def test_semicolon_file_with_decimal_commas():
    raw = read_table(b"id;date;amount\n1;2024-01-01;1.234,50\n", "x.csv")
    assert raw.delimiter == ";" and raw.frame["amount"].tolist() == ["1.234,50"]


def test_quoted_fields_and_row_numbers():
    text = 'id,date,amount\n1,2024-01-01,"1,234.50"\n2,2024-01-02,5,extra\n3,2024-01-03,"multi\nline"\n'
    raw = read_table(text.encode(), "x.csv")
    assert raw.frame["amount"].tolist() == ["1,234.50", "multi\nline"]
    assert raw.bad_lines == [(3, "2,2024-01-02,5,extra")]
    assert raw.row_numbers.tolist() == [2, 4]


def test_blank_and_repeated_headers_are_renamed():
    names, renamed = clean_headers(["金额", "", "金额", " 客户\u3000编号 "])
    assert names == ["金额", "column_2", "金额 (2)", "客户 编号"]
    assert set(renamed) == {"column_2", "金额 (2)", "客户 编号"}


@pytest.mark.parametrize(
    ("data", "name", "key"),
    [
        (b"", "x.csv", "error.empty_file"),
        (b"  \n\n", "x.csv", "error.empty_file"),
        (b"\x00\x01\x02binary\x00" * 50, "x.csv", "error.binary"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "old.xls", "error.old_excel"),
        (b"PK\x03\x04 not really a zip", "x.xlsx", "error.bad_excel"),
        (b"PAR1 not really parquet", "x.parquet", "error.bad_parquet"),
        (bytes([0x81, 0x30, 0xFF, 0xFF]) * 20, "x.csv", "error.encoding"),
    ],
)
def test_unusable_files(data, name, key):
    with pytest.raises(CrmError) as err:
        read_table(data, name)
    assert err.value.key == key


def test_over_size_limit():
    with pytest.raises(CrmError) as err:
        read_table(b"a,b\n1,2\n", "x.csv", max_bytes=4)
    assert err.value.key == "error.too_large"


def test_excel_title_rows_merged_cells_and_sheet_choice():
    data = xlsx_bytes(
        {
            "说明": [["只有说明"]],
            "订单": [
                ["2024年销售明细"],
                ["客户编号", "交易日期", "交易金额"],
                ["001", "2024-03-05", 12.5],
                [None, None, None],
            ],
            "其他": [["a", "b"], [1, 2]],
        },
        merge={"订单": "A1:C1"},
    )
    raw = read_table(data, "x.xlsx")
    assert raw.sheet == "订单" and raw.sheets == ["说明", "订单", "其他"]
    assert list(raw.frame.columns) == ["客户编号", "交易日期", "交易金额"]
    assert raw.row_numbers.tolist() == [3]
    assert read_table(data, "x.xlsx", sheet="其他").frame.shape == (1, 2)
    with pytest.raises(CrmError) as err:
        read_table(data, "x.xlsx", sheet="nope")
    assert err.value.key == "error.no_sheet"


def test_zip_bomb_is_refused_before_unpacking():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("xl/worksheets/sheet1.xml", b"0" * (50 * 1024 * 1024))
    with pytest.raises(CrmError) as err:
        read_table(buf.getvalue(), "bomb.xlsx")
    assert err.value.key == "error.zip_bomb"


def test_xml_entity_bomb_is_refused():
    good = xlsx_bytes({"s": [["id", "date", "amount"], ["1", "2024-01-01", 1]]})
    bomb = (
        '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        '<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        '<sheetData><row><c t="inlineStr"><is><t>&lol2;</t></is></c></row></sheetData></worksheet>'
    )
    src, out = zipfile.ZipFile(io.BytesIO(good)), io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        for item in src.infolist():
            data = bomb.encode() if item.filename == "xl/worksheets/sheet1.xml" else src.read(item)
            zf.writestr(item, data)
    with pytest.raises(CrmError) as err:
        read_table(out.getvalue(), "bomb.xlsx")
    assert err.value.key == "error.xlsx_dtd"


def test_parquet_keeps_types():
    frame = pd.DataFrame({"customer_id": ["001"], "order_date": pd.to_datetime(["2024-03-05"]), "amount": [1.5]})
    raw = read_table(parquet_bytes(frame), "x.parquet")
    assert raw.frame["amount"].dtype.kind == "f" and raw.frame["order_date"].dtype.kind == "M"
    assert raw.row_numbers.tolist() == [1]


@pytest.mark.parametrize("member", ["xl/worksheets/sheet1.xml", "xl/workbook.xml", "xl/styles.xml"])
def test_a_dtd_in_any_xml_part_is_refused_before_parsing(member):
    """Excel never writes a DTD; entities are how XML bombs expand. The pre-scan refuses one in
    any part, whichever library would have parsed it (or ignored it)."""
    good = xlsx_bytes({"s": [["id", "date", "amount"], ["1", "2024-01-01", 1]]})
    src, out = zipfile.ZipFile(io.BytesIO(good)), io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        for item in src.infolist():
            data = src.read(item)
            if item.filename == member:
                dtd = b'<!DOCTYPE x [<!ENTITY a "b">]>'
                data = data.replace(b"?>", b"?>" + dtd, 1) if b"?>" in data[:200] else dtd + data
            zf.writestr(item, data)
    with pytest.raises(CrmError) as err:
        read_table(out.getvalue(), "bomb.xlsx")
    assert err.value.key == "error.xlsx_dtd"


def test_too_many_columns_are_refused_before_parsing():
    import time

    header = ",".join(["name"] * 40_000)
    data = (header + "\n" + ",".join(["1"] * 40_000) + "\n").encode()
    start = time.perf_counter()
    with pytest.raises(CrmError) as err:
        read_table(data, "wide.csv")
    assert err.value.key == "error.too_many_columns" and err.value.params["columns"] == 40_000
    assert time.perf_counter() - start < 5  # refused within seconds, not minutes


def test_deeply_nested_or_huge_json_is_a_message():
    from crm_core.schemas import read_json

    for text in ("[" * 100_000 + "]" * 100_000, "[" + "1," * 600_000 + "1]", '{"rules":' * 13 + "1" + "}" * 13):
        with pytest.raises(CrmError) as err:
            read_json(text, "scheme")
        assert err.value.key == "error.scheme_json"


def test_a_stray_quote_rejects_its_line_only():
    # Line 3 opens a quoted field that never closes: a parser reads every later line into it.
    later = [f"{i:03d},2024-01-{1 + i % 28:02d},{i}" for i in range(3, 1004)]
    text = "\n".join(["customer_id,order_date,amount", "001,2024-01-01,5", '"002,2024-01-02,6', *later]) + "\n"
    raw = read_table(text.encode(), "x.csv")
    assert raw.frame["customer_id"].tolist() == ["001"] + [line.split(",")[0] for line in later]
    assert raw.row_numbers.tolist() == [2, *range(4, 4 + len(later))]  # the file's own row numbers
    assert raw.bad_lines == [(3, '"002,2024-01-02,6')]
    assert len(raw.frame) + len(raw.bad_lines) == text.count("\n") - 1  # every data line accounted for
    assert [k for _, k, _ in raw.notes] == ["note.stray_quote"]


def test_a_stray_quote_before_more_bad_lines_keeps_their_row_numbers():
    lines = ["customer_id,order_date,amount", "1,2024-01-01,5", '"2,2024-01-02,6', "3,2024-01-03,7", "4,2024-01-04,8,9"]
    text = "\n".join([*lines, "5,2024-01-05,9"]) + "\n"
    raw = read_table(text.encode(), "x.csv")
    assert dict(zip(raw.row_numbers.tolist(), raw.frame["customer_id"], strict=True)) == {2: "1", 4: "3", 6: "5"}
    assert [n for n, _ in raw.bad_lines] == [3, 5]


def test_a_file_half_utf8_half_gbk_reads_both_halves():
    names = [f"客户{i}" for i in range(40)]
    head = "customer_id,order_date,amount\n" + "".join(f"{n},2024-01-03,7\n" for n in names[:20])
    tail = "".join(f"{n},2024-01-04,8\n" for n in names[20:])
    raw = read_table(head.encode("utf-8") + tail.encode("gbk"), "x.csv")
    assert raw.frame["customer_id"].tolist() == names
    assert raw.notes == [("warning", "note.mixed_encoding", {"lines": 20, "encoding": "gb18030"})]


def test_a_gbk_file_is_not_taken_for_mixed():
    raw = read_table(TEXT.encode("gbk"), "x.csv")
    assert raw.encoding == "gb18030" and raw.notes == []


def test_cells_longer_than_the_csv_module_allows():
    long_id = "y" * 300_000  # Python's csv module stops at 131,072 characters by default
    raw = read_table(f"customer_id,order_date,amount\n{long_id},2024-01-01,5\n2,2024-01-02,6\n".encode(), "x.csv")
    assert raw.frame["customer_id"].str.len().tolist() == [300_000, 1]
    with pytest.raises(CrmError) as err:
        read_table(("h" * 140_000 + ",order_date,amount\n1,2024-01-01,5\n").encode(), "x.csv")
    assert err.value.key == "error.long_header" and "140000" in str(err.value)


def test_one_overlong_line_does_not_hide_the_header():
    text = "customer_id,order_date,amount\n1,2024-01-01,5" + ",1" * 400 + "\n2,2024-01-02,6\n"
    raw = read_table(text.encode(), "x.csv")
    assert list(raw.frame.columns) == ["customer_id", "order_date", "amount"] and not raw.headerless
    assert raw.frame["customer_id"].tolist() == ["2"] and [n for n, _ in raw.bad_lines] == [2]


def test_nested_parquet_columns_are_kept_as_text():
    from corpus import _parquet_nested  # ids, dates, amounts, a list column and a struct column

    raw = read_table(_parquet_nested(), "x.parquet")
    assert raw.frame["tags"].tolist() == ["[1, 2]", "[3]", "[]"]
    assert raw.frame["meta"].tolist()[:2] == ['{"x": 1}', '{"x": 2}'] and pd.isna(raw.frame["meta"].iloc[2])
    assert raw.frame["amount"].tolist() == [1.0, 2.0, 3.0]  # flat columns keep their types
    assert raw.notes == [("info", "note.nested_columns", {"columns": "tags, meta"})]


@pytest.mark.parametrize(
    ("xml", "shape"),
    [
        # Excel's own form: references first; a formatted empty cell far right does not count
        (
            b'<row r="1"><c r="A1" t="s"><v>0</v></c><c r="XFD1" s="3"/></row><row r="9"><c r="C9"><v>1</v></c></row>',
            (9, 3, 2),
        ),
        # another attribute order
        (b'<row r="2"><c s="1" r="AB2"><v>1</v></c></row>', (2, 28, 1)),
        # references left out (allowed): cells and rows follow each other
        (b"<row><c><v>1</v></c><c><v>2</v></c></row><row><c><v>3</v></c></row>", (2, 2, 3)),
    ],
)
def test_sheet_scan_measures_without_parsing(xml, shape):
    from crm_core.readers import scan_sheet

    body = b'<worksheet xmlns="x"><sheetData>' + xml + b"</sheetData></worksheet>"
    for chunk in (7, 1 << 22):  # tags split across blocks are found whole
        got = scan_sheet(io.BytesIO(body), chunk=chunk)
        assert (got.rows, got.columns, got.cells) == shape
