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
    options: dict = field(default_factory=dict)  # LoadOptions fields; for kind "url": page and params
    # What the file is: data (a table to analyse), rules (RFM segment rules), catalogue or
    # scenario (Bullseye), accounts (key-account scores, CLI), url (a shared link's parameters).
    kind: str = "data"
    markup: bool = False  # carries markup in a field the app shows: the browser test looks at it


def _xlsx(sheets: dict[str, list[list]], merge: dict[str, str] | None = None) -> bytes:
    from conftest import xlsx_bytes  # the same workbook builder as the tests

    return xlsx_bytes(sheets, merge)


def _replace_in_zip(data: bytes, member: str, content: bytes) -> bytes:
    src, out = zipfile.ZipFile(io.BytesIO(data)), io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for item in src.infolist():
            zf.writestr(item, content if item.filename == member else src.read(item))
        if member not in src.namelist():
            zf.writestr(member, content)
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
            "xml_bomb.xlsx", _replace_in_zip(good_xlsx, "xl/worksheets/sheet1.xml", bomb), {"error": "error.xlsx_dtd"}
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
    return out + round_two()


# ------------------------------------------------------------------ round two (issue 17)
# Markup a file can carry into a page: images that fetch (a tracking beacon), links (also
# javascript:), raw HTML, emphasis and headings, bare URLs that an autolinker turns into links,
# Streamlit's colour and icon directives and LaTeX. Every outside address is on evil.example, so
# the browser test can look for that name in any href or src.
MARKUP = (
    "![beacon](http://evil.example/b.png)",
    "[click](javascript:alert(1))",
    '<a href="http://evil.example/x">link</a>',
    '<img src="http://evil.example/i.png" onerror="alert(1)">',
    "# Heading **bold** _it_ `code` see http://evil.example/www",
    "www.evil.example/page and <http://evil.example/auto>",
    ":red[red] :material/home: $x^2$ [ref][1]\n\n[1]: http://evil.example/ref",
)


def _json(value) -> bytes:
    return json.dumps(value, ensure_ascii=False).encode()


def _rules(label: str = "Best", **extra) -> dict:
    return {
        "key": "mine",
        "name": {"en": label, "zh": label},
        "rules": [
            {
                "key": "best",
                "when": {"r": "high", "f": "high"},
                "label": {"en": label, "zh": label},
                "action": {"en": label, "zh": label},
            },
            {"key": "rest", "when": {"r": "low"}},
        ],
        **extra,
    }


def _catalogue(label: str = "Criterion", n: int = 3) -> dict:
    return {
        "key": "mine",
        "title": {"en": label, "zh": label},
        "groups": [{"key": "g", "label": {"en": label, "zh": label}}],
        "criteria": [
            {
                "key": f"c{i}",
                "group": "g",
                "label": {"en": label, "zh": label},
                "low": label,
                "high": label,
                "weight": 1,
            }
            for i in range(n)
        ],
    }


def _nested(depth: int, leaf: str = "1") -> str:
    return '{"rules":' + "[" * depth + leaf + "]" * depth + "}"


