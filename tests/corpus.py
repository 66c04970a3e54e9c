"""A generated corpus of hostile and messy uploads, each with its expected outcome.

    python tests/corpus.py OUTDIR     # writes the files and OUTDIR/expected.json

Nothing large is committed: the files are made on the fly (tests use a temporary folder).
An outcome is either ``{"error": KEY}`` (one clear message, nothing loaded) or a load whose
report must hold the listed figures (and always rows_read = kept + rejected).
"""

from __future__ import annotations

import io
import json
import sys
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

HEAD = "customer_id,order_date,amount\n"
ROWS = "001,2024-03-05,12.50\n002,2024-03-06,8\n003,2024-03-07,100\n"
ZH = "客户编号,交易日期,交易金额\n001,2024年3月5日,￥12.50\n002,2024/3/6,8\n"


@dataclass
class Case:
    name: str
    data: bytes
    expect: dict  # {"error": key} or {"kept": n, "rejected": {...}, "notes": [...], "repairs": {...}}
    options: dict = field(default_factory=dict)  # LoadOptions fields


def _xlsx(sheets: dict[str, list[list]], merge: dict[str, str] | None = None) -> bytes:
    from conftest import xlsx_bytes  # the same workbook builder as the tests

    return xlsx_bytes(sheets, merge)


def _replace_in_zip(data: bytes, member: str, content: bytes) -> bytes:
    src, out = zipfile.ZipFile(io.BytesIO(data)), io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for item in src.infolist():
            zf.writestr(item, content if item.filename == member else src.read(item))
    return out.getvalue()


