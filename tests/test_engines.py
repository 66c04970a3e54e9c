"""DuckDB and Spark give identical per-customer tables (Spark in local mode, one session)."""

import datetime as dt
import os
import shutil

import numpy as np
import pandas as pd
import pytest

from crm_core.demo import load_demo
from crm_core.engine import summarize_source
from crm_core.summarize import summarize

pytestmark = pytest.mark.spark


@pytest.fixture(scope="module")
def spark():
    if shutil.which("java") is None or __import__("importlib").util.find_spec("pyspark") is None:
        if os.environ.get("CI"):
            pytest.fail("Spark (pyspark + Java 17) is missing under CI: ./dev test installs it")
        pytest.skip("Spark is not installed")
    from crm_core.engine import spark_backend

    con = spark_backend()
    yield con
    con._session.stop()


def edge_transactions(seed: int = 5) -> pd.DataFrame:
    """Returns, same-day orders, several lines per order and time stamps around midnight."""
    rng = np.random.default_rng(seed)
    n = 3000
    day = pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 365, n), unit="D")
    near_midnight = rng.choice([0, 1, 86399, 86398, 43200], n)  # 00:00:00, 00:00:01, 23:59:59, …
    tx = pd.DataFrame(
        {
            "customer_id": [f"C{c:04d}" for c in rng.integers(0, 300, n)],
            "order_date": day + pd.to_timedelta(near_midnight, unit="s"),
            "amount": np.round(rng.lognormal(4, 1, n), 2),
            "order_id": [f"O{o:05d}" for o in rng.integers(0, 1500, n)],  # shared ids: multi-line and same-day orders
        }
    )
    tx.loc[rng.random(n) < 0.06, "amount"] *= -1  # returns
    return tx


@pytest.mark.parametrize("data", ["edge", "bundled"])
def test_duckdb_and_spark_agree(spark, tmp_path, data):
    tx = edge_transactions() if data == "edge" else load_demo("demo").transactions
    tx = tx[["customer_id", "order_date", "amount", "order_id"]]
    path = tmp_path / "tx.parquet"
    tx.to_parquet(path, index=False)
    as_of = dt.date(2025, 1, 1)
    duck = summarize_source(str(path), "duckdb", as_of).reset_index(drop=True)
    sparked = summarize_source(str(path), "spark", as_of, con=spark).reset_index(drop=True)
    pd.testing.assert_frame_equal(duck, sparked)  # integers and dates exactly, money to the cent (decimals)
    in_memory = summarize(tx, as_of).reset_index(drop=True)
    pd.testing.assert_frame_equal(
        duck.drop(columns=["monetary", "avg_spend", "returns"]),
        in_memory.drop(columns=["monetary", "avg_spend", "returns"]),
    )
    assert np.allclose(duck["monetary"], in_memory["monetary"], atol=1e-6)