def round_two() -> list[Case]:
    out: list[Case] = []
    # --- markup in every user-named field of every kind of file
    for i, m in enumerate(MARKUP, start=1):
        out.append(Case(f"rules_markup_{i}.json", _json(_rules(m)), {"ok": True}, kind="rules", markup=True))
        out.append(
            Case(f"catalogue_markup_{i}.json", _json(_catalogue(m)), {"ok": True}, kind="catalogue", markup=True)
        )
        scenario = {"name": m, "name_zh": m, "scores": {"known_brand": 7}, "notes": {"known_brand": m}}
        out.append(Case(f"scenario_markup_{i}.json", _json(scenario), {"ok": True}, kind="scenario", markup=True))
    rows = "".join(f'"{m.replace(chr(34), chr(34) * 2)}",2024-03-0{i},{i}\n' for i, m in enumerate(MARKUP, 1))
    out.append(Case("ids_markup.csv", (HEAD + rows).encode(), {"kept": 7, "ids": list(MARKUP)}, markup=True))
    header = "customer_id,order_date,amount," + ",".join(f'"{m.replace(chr(34), chr(34) * 2)}"' for m in MARKUP)
    out.append(Case("headers_markup.csv", (header + "\n" + "001,2024-03-05,5" + ",x" * 7 + "\n").encode(), {"kept": 1}))
    channel = "".join(
        f'00{i},2024-03-0{i},{i},"{m.replace(chr(34), chr(34) * 2)}",CNY\n' for i, m in enumerate(MARKUP, 1)
    )
    out.append(
        Case(
            "channels_markup.csv", ("customer_id,order_date,amount,channel,currency\n" + channel).encode(), {"kept": 7}
        )
    )
    currency = "".join(f'00{i},2024-03-0{i},{i},"{m.replace(chr(34), chr(34) * 2)}"\n' for i, m in enumerate(MARKUP, 1))
    out.append(
        Case("currency_markup.csv", ("customer_id,order_date,amount,currency\n" + currency).encode(), {"kept": 7})
    )
    out.append(
        Case(
            "sheet_markup.xlsx",
            _xlsx(
                {"<img src=x onerror=alert(1)>": [["customer_id", "order_date", "amount"], ["001", "2024-03-05", 1]]}
            ),
            {"kept": 1},
            markup=True,
        )
    )
    accounts = "account_id,attractiveness,strength\n" + "".join(
        f'"{m.replace(chr(34), chr(34) * 2)}",{i},{10 - i}\n' for i, m in enumerate(MARKUP, 1)
    )
    out.append(Case("accounts_markup.csv", accounts.encode(), {"ok": True}, kind="accounts"))

    # --- rule files: nested, mistyped, non-finite, too many, too long
    bad_rules = {
        "rules_nested_10000.json": (_nested(10_000).encode(), "error.scheme_json"),
        "rules_nested_13.json": (_nested(13).encode(), "error.scheme_json"),
        "rules_not_json.json": (b"{rules: [}", "error.scheme_json"),
        "rules_nan.json": (b'{"rules": [{"key": "a", "when": {"r_score": [1, NaN]}}]}', "error.scheme_json"),
        "rules_infinity.json": (b'{"rules": [{"key": "a", "when": {"r_score": [1, Infinity]}}]}', "error.scheme_json"),
        "rules_huge_number.json": (b'{"rules": [{"key": "a", "when": {"r_score": [1, 1e308]}}]}', "error.json_field"),
        "rules_bigint.json": (
            ('{"rules": [{"key": "a", "when": {"r_score": [1, 1' + "0" * 400 + "]}}]}").encode(),
            "error.json_field",
        ),
        "rules_list.json": (b"[1, 2]", "error.json_field"),
        "rules_null.json": (b"null", "error.json_field"),
        "rules_string.json": (b'"rules"', "error.json_field"),
        "rules_empty_object.json": (b"{}", "error.json_field"),
        "rules_rules_string.json": (b'{"rules": "all"}', "error.json_field"),
        "rules_rule_list.json": (b'{"rules": [["a"]]}', "error.json_field"),
        "rules_when_list.json": (b'{"rules": [{"key": "a", "when": ["r", "high"]}]}', "error.json_field"),
        "rules_label_list.json": (_json(_rules() | {"name": ["x"]}), "error.json_field"),
        "rules_key_number.json": (b'{"rules": [{"key": 5, "when": {"r": "high"}}]}', "error.json_field"),
        "rules_unknown_dim.json": (b'{"rules": [{"key": "a", "when": {"q": "high"}}]}', "error.json_field"),
        "rules_101.json": (
            _json({"rules": [{"key": f"k{i}", "when": {"r_score": [1, 1]}} for i in range(101)]}),
            "error.json_field",
        ),
        "rules_long_label.json": (_json(_rules("x" * 5000)), "error.json_field"),
        "rules_2mb.json": (_json(_rules() | {"padding": "x" * 2_000_000}), "error.scheme_json"),
        "rules_overlap.json": (
            b'{"rules": [{"key": "a", "when": {"r": "high"}}, {"key": "b", "when": {"f": "high"}}]}',
            "error.rule_overlap",
        ),
        "rules_duplicate.json": (
            b'{"rules": [{"key": "a", "when": {"r": "high"}}, {"key": "a", "when": {"r": "low"}}]}',
            "error.rule_duplicate",
        ),
        "rules_bom.json": ("\ufeff".encode() + _json(_rules()), "ok"),
    }
    # --- Bullseye catalogues: huge, nested, mistyped, non-finite weights
    cat = _catalogue()
    bad_catalogues = {
        "catalogue_10000_criteria.json": (
            _json(_catalogue(n=10_000)),
            "error.bullseye_json",
        ),
        "catalogue_201_criteria.json": (_json(_catalogue(n=201)), "error.json_field"),
        "catalogue_51_groups.json": (
            _json(cat | {"groups": [{"key": f"g{i}"} for i in range(51)]}),
            "error.json_field",
        ),
        "catalogue_weight_1e308.json": (
            _json(cat | {"criteria": [cat["criteria"][0] | {"weight": 1e308}]}),
            "error.json_field",
        ),
        "catalogue_weight_nan.json": (
            json.dumps(cat | {"criteria": [cat["criteria"][0] | {"weight": float("nan")}]}).encode(),
            "error.bullseye_json",
        ),
        "catalogue_weight_negative.json": (
            _json(cat | {"criteria": [cat["criteria"][0] | {"weight": -1}]}),
            "error.json_field",
        ),
        "catalogue_weight_text.json": (
            _json(cat | {"criteria": [cat["criteria"][0] | {"weight": "heavy"}]}),
            "error.json_field",
        ),
        "catalogue_weights_zero.json": (
            _json(cat | {"criteria": [c | {"weight": 0} for c in cat["criteria"]]}),
            "error.weights_zero",
        ),
        "catalogue_groups_string.json": (_json(cat | {"groups": "g"}), "error.json_field"),
        "catalogue_group_label_list.json": (
            _json(cat | {"groups": [{"key": "g", "label": ["x"]}]}),
            "error.json_field",
        ),
        "catalogue_title_object.json": (_json(cat | {"title": {"en": {"x": 1}}}), "error.json_field"),
        "catalogue_groups_duplicate.json": (
            _json(cat | {"groups": [{"key": "g"}, {"key": "g"}]}),
            "error.group_duplicate",
        ),
        "catalogue_criterion_duplicate.json": (
            _json(cat | {"criteria": cat["criteria"][:1] * 2}),
            "error.criterion_duplicate",
        ),
        "catalogue_criteria_object.json": (_json(cat | {"criteria": {"a": 1}}), "error.json_field"),
        "catalogue_nested.json": (('{"criteria": ' + "[" * 5000 + "]" * 5000 + "}").encode(), "error.bullseye_json"),
        "catalogue_groups_as_strings.json": (_json(cat | {"groups": ["g", "h"]}), "ok"),
    }
    # --- Bullseye scenarios
    bad_scenarios = {
        "scenario_score_11.json": (b'{"scores": {"known_brand": 11}}', "error.json_field"),
        "scenario_score_negative.json": (b'{"scores": {"known_brand": -1}}', "error.json_field"),
        "scenario_score_text.json": (b'{"scores": {"known_brand": "7"}}', "error.json_field"),
        "scenario_score_fraction.json": (b'{"scores": {"known_brand": 7.5}}', "error.json_field"),
        "scenario_score_nan.json": (b'{"scores": {"known_brand": NaN}}', "error.bullseye_json"),
        "scenario_score_1e308.json": (b'{"scores": {"known_brand": 1e308}}', "error.json_field"),
        "scenario_unknown.json": (b'{"scores": {"no_such": 3}}', "error.scenario_unknown"),
        "scenario_scores_list.json": (b'{"scores": [7, 8]}', "error.json_field"),
        "scenario_notes_nested.json": (b'{"scores": {}, "notes": {"known_brand": {"a": [1]}}}', "error.json_field"),
        "scenario_nested.json": (('{"scores": ' + "[" * 5000 + "]" * 5000 + "}").encode(), "error.bullseye_json"),
        "scenario_many_scores.json": (_json({"scores": {f"k{i}": 1 for i in range(5000)}}), "error.json_field"),
        "scenario_long_note.json": (_json({"scores": {}, "notes": {"known_brand": "x" * 50_000}}), "error.json_field"),
    }
    for kind, table in (("rules", bad_rules), ("catalogue", bad_catalogues), ("scenario", bad_scenarios)):
        for name, (data, key) in table.items():
            out.append(Case(name, data, {"ok": True} if key == "ok" else {"error": key}, kind=kind))

    # --- key-account files (the CLI's key-accounts command)
    for name, body, expect in (
        (
            "accounts_text_scores.csv",
            "account_id,attractiveness,strength\nA,high,5\n",
            {"error": "error.account_score"},
        ),
        ("accounts_out_of_range.csv", "account_id,attractiveness,strength\nA,11,5\n", {"error": "error.account_score"}),
        ("accounts_nan.csv", "account_id,attractiveness,strength\nA,nan,5\n", {"error": "error.account_score"}),
        ("accounts_inf.csv", "account_id,attractiveness,strength\nA,inf,5\n", {"error": "error.account_score"}),
        ("accounts_missing_column.csv", "account_id,attractiveness\nA,5\n", {"error": "error.missing_columns"}),
        ("accounts_empty.csv", "", {"error": "error.empty_file"}),
        ("accounts_600_columns.csv", ",".join(f"c{i}" for i in range(600)) + "\n", {"error": "error.too_many_columns"}),
    ):
        out.append(Case(name, body.encode(), expect, kind="accounts"))

    # --- tables that would hold a session: wide headers, long lines and cells, stray quotes
    out += [
        Case(
            "columns_40000.csv", (",".join(["amount"] * 40_000) + "\n1\n").encode(), {"error": "error.too_many_columns"}
        ),
        Case(
            "columns_5000.csv",
            (",".join(f"c{i}" for i in range(5000)) + "\n" + "1," * 4999 + "1\n").encode(),
            {"error": "error.too_many_columns"},
        ),
        Case(
            "header_cell_200k.csv",
            ("h" * 200_000 + ",order_date,amount\n1,2024-03-05,5\n").encode(),
            {"error": "error.long_header"},
        ),
        Case("cell_300k.csv", (HEAD + "y" * 300_000 + ",2024-03-05,5\n002,2024-03-06,6\n").encode(), {"kept": 2}),
        Case(
            "line_2000_fields.csv",
            (HEAD + "001,2024-03-05,5" + ",1" * 2000 + "\n002,2024-03-06,6\n").encode(),
            {"kept": 1, "rejected": {"bad_line": 1}},
        ),
        Case(
            "line_10mb.csv",
            (HEAD + "001,2024-03-05,5\n" + "x" * 10_000_000 + "\n").encode(),
            {"kept": 1, "rejected": {"bad_line": 1}},
        ),
        Case(
            "stray_quote.csv",
            (
                HEAD
                + '001,2024-03-05,5\n"002,2024-03-06,6\n'
                + "".join(f"{i:03d},2024-03-07,7\n" for i in range(3, 1004))
            ).encode(),
            {"kept": 1002, "rejected": {"bad_line": 1}, "notes": ["note.stray_quote"]},
        ),
        Case(
            "half_utf8_half_gbk.csv",
            (HEAD + "".join(f"客户{i},2024-03-05,5\n" for i in range(50))).encode()
            + "".join(f"客户{i},2024-03-05,5\n" for i in range(50, 100)).encode("gbk"),
            {"kept": 100, "notes": ["note.mixed_encoding"], "ids": [f"客户{i}" for i in range(100)]},
        ),
        Case("cr_only.csv", (HEAD + ROWS).replace("\n", "\r").encode(), {"kept": 3}),
        Case(
            "nul_in_cell.csv", (HEAD + "00\x001,2024-03-05,5\n002,2024-03-05,6\n").encode(), {"error": "error.binary"}
        ),
        Case("bom_only.csv", "\ufeff".encode(), {"error": "error.empty_file"}),
        Case(
            "crlf_formula_ids.csv",
            (HEAD + "\"x\r=cmd|' /C calc'!A0\",2024-03-05,5\n").encode(),
            {"kept": 1, "ids": ["x\r=cmd|' /C calc'!A0"]},
        ),
        Case("nested.parquet", _parquet_nested(), {"kept": 3, "notes": ["note.nested_columns"]}),
        Case("columns_600.parquet", _parquet_wide(600), {"error": "error.too_many_columns"}),
        Case("wide_bomb.xlsx", _xlsx_wide_bomb(), {"error": "error.too_many_cells"}),
        Case("shared_strings_claim.xlsx", _xlsx_shared_strings_claim(), {"error": "error.xlsx_strings"}),
        Case("dimension_lie.xlsx", _xlsx_dimension_lie(), {"kept": 1}),
    ]

    # --- hostile settings in shared links, for every page (checked in the app: no exception,
    # the value brought within its bounds or replaced by the default)
    for name, page, params, state in (
        ("rfm_split_pct_1000", "rfm", {"split_method": "percentile", "split_pct": "1000"}, {"split_pct": 95}),
        ("rfm_split_pct_negative", "rfm", {"split_method": "percentile", "split_pct": "-5"}, {"split_pct": 5}),
        ("rfm_split_pct_zero", "rfm", {"split_method": "percentile", "split_pct": "0"}, {"split_pct": 5}),
        ("rfm_split_pct_nan", "rfm", {"split_method": "percentile", "split_pct": "nan"}, {"split_pct": 50}),
        ("rfm_split_value_nan", "rfm", {"split_method": "value", "r_split": "nan", "m_split": "inf"}, {}),
        ("rfm_split_value_huge", "rfm", {"split_method": "value", "m_split": "1e308", "f_split": "-1e308"}, {}),
        ("rfm_scheme_script", "rfm", {"scheme": "<script>alert(1)</script>"}, {"scheme": "cn8"}),
        ("rfm_bins_7", "rfm", {"bins": "7", "score_method": "quantile"}, {"bins": 5}),
        ("rfm_edges_text", "rfm", {"score_method": "threshold", "r_edges": "a,b,[x](javascript:1)"}, {}),
        ("rfm_edges_descending_inf", "rfm", {"score_method": "threshold", "m_edges": "inf,5,1"}, {}),
        ("rfm_view_unknown", "rfm", {"rfm_view": "../../etc/passwd"}, {}),
        ("vm_pct_1000", "value_matrix", {"vm_f_method": "percentile", "vm_f_pct": "1000"}, {"vm_f_pct": 95}),
        ("vm_value_nan", "value_matrix", {"vm_s_method": "value", "vm_s_value": "nan"}, {}),
        ("vm_method_unknown", "value_matrix", {"vm_f_method": "<b>x</b>"}, {"vm_f_method": "mean"}),
        ("lc_pct_negative", "lifecycle", {"lc_p_method": "percentile", "lc_p_pct": "-1"}, {"lc_p_pct": 5}),
        ("lc_pct_250", "lifecycle", {"lc_p_method": "percentile", "lc_p_pct": "250"}, {"lc_p_pct": 95}),
        (
            "lc_stage_inf",
            "lifecycle",
            {"lc_view": "stages", "st_growth": "inf", "st_decline": "-1e9", "st_window": "0"},
            {"st_growth": 20.0, "st_decline": -100.0, "st_window": 7},
        ),
        (
            "lc_pyramid_negative",
            "lifecycle",
            {"lc_view": "pyramid", "pyr_key": "-1", "pyr_pot": "1e9"},
            {"pyr_key": 1, "pyr_pot": 60},
        ),
        (
            "classroom_ka_99",
            "classroom",
            {"cls_view": "key_accounts", "ka_a": "99", "ka_s": "nan"},
            {"ka_a": 10.0, "ka_s": 5.0},
        ),
        ("classroom_view_unknown", "classroom", {"cls_view": "[x](http://evil.example)"}, {}),
        ("bullseye_lang_unknown", "bullseye", {"lang": "xx<script>"}, {}),
        ("data_lang_markup", "data", {"lang": "![x](http://evil.example/b.png)"}, {}),
    ):
        options = {"page": f"pages/{page}.py", "params": params}
        out.append(Case(f"url_{name}", b"", {"state": state}, options, kind="url"))
    return out


