"""python -m crm_core: the same inputs as the app, clear errors, no tracebacks."""

import io
import json
import subprocess
import sys

import pandas as pd
import pytest
from conftest import ROOT


def run(*args):
    return subprocess.run(
        [sys.executable, "-m", "crm_core", *map(str, args)], cwd=ROOT, capture_output=True, text=True, timeout=120
    )


def test_summarize_demo_to_csv_and_parquet(tmp_path):
    out = tmp_path / "c.csv"
    res = run("summarize", ROOT / "data/demo_transactions.csv", "--as-of", "2025-01-01", "--out", out)
    assert res.returncode == 0, res.stderr
    csv = pd.read_csv(out, dtype={"customer_id": str})
    assert list(csv.columns[:8]) == [
        "customer_id",
        "first_purchase",
        "last_purchase",
        "recency_days",
        "frequency",
        "monetary",
        "avg_spend",
        "returns",
    ]
    assert len(csv) == 4000 and csv["customer_id"].str.startswith("C0").all()
    pq = tmp_path / "c.parquet"
    assert run("summarize", ROOT / "data/demo_transactions.csv", "--out", pq).returncode == 0
    assert len(pd.read_parquet(pq)) == 4000


def test_column_options_and_gbk_input(tmp_path):
    src = tmp_path / "x.csv"
    src.write_bytes("会员,时间,付款\n001,2024-03-05,￥12\n002,2024-03-06,5\n".encode("gbk"))
    res = run("validate", src, "--customer-col", "会员", "--date-col", "时间", "--amount-col", "付款")
    assert res.returncode == 0, res.stderr
    report = json.loads(res.stdout)
    assert report["rows_read"] == 2 and report["rows_kept"] == 2 and report["customers"] == 2
    assert report["repaired"] == {"amount_text": 1}


def test_validate_prints_reasons(tmp_path):
    src = tmp_path / "x.csv"
    src.write_text("customer_id,date,amount\n1,2024-01-01,5\n,2024-01-01,5\n1,bad,5\n")
    report = json.loads(run("validate", src).stdout)
    assert report["rejected_by_reason"] == {"missing_id": 1, "bad_date": 1}
    assert report["rows_read"] == report["rows_kept"] + report["rows_rejected"]


def test_unusable_input_is_one_line_on_stderr(tmp_path):
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    for args in (
        ("validate", empty),
        ("validate", tmp_path / "missing.csv"),
        ("summarize", empty, "--out", tmp_path / "o.csv"),
        ("validate", empty, "--lang", "zh"),
    ):
        res = run(*args)
        assert res.returncode == 2
        assert "Traceback" not in res.stderr and res.stderr.startswith("error: ")
    assert "文件是空的" in run("validate", empty, "--lang", "zh").stderr
    bad = tmp_path / "bad.csv"
    bad.write_text("customer_id,date,amount\n1,x,5\n")
    assert "日期无法识别或超出范围: 1" in run("validate", bad, "--lang", "zh").stderr


def test_rfm_command_on_the_bundled_data(tmp_path):
    out = tmp_path / "rfm.csv"
    res = run("rfm", ROOT / "data/classroom_customers.csv", "--out", out)
    assert res.returncode == 0, res.stderr
    frame = pd.read_csv(out)
    assert list(frame.columns) == [
        "customer_id",
        "recency_days",
        "frequency",
        "monetary",
        "r_score",
        "f_score",
        "m_score",
        "segment",
    ]
    seg = frame.set_index("customer_id")["segment"]
    # classroom means: R 80.6 days, F 5.87, M 3630
    assert seg["A01"] == "important_value" and seg["A04"] == "important_winback"
    assert seg["A08"] == "general_winback" and seg["A05"] == "general_value"
    out2 = tmp_path / "named.csv"
    assert (
        run(
            "rfm", ROOT / "data/demo_transactions.csv", "--scheme", "en10", "--method", "quantile", "--out", out2
        ).returncode
        == 0
    )
    named = pd.read_csv(out2)
    assert len(named) == 4000 and {"champions", "hibernating"} <= set(named["segment"])
    bad = run("rfm", ROOT / "data/demo_transactions.csv", "--scheme", "en10", "--bins", "3", "--out", out2)
    assert bad.returncode == 2 and "5-point" in bad.stderr
    rules = tmp_path / "rules.json"
    rules.write_text('{"rules": [{"key": "a", "when": {"r": "high"}}, {"key": "b", "when": {"r": "high"}}]}')
    bad = run("rfm", ROOT / "data/classroom_customers.csv", "--scheme", rules, "--out", out2)
    assert bad.returncode == 2 and "overlap" in bad.stderr