def test_cli_summarize_on_spark_writes_a_customer_table(tmp_path):
    import subprocess
    import sys

    from conftest import ROOT

    if __import__("importlib").util.find_spec("pyspark") is None and not os.environ.get("CI"):
        pytest.skip("Spark is not installed")
    src = tmp_path / "parts"
    src.mkdir()
    tx = edge_transactions(7)
    for i in range(3):  # a directory of Parquet files, as a data lake holds them
        tx.iloc[i::3].to_parquet(src / f"part-{i}.parquet", index=False)
    out = tmp_path / "customers.parquet"
    res = subprocess.run(
        [sys.executable, "-m", "crm_core", "summarize", str(src), "--engine", "spark", "--out", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert res.returncode == 0, res.stderr[-2000:]
    got = pd.read_parquet(out)
    expected = summarize(tx)
    assert len(got) == len(expected) and set(got["customer_id"]) == set(expected["customer_id"])


def _money_close(a: pd.DataFrame, b: pd.DataFrame, money: list[str]) -> None:
    """Equal frames, money to the cent (the engines sum DECIMAL, memory sums float64)."""
    pd.testing.assert_frame_equal(a.drop(columns=money), b.drop(columns=money), check_dtype=False)
    for c in money:
        assert np.allclose(a[c].astype(float), b[c].astype(float), atol=0.005, equal_nan=True), c


@pytest.mark.parametrize("data", ["edge", "bundled"])
def test_over_time_on_duckdb_and_spark_agree_with_memory(spark, tmp_path, data):
    from crm_core import engine, overtime
    from crm_core.segments import builtin

    tx = edge_transactions() if data == "edge" else load_demo("demo").transactions
    tx = tx[["customer_id", "order_date", "amount", "order_id"]]
    path = tmp_path / "tx.parquet"
    tx.to_parquet(path, index=False)
    as_of = dt.date(2024, 12, 31)
    for period in ("month", "quarter"):
        in_memory = overtime.status_by_period(tx, period, as_of)
        money = [c for c in in_memory.columns if c.startswith("revenue")]
        duck = engine.status_source(str(path), period, "duckdb", as_of)
        sparked = engine.status_source(str(path), period, "spark", as_of, con=spark)
        pd.testing.assert_frame_equal(duck, sparked, check_dtype=False)  # decimals on both: to the cent
        _money_close(duck, in_memory, money)
        in_memory = overtime.cohorts(tx, period, as_of)
        money = ["revenue", "cumulative_revenue_per_customer"]
        duck = engine.cohorts_source(str(path), period, "duckdb", as_of)
        pd.testing.assert_frame_equal(duck, engine.cohorts_source(str(path), period, "spark", as_of, con=spark))
        _money_close(duck, in_memory, money)
    a, b = dt.date(2024, 6, 30), as_of
    in_memory = overtime.migration(tx, a, b, builtin("cn8")).customers
    money = ["monetary_from", "monetary_to", "revenue_between"]
    runs = [engine.two_dates_source(str(path), a, b, "duckdb")]
    runs.append(engine.two_dates_source(str(path), a, b, "spark", con=spark))
    duck, sparked = (overtime.migrate(*r, builtin("cn8")).customers for r in runs)
    pd.testing.assert_frame_equal(duck, sparked)
    _money_close(duck, in_memory, money)


@pytest.mark.parametrize("engine_name", ["duckdb", "spark"])
def test_ids_in_a_csv_stay_text_on_every_engine(spark, tmp_path, engine_name):
    from crm_core.engine import two_dates_source
    from crm_core.ingest import LoadOptions, load

    ids = ["00001", "00002", "123456789012345678", "1.50", "1.5", "0042"]  # all different as text
    # each customer's two orders are 0i and 00i: one number, two orders
    rows = [(c, f"2024-0{m}-1{i} 10:00:00", f"{10 * (i + 1) + m}.25", "0" * m + str(i)) for i, c in enumerate(ids)
            for m in (1, 2)]  # fmt: skip
    path = tmp_path / "orders.csv"
    path.write_text(
        "member,order_time,total,order_no\n" + "".join(f"{c},{d},{a},{o}\n" for c, d, a, o in rows), encoding="utf-8"
    )
    columns = {"customer_id": "member", "order_date": "order_time", "amount": "total", "order_id": "order_no"}
    con = spark if engine_name == "spark" else None
    got = summarize_source(str(path), engine_name, dt.date(2024, 3, 1), columns, con=con)
    assert sorted(got["customer_id"]) == sorted(ids)
    assert (got["frequency"] == 2).all()  # as numbers the two order ids would be one order
    expected = load(path.read_bytes(), path.name, LoadOptions(columns=tuple(columns.items()))).customers
    assert sorted(expected["customer_id"]) == sorted(ids)  # the in-memory loader agrees
    (_, _), (at_b, _) = two_dates_source(str(path), dt.date(2024, 1, 31), dt.date(2024, 3, 1), engine_name,
                                         columns, con=con)  # fmt: skip
    assert sorted(at_b["customer_id"]) == sorted(ids)