def _parquet_nested() -> bytes:
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.table(
        {
            "customer_id": ["001", "002", "003"],
            "order_date": ["2024-03-05", "2024-03-06", "2024-03-07"],
            "amount": [1.0, 2.0, 3.0],
            "tags": [[1, 2], [3], []],
            "meta": [{"x": 1}, {"x": 2}, None],
        }
    )
    buf = io.BytesIO()
    pq.write_table(table, buf)
    return buf.getvalue()


def _parquet_wide(n: int) -> bytes:
    import pyarrow as pa
    import pyarrow.parquet as pq

    buf = io.BytesIO()
    pq.write_table(pa.table({f"c{i}": [1] for i in range(n)}), buf)
    return buf.getvalue()


_SHEET_HEAD = b'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'


def _xlsx_with_sheet(sheet_xml: bytes, shared: bytes | None = None) -> bytes:
    """A minimal workbook: the good workbook's parts with sheet1 (and sharedStrings) replaced."""
    base = _xlsx({"s": [["customer_id", "order_date", "amount"], ["001", "2024-03-05", 1]]})
    data = _replace_in_zip(base, "xl/worksheets/sheet1.xml", sheet_xml)
    if shared is not None:
        data = _replace_in_zip(data, "xl/sharedStrings.xml", shared)
    return data


