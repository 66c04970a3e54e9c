"""The engine's proof of a plain file stands for the loader's checks: loading with it and
without it gives the same transactions, customers and load report, byte for byte.

A plain file must take the proven path (else these comparisons would test nothing); a file
with one defect of any kind may take either path, and must still come out the same.
"""

import dataclasses
import datetime as dt
import random

import pandas as pd
import pytest
from corpus import cases

from crm_core import engine_check
from crm_core.errors import CrmError
from crm_core.ingest import DEFAULT_OPTIONS, LoadOptions, load
from crm_core.transactions import TransactionCleaner

HEADER = ["order_id", "customer_id", "order_date", "amount", "store", "note"]


def plain_rows(n: int, seed: int, *, lines_per_order: int = 1, time_of_day: bool = True) -> list[list[str]]:
    rng = random.Random(seed)
    rows = []
    for i in range(n):
        order = i // lines_per_order
        day = dt.datetime(2023, 1, 1) + dt.timedelta(days=rng.randrange(700), seconds=rng.randrange(86400))
        stamp = day.strftime("%Y-%m-%d %H:%M:%S" if time_of_day else "%Y-%m-%d")
        if time_of_day and i % 7 == 0:
            stamp = day.strftime("%Y-%m-%dT%H:%M")
        if time_of_day and i % 11 == 0:
            stamp = day.strftime("%Y-%m-%d %H:%M:%S.%f")[: 20 + rng.randrange(1, 7)]
        amount = f"{rng.lognormvariate(4, 1):.2f}" if rng.random() > 0.05 else f"-{rng.randrange(1, 90)}"
        customer = rng.choice(["C", "客户", "c.", "K-"]) + str(rng.randrange(n // 3 + 1))
        rows.append([f"SO{order:06d}", customer, stamp, amount, rng.choice(["北京店", "Shop A", "Online"]), "x"])
    if lines_per_order > 1:  # every line of an order: one customer, one date
        for i in range(len(rows)):
            first = rows[i - i % lines_per_order]
            rows[i][1], rows[i][2] = first[1], first[2]
    return rows


def to_csv(rows: list[list[str]], header: list[str] = HEADER) -> bytes:
    return ("\n".join(",".join(r) for r in [header, *rows]) + "\n").encode()


def both(data: bytes, options: LoadOptions = DEFAULT_OPTIONS, monkeypatch=None, name: str = "upload.csv"):
    """(with the proof, without it, whether the proven path ran)."""
    ran = []
    proven = TransactionCleaner._plain_transactions

    def spy(self, *args):
        ran.append(True)
        return proven(self, *args)

    monkeypatch.setattr(TransactionCleaner, "_plain_transactions", spy)
    fast = _load(data, options, name)
    monkeypatch.setattr(engine_check, "eligible", lambda *a, **k: False)
    slow = _load(data, options, name)
    monkeypatch.undo()
    return fast, slow, bool(ran)


def _load(data, options, name):
    try:
        return load(data, name, options)
    except CrmError as exc:
        return exc.key


def assert_same(fast, slow) -> None:
    if isinstance(slow, str):
        assert fast == slow
        return
    if slow.transactions is None:  # a customer table
        assert fast.transactions is None
    else:
        pd.testing.assert_frame_equal(fast.transactions, slow.transactions)
    pd.testing.assert_frame_equal(fast.customers, slow.customers)
    for f in dataclasses.fields(slow.report):
        a, b = getattr(fast.report, f.name), getattr(slow.report, f.name)
        if isinstance(b, pd.DataFrame):
            pd.testing.assert_frame_equal(a, b)
        elif f.name == "totals":  # sums of the same floats in the same order
            assert a == b
        else:
            assert a == b, f.name
    for f in dataclasses.fields(slow.summary):
        a, b = getattr(fast.summary, f.name), getattr(slow.summary, f.name)
        if isinstance(b, pd.DataFrame):
            pd.testing.assert_frame_equal(a, b)
        elif isinstance(b, float):
            assert a == pytest.approx(b, rel=1e-12), f.name
        else:
            assert a == b, f.name


PLAIN = {
    "one line per order": dict(n=400, seed=1),
    "orders of three lines": dict(n=600, seed=2, lines_per_order=3),
    "dates without a time": dict(n=300, seed=3, time_of_day=False),
}


@pytest.mark.parametrize("shape", PLAIN, ids=list(PLAIN))
def test_a_plain_file_takes_the_proven_path_and_loads_the_same(shape, monkeypatch):
    data = to_csv(plain_rows(**PLAIN[shape]))
    fast, slow, ran = both(data, monkeypatch=monkeypatch)
    assert ran, "a plain file must be proven plain"
    assert_same(fast, slow)
    assert fast.report.rows_kept == PLAIN[shape]["n"]


def test_what_the_proven_path_returns_can_be_changed(monkeypatch):
    fast, _, ran = both(to_csv(plain_rows(50, 8)), monkeypatch=monkeypatch)
    assert ran
    tx = fast.transactions
    tx.loc[0, "amount"] = 1.5  # a caller's own edit: the frame owns writable columns
    tx.loc[1, "order_date"] = pd.Timestamp("2024-01-01")
    tx["amount"] *= 2
    assert tx.loc[0, "amount"] == 3.0 and tx.loc[1, "order_date"] == pd.Timestamp("2024-01-01")


def test_without_order_ids_and_with_options(monkeypatch):
    rows = [r[1:] for r in plain_rows(300, 4)]
    data = to_csv(rows, HEADER[1:])
    cut = dt.date(2024, 6, 1)
    assert any(r[1][:10] > cut.isoformat() for r in rows)  # the cut leaves rows out
    for options in (LoadOptions(), LoadOptions(as_of=cut), LoadOptions(currency="EUR")):
        fast, slow, ran = both(data, options, monkeypatch=monkeypatch)
        assert ran
        assert_same(fast, slow)
        # a cut-off date leaves the later rows out, each with its reason, on the proven path too
        later = sum(r[1][:10] > cut.isoformat() for r in rows) if options.as_of else 0
        assert fast.report.reason_counts["after_as_of"] == later


def test_ids_unique_per_row_and_padded_ids_still_warn(monkeypatch):
    rows = [[f"SO{i}", f"{i:05d}" if i % 4 else str(i), "2024-01-02", "5"] for i in range(1, 60)]
    fast, slow, ran = both(to_csv(rows, HEADER[:4]), monkeypatch=monkeypatch)
    assert ran
    assert_same(fast, slow)
    assert "note.ids_lost_zeros" in [n.key for n in fast.report.notes]
    no_orders = [r[1:] for r in rows]
    fast, slow, ran = both(to_csv(no_orders, HEADER[1:4]), monkeypatch=monkeypatch)
    assert ran
    assert_same(fast, slow)
    assert "note.ids_unique_per_row" in [n.key for n in fast.report.notes]


def test_the_space_class_holds_every_space_python_strips():
    every = {c for c in map(chr, range(0x110000)) if c.isspace()}
    assert every == set(engine_check.SPACES)


def _set(column: str, value: str, row: int = 5):
    def change(rows):
        rows[row][HEADER.index(column)] = value

    return change


def _copy_row(rows):
    rows.insert(9, list(rows[8]))


def _share_order(rows):  # two customers under one order id
    rows[12][0] = rows[11][0]


def _all_float_ids(rows):
    for i, r in enumerate(rows):
        r[1] = f"{i}.0"


DEFECTS = {
    "blank id": _set("customer_id", ""),
    "id with a space": _set("customer_id", " C1"),
    "id with a full-width space": _set("customer_id", "C1\u3000"),
    "id guarded for Excel": _set("customer_id", '="0012"'),
    "id like a float, with a space": _set("customer_id", " 12.0"),  # the others are no floats: stays 12.0
    "id written null": _set("customer_id", "NULL"),
    "id written in scientific notation": _set("customer_id", "1.2E+5"),
    "ids all written as floats": _all_float_ids,
    "a total line": _set("customer_id", "Total"),
    "a Chinese total line": _set("customer_id", "合计"),
    "blank amount": _set("amount", ""),
    "amount nan": _set("amount", "nan"),
    "amount with a currency sign": _set("amount", "¥12.50"),
    "amount with thousands": _set("amount", '"1,234.50"'),
    "amount too large": _set("amount", "99999999999999"),
    "amount in exponent form": _set("amount", "1e3"),
    "date with slashes": _set("order_date", "2024/01/05"),
    "date Feb 30": _set("order_date", "2024-02-30"),
    "date with an hour only": _set("order_date", "2024-01-05 10"),
    "date at 24:00": _set("order_date", "2024-01-05 24:00:00"),
    "date before 1900": _set("order_date", "1899-12-31"),
    "date with a zone": _set("order_date", "2024-01-05T10:00:00+08:00"),
    "date in Chinese": _set("order_date", "2024年1月5日"),
    "blank order id": _set("order_id", ""),
    "order id with a space": _set("order_id", "SO1 "),
    "an identical line": _copy_row,
    "an order two customers share": _share_order,
    "a blank store": _set("store", ""),
    "an empty row": lambda rows: rows.insert(3, [""] * len(HEADER)),
}


@pytest.mark.parametrize("defect", DEFECTS, ids=list(DEFECTS))
@pytest.mark.parametrize("lines_per_order", [1, 3])
def test_one_defect_comes_out_the_same(defect, lines_per_order, monkeypatch):
    rows = plain_rows(90, 5, lines_per_order=lines_per_order)
    DEFECTS[defect](rows)
    fast, slow, _ = both(to_csv(rows), monkeypatch=monkeypatch)
    assert_same(fast, slow)


# (defect, proven path taken, what the report says)
REPORTED = [
    ("an identical line", False, {"duplicate_row": 1}),
    ("blank order id", False, {"order_id_filled": 1}),
    # the other ids and the orders proven plain: the odd ids, dates or amounts are read by Python
    ("blank id", True, {"missing_id": 1}),
    ("id written null", True, {"missing_id": 1}),
    ("a total line", True, {"total_row": 1}),
    ("a Chinese total line", True, {"total_row": 1}),
    ("id with a space", True, {"id_trimmed": 1}),
    ("id guarded for Excel", True, {"id_excel_guard": 1}),
    ("an empty row", False, {"empty_row": 1}),  # (its order id is blank too)
    ("amount with a currency sign", True, {"amount_text": 1}),
    ("amount nan", True, {"bad_amount": 1}),
    ("date Feb 30", True, {"bad_date": 1}),
    ("date in Chinese", True, {}),
    ("date before 1900", True, {"bad_date": 1}),
]


@pytest.mark.parametrize(("defect", "proven", "said"), REPORTED, ids=[r[0] for r in REPORTED])
def test_a_defect_is_reported_on_either_path(defect, proven, said, monkeypatch):
    rows = plain_rows(90, 6)
    DEFECTS[defect](rows)
    fast, slow, ran = both(to_csv(rows), monkeypatch=monkeypatch)
    assert ran == proven
    assert_same(fast, slow)
    r = fast.report
    found = {k: v for k, v in {**r.reason_counts, **r.repairs}.items() if v}
    assert found == said
    assert r.rows_read == r.rows_kept + r.rows_rejected == 90 + (defect in ("an identical line", "an empty row"))
    cell = {"bad_date": "order_date", "bad_amount": "amount", "missing_id": "customer_id"}
    reason = next((k for k in said if k in cell), None)
    if reason:  # the row, the column and the cell as written
        assert r.rejected[["row", "reason", "column"]].values.tolist() == [[7, reason, cell[reason]]]  # data row 6
        assert r.rejected["value"].tolist() == [rows[5][HEADER.index(cell[reason])]]


def test_without_order_ids_odd_rows_alone_are_read_by_python(monkeypatch):
    rows = [r[1:] for r in plain_rows(120, 9)]
    rows.insert(4, [""] * 5)  # an empty row
    rows[10][0] = ""  # no customer
    rows[20][0] = "合计"  # a total line
    rows[30][0] = f" {rows[31][0]}"  # a customer written with a space: the same customer
    rows[40][0] = "  "  # spaces only
    fast, slow, ran = both(to_csv(rows, HEADER[1:]), monkeypatch=monkeypatch)
    assert ran
    assert_same(fast, slow)
    r = fast.report
    assert {k: v for k, v in r.reason_counts.items() if v} == {"empty_row": 1, "total_row": 1, "missing_id": 2}
    assert r.repairs["id_trimmed"] == 1
    assert r.rows_read == r.rows_kept + r.rows_rejected == 121
    assert sorted(r.rejected["row"]) == [6, 12, 22, 42]  # file rows (header = row 1)


CORPUS = [c for c in cases() if c.kind == "data"]


@pytest.mark.parametrize("case", CORPUS, ids=[c.name for c in CORPUS])
def test_every_corpus_file_comes_out_the_same(case, monkeypatch):
    fast, slow, _ = both(case.data, LoadOptions(**case.options), monkeypatch=monkeypatch, name=case.name)
    assert_same(fast, slow)


BUNDLED = ["demo_transactions.csv", "CDNOW_sample.txt", "classroom_customers.csv"]


@pytest.mark.parametrize("name", BUNDLED)
def test_the_bundled_data_comes_out_the_same(name, monkeypatch):
    from conftest import ROOT

    fast, slow, ran = both((ROOT / "data" / name).read_bytes(), monkeypatch=monkeypatch, name=name)
    assert_same(fast, slow)
    assert ran == (name == "demo_transactions.csv")  # CDNOW repeats lines; the classroom table is customers