def test_bullseye_command(tmp_path):
    res = run("bullseye", ROOT / "data/bullseye_photo_equipment.json")
    assert res.returncode == 0, res.stderr
    out = json.loads(res.stdout)
    assert out["total"] == 207 and out["max_total"] == 300 and out["percent"] == 69.0
    assert out["verdict"] == "possible" and set(out["groups"]) >= {"target_market", "product", "environment"}
    assert out["groups"]["brand"] == {"subtotal": 9.0, "max": 10, "percent": 90.0}
    bad = tmp_path / "bad.json"
    bad.write_text('{"scores": {"nope": 3}}')
    res = run("bullseye", bad, "--lang", "zh")
    assert res.returncode == 2 and "nope" in res.stderr and "Traceback" not in res.stderr


def test_value_matrix_and_lifecycle_commands(tmp_path):
    out = tmp_path / "vm.csv"
    assert run("value-matrix", ROOT / "data/demo_transactions.csv", "--out", out).returncode == 0
    vm = pd.read_csv(out)
    assert list(vm.columns) == ["customer_id", "frequency", "avg_spend", "value_type"]
    assert set(vm["value_type"]) == {"premium", "spender", "frequent", "uncertain"} and len(vm) == 4000
    out = tmp_path / "lc.csv"
    res = run("lifecycle", ROOT / "data/demo_transactions.csv", "--out", out)
    assert res.returncode == 0, res.stderr
    lc = pd.read_csv(out)
    assert list(lc.columns) == ["customer_id", "current_value", "potential", "cell", "stage"]
    assert set(lc["cell"]) == {1, 2, 3, 4} and set(lc["stage"]) <= {"exploration", "growth", "maturity", "decline"}
    res = run("lifecycle", ROOT / "data/classroom_customers.csv", "--out", out)
    assert res.returncode == 2 and "transactions" in res.stderr


def test_key_accounts_command(tmp_path):
    src = tmp_path / "accounts.csv"
    src.write_text("account_id,attractiveness,strength\nA,9,9\nB,9,2\nC,5,5\nD,4.9,5\nE,1,1\n")
    out = tmp_path / "q.csv"
    res = run("key-accounts", src, "--out", out)
    assert res.returncode == 0, res.stderr
    frame = pd.read_csv(out)
    assert list(frame.columns) == ["account_id", "attractiveness", "strength", "quadrant"]
    assert frame["quadrant"].tolist() == ["key", "key_development", "key", "maintenance", "opportunistic"]
    src.write_text("account_id,attractiveness,strength\nA,12,9\n")
    res = run("key-accounts", src, "--out", out, "--lang", "zh")
    assert res.returncode == 2 and "不是 0 到 10 之间的分数" in res.stderr


def _encrypted_flag(data: bytes, member: str = "xl/worksheets/sheet1.xml") -> bytes:
    """A workbook whose sheet member says it is encrypted (zipfile then refuses to open it)."""
    import zipfile as zf

    out = bytearray(data)
    local = next(i.header_offset for i in zf.ZipFile(io.BytesIO(data)).infolist() if i.filename == member)
    out[local + 6] |= 1  # general-purpose flag, bit 0: encrypted
    j = data.index(b"PK\x01\x02")
    while j != -1:
        name_len = int.from_bytes(data[j + 28 : j + 30], "little")
        if data[j + 46 : j + 46 + name_len] == member.encode():
            out[j + 8] |= 1
        j = data.find(b"PK\x01\x02", j + 4)
    return bytes(out)