def _xlsx_wide_bomb() -> bytes:
    """200,000 rows, each with a value in A and one in XFD (column 16,384): ~200 kB packed, but a
    reader that lays rows out to the widest column builds 3.3 billion cells."""
    rows = b"".join(
        b'<row r="%d"><c r="A%d"><v>1</v></c><c r="XFD%d"><v>1</v></c></row>' % (i, i, i) for i in range(1, 200_001)
    )
    return _xlsx_with_sheet(_SHEET_HEAD + b"<sheetData>" + rows + b"</sheetData></worksheet>")


def _xlsx_shared_strings_claim() -> bytes:
    """A shared-strings table that declares 50 million entries."""
    shared = (
        b'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
        b' count="50000000" uniqueCount="50000000">' + b"<si><t>x</t></si>" * 1000 + b"</sst>"
    )
    sheet = _SHEET_HEAD + b'<sheetData><row r="1"><c r="A1" t="s"><v>0</v></c></row></sheetData></worksheet>'
    return _xlsx_with_sheet(sheet, shared)


def _inline_row(number: int, texts: list[str]) -> bytes:
    cells = b"".join(
        b'<c r="%s%d" t="inlineStr"><is><t>%s</t></is></c>' % (chr(65 + i).encode(), number, text.encode())
        for i, text in enumerate(texts)
    )
    return b'<row r="%d">' % number + cells + b"</row>"


def _xlsx_dimension_lie() -> bytes:
    """A sheet whose dimension claims the whole grid but holds two rows: read normally."""
    sheet = (
        _SHEET_HEAD
        + b'<dimension ref="A1:XFD1048576"/><sheetData>'
        + _inline_row(1, ["customer_id", "order_date", "amount"])
        + _inline_row(2, ["001", "2024-03-05"])[: -len(b"</row>")]
        + b'<c r="C2"><v>5</v></c></row></sheetData></worksheet>'
    )
    return _xlsx_with_sheet(sheet)


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