def cases() -> list[Case]:
    good_xlsx = _xlsx({"data": [["customer_id", "order_date", "amount"], ["001", "2024-03-05", 12.5]]})
    bomb = (
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;">'
        b'<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;">]>'
        b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row>'
        b'<c t="inlineStr"><is><t>&lol3;</t></is></c></row></sheetData></worksheet>'
    )
    zip_bomb = io.BytesIO()
    with zipfile.ZipFile(zip_bomb, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("xl/worksheets/sheet1.xml", b"\0" * (80 * 2**20))
    long_cell = "x" * 100_000
    out = [
        Case("utf8.csv", (HEAD + ROWS).encode(), {"kept": 3}),
        Case("utf8_bom.csv", (HEAD + ROWS).encode("utf-8-sig"), {"kept": 3}),
        Case("gbk.csv", ZH.encode("gbk"), {"kept": 2, "repairs": {"amount_text": 1}}),
        Case("gb18030.csv", (ZH + "00𠀀,2024-03-08,5\n").encode("gb18030"), {"kept": 3}),
        Case(
            "big5.csv",
            "客戶編號,交易日期,交易金額\n001,2024-03-05,12\n".encode("big5"),
            {"error": "error.missing_columns"},
        ),
        Case(
            "big5_declared.csv",
            "客戶編號,交易日期,交易金額\n001,2024-03-05,12\n".encode("big5"),
            {"kept": 1},
            {
                "encoding": "big5",
                "columns": (("amount", "交易金額"), ("customer_id", "客戶編號"), ("order_date", "交易日期")),
            },
        ),
        Case("utf16.csv", (HEAD + ROWS).encode("utf-16"), {"kept": 3}),
        Case(
            "mixed_encoding.csv",
            (HEAD + "001,2024-03-05,12\n").encode() + "002,2024-03-06,8 张三\n".encode("gbk"),
            {"kept": 1, "rejected": {"bad_amount": 1}},
        ),
        Case("semicolon.csv", (HEAD + ROWS).replace(",", ";").encode(), {"kept": 3}),
        Case("tab.tsv", (HEAD + ROWS).replace(",", "\t").encode(), {"kept": 3}),
        Case("pipe.txt", (HEAD + ROWS).replace(",", "|").encode(), {"kept": 3}),
        Case(
            "quoted.csv",
            (HEAD + '001,2024-03-05,"1,234.50"\n"0,02",2024-03-06,"8"\n').encode(),
            {"kept": 2, "repairs": {"amount_text": 1}},
        ),
        Case("dup_headers.csv", b"customer_id,order_date,amount,amount\n001,2024-03-05,12,13\n", {"kept": 1}),
        Case("blank_headers.csv", b"customer_id,,order_date,amount,\n001,x,2024-03-05,12,y\n", {"kept": 1}),
        Case(
            "fullwidth_headers.csv", "　客户编号　,交易日期 ,交易金额（元）\n001,2024-03-05,12\n".encode(), {"kept": 1}
        ),
        Case("empty.csv", b"", {"error": "error.empty_file"}),
        Case("header_only.csv", HEAD.encode(), {"error": "error.no_rows"}),
        Case("binary.csv", bytes(range(256)) * 40, {"error": "error.binary"}),
        Case("old.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, {"error": "error.old_excel"}),
        Case(
            "sheets.xlsx",
            _xlsx(
                {
                    "notes": [["read me"]],
                    "orders": [
                        ["customer_id", "order_date", "amount"],
                        ["001", "2024-03-05", 12.5],
                        ["002", "2024-03-06", 3],
                    ],
                }
            ),
            {"kept": 2},
        ),
        Case(
            "merged_title.xlsx",
            _xlsx(
                {"s": [["Sales 2024"], ["customer_id", "order_date", "amount"], ["001", "2024-03-05", 1]]},
                merge={"s": "A1:C1"},
            ),
            {"kept": 1},
        ),
        Case(
            "serial_dates.xlsx",
            _xlsx({"s": [["customer_id", "order_date", "amount"], ["001", 45356, 1], ["002", 45357, 2]]}),
            {"kept": 2, "repairs": {"excel_serial_date": 2}},
        ),
        Case(
            "formulas.xlsx",
            _xlsx(
                {
                    "s": [
                        ["customer_id", "order_date", "amount"],
                        ["001", "2024-03-05", "=1+1"],
                        ["002", "2024-03-06", 5],
                    ]
                }
            ),
            {"kept": 1, "rejected": {"bad_amount": 1}},
        ),
        Case("wrong_sheet.xlsx", good_xlsx, {"error": "error.no_sheet"}, {"sheet": "nope"}),
        Case(
            "dates_out_of_range.csv",
            (HEAD + "001,1850-01-01,5\n002,2200-01-01,5\n003,2024-03-05,5\n").encode(),
            {"kept": 1, "rejected": {"bad_date": 2}},
        ),
        Case(
            "after_as_of.csv",
            (HEAD + ROWS).encode(),
            {"kept": 1, "rejected": {"after_as_of": 2}},
            {"as_of": "2024-03-05"},
        ),
        Case(
            "ambiguous_day_month.csv",
            (HEAD + "001,03/05/2024,5\n002,04/06/2024,5\n").encode(),
            {"kept": 2, "notes": ["note.date_order"]},
        ),
        # an unquoted "¥1,234.50" splits into one field too many: nothing usable is left
        Case("unquoted_thousands.csv", (HEAD + "001,2024-03-05,¥1,234.50\n").encode(), {"error": "error.nothing_kept"}),
        Case(
            "amount_formats_quoted.csv",
            (
                HEAD + '001,2024-03-05,"¥1,234.50"\n002,2024-03-05,$12\n'
                "003,2024-03-05,(12.00)\n004,2024-03-05,１２３\n"
                "005,2024-03-05,1234.5元\n"
            ).encode(),
            {"kept": 5, "repairs": {"amount_text": 5}},
        ),
        Case(
            "decimal_comma.csv",
            b"customer_id;order_date;amount\n001;2024-03-05;1.234,50\n002;2024-03-05;7\n",
            {"kept": 1, "rejected": {"bad_amount": 1}, "notes": ["note.comma_decimal"]},
        ),
        Case(
            "decimal_comma_declared.csv",
            b"customer_id;order_date;amount\n001;2024-03-05;1.234,50\n",
            {"kept": 1},
            {"decimal": ","},
        ),
        Case(
            "nan_inf.csv",
            (HEAD + "001,2024-03-05,nan\n002,2024-03-05,inf\n003,2024-03-05,-inf\n004,2024-03-05,5\n").encode(),
            {"kept": 1, "rejected": {"bad_amount": 3}},
        ),
        Case(
            "huge_numbers.csv",
            (HEAD + "001,2024-03-05,1e20\n002,2024-03-05,99999999999999999999\n003,2024-03-05,5\n").encode(),
            {"kept": 1, "rejected": {"bad_amount": 2}},
        ),
        Case(
            "long_cell.csv",
            (HEAD.strip() + ",note\n001,2024-03-05,5," + long_cell + "\n002,bad,5,x\n").encode(),
            {"kept": 1, "rejected": {"bad_date": 1}},
        ),
        Case(
            "ids_18_digits.csv",
            (HEAD + "110101199001011234,2024-03-05,5\n000000000000000001,2024-03-05,5\n").encode(),
            {"kept": 2, "ids": ["110101199001011234", "000000000000000001"]},
        ),
        Case("oversize.csv", (HEAD + ROWS * 100).encode(), {"error": "error.too_large"}, {"max_bytes": 1000}),
        Case(
            "xml_bomb.xlsx", _replace_in_zip(good_xlsx, "xl/worksheets/sheet1.xml", bomb), {"error": "error.bad_excel"}
        ),
        Case("zip_bomb.xlsx", zip_bomb.getvalue(), {"error": "error.zip_bomb"}),
        Case("fake.xlsx", b"PK\x03\x04 this is not a workbook", {"error": "error.bad_excel"}),
        Case(
            "ragged.csv",
            (HEAD + "001,2024-03-05,5\n002,2024-03-05,5,extra\n003\n").encode(),
            {"kept": 1, "rejected": {"bad_line": 2}},
        ),
        Case(
            "formula_text.csv", (HEAD + "=cmd|' /C calc'!A0,2024-03-05,5\n@SUM(1),2024-03-05,6\n").encode(), {"kept": 2}
        ),
        Case(
            "html_ids.csv",
            (HEAD + '"<img src=x onerror=alert(1)>",2024-03-05,5\n').encode(),
            {"kept": 1, "ids": ["<img src=x onerror=alert(1)>"]},
        ),
        Case("no_usable_columns.csv", b"a,b,c\n1,2,3\n", {"error": "error.missing_columns"}),
    ]
    return out


def write(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    expected = {}
    for case in cases():
        (folder / case.name).write_bytes(case.data)
        expected[case.name] = {
            "expect": case.expect,
            "options": {k: list(v) if isinstance(v, tuple) else v for k, v in case.options.items()},
        }
    (folder / "expected.json").write_text(json.dumps(expected, ensure_ascii=False, indent=1), encoding="utf-8")


if __name__ == "__main__":
    write(Path(sys.argv[1] if len(sys.argv) > 1 else "corpus"))