def _hostile_inputs(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq
    from conftest import xlsx_bytes

    good = tmp_path / "good.csv"
    good.write_text("customer_id,order_date,amount\n001,2024-03-05,5\n002,2024-03-06,6\n")
    binary = tmp_path / "binary.parquet"
    cols = {"customer_id": [b"\x00\xff", b"a"], "order_date": [b"2024-03-05", b"\xff"], "amount": [b"1", b"2"]}
    pq.write_table(pa.table({k: pa.array(v) for k, v in cols.items()}), binary)
    wb = xlsx_bytes({"s": [["customer_id", "order_date", "amount"], ["001", "2024-03-05", 1]]})
    encrypted = tmp_path / "encrypted.xlsx"
    encrypted.write_bytes(_encrypted_flag(wb))
    text_amounts = tmp_path / "text_amounts.csv"
    text_amounts.write_text("customer_id,order_date,amount\n001,2024-03-05,lots\n")
    header_only = tmp_path / "header_only.csv"
    header_only.write_text("customer_id,order_date,amount\n")
    far = tmp_path / "far.csv"
    far.write_text("customer_id,order_date,amount\n001,99999-03-05,5\n")
    out = tmp_path / "out.csv"
    return [
        (["validate", binary], 0),  # undecodable bytes shown as U+FFFD, the bad date rejected
        (["validate", good, "--encoding", "punycode"], 2),
        (["validate", "/dev/zero"], 2),
        (["validate", tmp_path], 2),
        (["validate", encrypted], 2),
        (["summarize", text_amounts, "--engine", "duckdb", "--out", out], 2),
        (["summarize", good, "--engine", "duckdb", "--customer-col", "nosuch", "--out", out], 2),
        (["summarize", header_only, "--engine", "duckdb", "--out", out], 2),
        (["summarize", far, "--engine", "duckdb", "--out", out], 2),
        (["summarize", good, "--out", tmp_path / "no" / "such" / "dir.csv"], 2),
    ]


def test_bad_input_is_exit_2_never_an_unexpected_error(tmp_path, capsys):
    """Found by fuzzing the CLI with the hostile corpus: each of these exited 3 ("unexpected")."""
    from crm_core.cli import main

    for argv, code in _hostile_inputs(tmp_path):
        assert main([str(a) for a in argv]) == code, argv
        err = capsys.readouterr().err
        assert "unexpected" not in err and "Traceback" not in err, (argv, err)
        if code == 2:
            assert err.startswith("error: ") and err.count("\n") == 1, (argv, err)


def test_lifecycle_money_options_are_bounded_like_the_page(capsys):
    from crm_core.cli import main

    demo = str(ROOT / "data/demo_transactions.csv")
    for flag, value in (
        ("--margin", "nan"),
        ("--margin", "150"),
        ("--cost-per-order", "inf"),
        ("--cost-per-order", "-1"),
    ):
        try:
            code = main(["lifecycle", demo, flag, value, "--out", "/dev/null"])
        except SystemExit as exc:  # argparse refuses the value: exit 2, one message
            code = exc.code
        assert code == 2, (flag, value)
        assert "must be" in capsys.readouterr().err


def _cdnow_csv(tmp_path):
    raw = pd.read_csv(
        ROOT / "data/CDNOW_sample.txt", sep=r"\s+", header=None, names=["orig", "id", "date", "cds", "value"], dtype=str
    )
    frame = pd.DataFrame(
        {
            "customer_id": raw["id"],
            "order_date": pd.to_datetime(raw["date"], format="%Y%m%d").dt.strftime("%Y-%m-%d"),
            "amount": raw["value"].astype(float),
        }
    )
    src = tmp_path / "cdnow.csv"
    frame.to_csv(src, index=False)
    return src, frame


def test_clv_command_matches_the_model_in_process(tmp_path):
    import datetime as dt

    from crm_core import clv

    src, frame = _cdnow_csv(tmp_path)
    out, params_out = tmp_path / "clv.csv", tmp_path / "params.json"
    res = run("clv", src, "--as-of", "1997-09-30", "--horizon-days", "182", "--discount", "0.02", "--out", out,
              "--params-out", params_out)  # fmt: skip
    assert res.returncode == 0, res.stderr
    assert "r=0.24" in res.stderr and "log-likelihood=" in res.stderr
    got = pd.read_csv(out, dtype={"customer_id": str})
    assert list(got.columns[:8]) == [
        "customer_id", "frequency", "recency", "T", "p_alive", "expected_purchases", "expected_avg_spend", "clv"
    ]  # fmt: skip
    tx = frame.assign(order_date=pd.to_datetime(frame["order_date"]))
    tx = tx[tx["order_date"] <= "1997-09-30"]
    fitted = clv.fit(tx, dt.date(1997, 9, 30), "week")
    expected = clv.score(fitted, 182, 0.02)
    assert len(got) == len(expected) == tx.loc[tx["amount"] > 0, "customer_id"].nunique()
    pd.testing.assert_series_equal(got["clv"], expected["clv"], check_names=False, rtol=1e-6)
    assert got["at_risk"].sum() == (expected["p_alive"] < 0.5).sum()
    saved = json.loads(params_out.read_text())
    assert abs(saved["bgnbd"]["r"] - 0.243) < 0.003 and saved["horizon_days"] == 182


def test_clv_command_refuses_what_it_cannot_model(tmp_path):
    table = tmp_path / "customers.csv"
    table.write_text("customer_id,recency_days,frequency,monetary\na,3,2,50\nb,40,1,9\n", encoding="utf-8")
    res = run("clv", table, "--out", tmp_path / "o.csv")
    assert res.returncode == 2 and "dated transactions" in res.stderr and "Traceback" not in res.stderr
    src, _ = _cdnow_csv(tmp_path)
    res = run("clv", src, "--horizon-days", "99999", "--out", tmp_path / "o.csv")
    assert res.returncode == 2 and "between" in res.stderr
    res = run("lifecycle", src, "--potential", "clv", "--out", tmp_path / "lc.csv")
    assert res.returncode == 0, res.stderr
    assert pd.read_csv(tmp_path / "lc.csv")["potential"].gt(0).all()


def test_over_time_commands(tmp_path):
    from crm_core import overtime
    from crm_core.segments import builtin

    src = ROOT / "data/demo_transactions.csv"
    out = tmp_path / "m.csv"
    res = run("migration", src, "--from", "2024-06-30", "--to", "2024-12-31", "--hold-splits", "--out", out)
    assert res.returncode == 0, res.stderr
    got = pd.read_csv(out, dtype={"customer_id": str, "segment_from": str}, keep_default_na=False)
    assert list(got.columns[:3]) == ["customer_id", "segment_from", "segment_to"]
    assert {"recency_from", "frequency_from", "monetary_from", "recency_to", "frequency_to", "monetary_to"} <= set(
        got.columns
    )
    import datetime as dt

    from crm_core.ingest import LoadOptions, load

    t = load(src.read_bytes(), src.name, LoadOptions()).transactions
    mig = overtime.migration(t, dt.date(2024, 6, 30), dt.date(2024, 12, 31), builtin("cn8"), hold_splits=True)
    assert list(got["segment_to"]) == list(mig.customers["segment_to"])
    assert (got["segment_from"] == "").sum() == (mig.customers["segment_from"] == "").sum() > 0
    assert "(held)" in res.stderr
    status = tmp_path / "s.csv"
    assert run("status", src, "--period", "quarter", "--out", status).returncode == 0
    s = pd.read_csv(status)
    assert list(s.columns[:5]) == ["period", "new", "retained", "reactivated", "lapsed"]
    assert list(s["period"]) == [f"{y}-Q{q}" for y in (2023, 2024) for q in (1, 2, 3, 4)]
    assert s["new"].sum() == 4000  # every customer is new exactly once
    cohorts = tmp_path / "c.csv"
    assert run("cohorts", src, "--period", "year", "--out", cohorts).returncode == 0
    c = pd.read_csv(cohorts, dtype={"cohort": str})
    assert list(c.columns[:5]) == ["cohort", "period_index", "customers", "retention", "revenue"] or {
        "cohort",
        "period_index",
        "customers",
        "retention",
        "revenue",
    } <= set(c.columns)
    assert c.loc[c["period_index"] == 0, "customers"].sum() == 4000
    bad = run("migration", src, "--from", "2024-12-31", "--to", "2024-06-30", "--out", out)
    assert bad.returncode == 2 and "before" in bad.stderr


def test_over_time_commands_on_the_engine_match_the_in_memory_ones(tmp_path):
    src = ROOT / "data/demo_transactions.csv"
    for cmd, extra in (
        ("migration", ["--from", "2024-06-30", "--to", "2024-12-31", "--scheme", "en10"]),
        ("status", ["--period", "quarter"]),
        ("cohorts", ["--period", "month"]),
    ):
        frames = []
        for engine in ("pandas", "duckdb"):
            out = tmp_path / f"{cmd}_{engine}.csv"
            res = run(cmd, src, *extra, "--engine", engine, "--out", out)
            assert res.returncode == 0, res.stderr
            frames.append(pd.read_csv(out, dtype={"customer_id": str}, keep_default_na=False))
        memory, duck = frames
        money = [c for c in memory.columns if c.startswith(("revenue", "monetary", "cumulative"))]
        pd.testing.assert_frame_equal(memory.drop(columns=money), duck.drop(columns=money))
        for c in money:
            assert (pd.to_numeric(memory[c]) - pd.to_numeric(duck[c])).abs().max() < 0.005, (cmd, c)
    bad = run("migration", src, "--from", "2024-12-31", "--to", "2024-06-30", "--engine", "duckdb", "--out", out)
    assert bad.returncode == 2 and "before" in bad.stderr
    missing = run("status", tmp_path / "nope.parquet", "--engine", "duckdb", "--out", out)
    assert missing.returncode == 2 and "Traceback" not in missing.stderr


def test_migration_of_lifecycle_cells(tmp_path):
    src, out = ROOT / "data/demo_transactions.csv", tmp_path / "lc.csv"
    res = run("migration", src, "--from", "2024-06-30", "--to", "2024-12-31", "--scheme", "lifecycle", "--out", out)
    assert res.returncode == 0, res.stderr
    got = pd.read_csv(out, dtype={"segment_from": str, "segment_to": str}, keep_default_na=False)
    assert set(got["segment_to"]) == {"1", "2", "3", "4"} and set(got["segment_from"]) == {"", "1", "2", "3", "4"}
    on_engine = run("migration", src, "--from", "2024-06-30", "--to", "2024-12-31", "--scheme", "lifecycle",
                    "--engine", "duckdb", "--out", out)  # fmt: skip
    assert on_engine.returncode == 2 and "in memory" in on_engine.stderr


def _written(out):
    return pd.read_csv(out, dtype={"customer_id": str}, keep_default_na=False)


def test_rfm_and_value_matrix_on_the_engine_write_what_the_in_memory_commands_write(tmp_path, capsys):
    """The same file, options and columns: equal rows in the same order, money to the cent."""
    from crm_core.cli import main

    src = ROOT / "data/demo_transactions.csv"
    rules = tmp_path / "rules.json"
    rules.write_text(
        '{"rules": [{"key": "best", "when": {"r": "high", "f": "high", "m": "high"}},'
        ' {"key": "recent_small", "when": {"m": "low", "r_score": [4, 5]}}]}'
    )
    cases = [
        ("rfm", []),
        ("rfm", ["--scheme", "en10", "--method", "quantile"]),
        ("rfm", ["--split-method", "percentile", "--split-pct", "30", "--m-basis", "avg_spend"]),
        ("rfm", ["--split-method", "median", "--bins", "4"]),
        ("rfm", ["--score-method", "threshold", "--split-method", "value", "--r-split", "60", "--f-split", "3",
                 "--m-split", "1500", "--scheme", rules]),
        ("value-matrix", []),
        ("value-matrix", ["--split", "median"]),
    ]  # fmt: skip
    for command, options in cases:
        frames = []
        for engine in ("pandas", "duckdb"):
            out = tmp_path / f"{engine}.csv"
            assert main([command, str(src), *map(str, options), "--engine", engine, "--out", str(out)]) == 0
            frames.append(_written(out))
        memory, duck = frames
        money = [c for c in ("monetary", "avg_spend") if c in memory.columns]
        pd.testing.assert_frame_equal(memory.drop(columns=money), duck.drop(columns=money))
        for c in money:
            assert (memory[c] - duck[c]).abs().max() < 0.005, (command, options, c)
        key = "segment" if command == "rfm" else "value_type"
        assert len(duck) == 4000 and duck[key].nunique() >= 2, (command, options)
        assert "4000 customers written" in capsys.readouterr().err


def test_rfm_on_the_engine_refuses_what_only_memory_can_do(tmp_path, capsys, monkeypatch):
    """Options the engine cannot apply, and settings the in-memory path refuses, stop before any
    engine starts (a Spark session would take seconds): exit 2 and one line naming the option."""
    from crm_core import engine
    from crm_core.cli import main

    def no_spark(*args, **kwargs):
        raise AssertionError("Spark started before the options were checked")

    monkeypatch.setattr(engine, "spark_backend", no_spark)
    src, out = ROOT / "data/demo_transactions.csv", tmp_path / "o.csv"
    overlap = tmp_path / "overlap.json"
    overlap.write_text('{"rules": [{"key": "a", "when": {"r": "high"}}, {"key": "b", "when": {"r": "high"}}]}')
    for command, options, said in (
        ("rfm", ["--by", "channel"], "--by cannot be used with --engine"),
        ("rfm", ["--where", "channel=app"], "--where cannot"),
        ("rfm", ["--from", "2024-01-01"], "--from cannot"),
        ("value-matrix", ["--to", "2024-06-30"], "--to cannot"),
        ("value-matrix", ["--layout", "none"], "--layout cannot"),
        ("rfm", ["--kind", "customers"], "--kind customers cannot"),
        ("rfm", ["--decimal", ","], "--decimal cannot"),
        ("rfm", ["--status-col", "status"], "--status-col cannot"),
        ("rfm", ["--scheme", "en10", "--bins", "3"], "5-point"),
        ("rfm", ["--split-method", "value", "--r-split", "30"], "f_split"),
        ("rfm", ["--scheme", overlap], "overlap"),
        ("summarize", ["--decimal", ","], "--decimal cannot"),  # every command on an engine
        ("status", ["--layout", "none"], "--layout cannot"),
        ("migration", ["--from", "2024-06-30", "--to", "2024-12-31", "--encoding", "gb18030"], "--encoding cannot"),
    ):
        for engine_name in ("duckdb", "spark"):
            argv = [command, str(src), *map(str, options), "--engine", engine_name, "--out", str(out)]
            assert main(argv) == 2, argv
            err = capsys.readouterr().err
            assert err.startswith("error: ") and err.count("\n") == 1 and said in err, (argv, err)
    assert main(["rfm", str(src), "--by", "channel", "--engine", "duckdb", "--out", str(out), "--lang", "zh"]) == 2
    assert "--by 不能与 --engine 一起使用" in capsys.readouterr().err
    assert not out.exists()


def test_every_rfm_option_is_applied_or_refused_on_the_engine(capsys, monkeypatch):
    """An option added to rfm or value-matrix later cannot be ignored silently with --engine:
    it is applied there (listed here) or refused (cli.IN_MEMORY_ONLY)."""
    import re

    from crm_core import params as declared
    from crm_core.cli import IN_MEMORY_ONLY, main

    applied = {"--as-of", "--kind", "--lang", "--out", "--engine", "--spark-master", "--spark-remote", "--scheme",
               "--method", "--split", "--customer-col", "--date-col", "--amount-col", "--order-col",
               *(p.cli for p in declared.RFM if p.cli)}  # fmt: skip
    refused = {f for _, flags, _ in IN_MEMORY_ONLY for f in flags.split("/")}
    monkeypatch.setenv("COLUMNS", "300")  # one option per help line
    for command in ("rfm", "value-matrix"):
        with pytest.raises(SystemExit):
            main([command, "--help"])
        options = set(re.findall(r"^  (--[a-z][a-z-]*)", capsys.readouterr().out, re.MULTILINE))
        assert len(options) > 20 and options <= applied | refused, options - applied - refused
