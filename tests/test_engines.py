"""DuckDB and Spark give identical per-customer tables, RFM and value matrices (Spark in local
mode, one session for the module); the tests that start Spark are marked ``spark``."""

import dataclasses
import datetime as dt
import os
import shutil

import numpy as np
import pandas as pd
import pytest

from crm_core.demo import load_demo
from crm_core.engine import summarize_source
from crm_core.summarize import summarize


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


@pytest.mark.spark
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


@pytest.mark.spark
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


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.spark
def test_rfm_over_spark_connect_equals_duckdb(tmp_path):
    """docs/engines.md's Spark Connect recipe on one machine: a Connect server started from the
    pip package, the command line as its client. The files are the same, byte for byte."""
    import socket
    import subprocess
    import sys
    import time

    from conftest import ROOT

    if shutil.which("java") is None or __import__("importlib").util.find_spec("grpc") is None:
        if os.environ.get("CI"):
            pytest.fail("Spark Connect (pyspark, grpcio, Java 17) is missing under CI: ./dev test installs it")
        pytest.skip("the Spark Connect client is not installed")
    import pyspark

    port = _free_port()
    log = (tmp_path / "connect-server.log").open("w")
    server = subprocess.Popen(
        [
            os.path.join(os.path.dirname(pyspark.__file__), "bin", "spark-submit"),
            "--class",
            "org.apache.spark.sql.connect.service.SparkConnectServer",
            "--master",
            "local[2]",
            "--conf",
            "spark.connect.grpc.binding.address=127.0.0.1",
            "--conf",
            f"spark.connect.grpc.binding.port={port}",
            "--conf",
            "spark.driver.memory=1g",
            "spark-internal",
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
        env={**os.environ, "SPARK_LOCAL_IP": "127.0.0.1"},
    )
    try:
        deadline = time.monotonic() + 180
        while True:  # the server listens once its session is up
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert server.poll() is None and time.monotonic() < deadline, (
                    tmp_path / "connect-server.log"
                ).read_text()[-3000:]
                time.sleep(1)
        outs = {}
        for engine, extra in (("spark", ["--spark-remote", f"sc://127.0.0.1:{port}"]), ("duckdb", [])):
            outs[engine] = tmp_path / f"rfm-{engine}.csv"
            command = ["rfm", "data/demo_transactions.csv", "--engine", engine, *extra, "--out", str(outs[engine])]
            res = subprocess.run(
                [sys.executable, "-m", "crm_core", *command],
                cwd=ROOT,
                capture_output=True,
                text=True,
                timeout=300,
            )
            assert res.returncode == 0, res.stderr[-2000:]
            assert "Warning" not in res.stderr, res.stderr[-2000:]  # nothing to ignore on the way
        assert outs["spark"].read_bytes() == outs["duckdb"].read_bytes()
        assert len(pd.read_csv(outs["spark"])) == len(load_demo().customers)
    finally:
        server.terminate()
        server.wait(timeout=60)
        log.close()


def _money_close(a: pd.DataFrame, b: pd.DataFrame, money: list[str]) -> None:
    """Equal frames, money to the cent (the engines sum DECIMAL, memory sums float64)."""
    pd.testing.assert_frame_equal(a.drop(columns=money), b.drop(columns=money), check_dtype=False)
    for c in money:
        assert np.allclose(a[c].astype(float), b[c].astype(float), atol=0.005, equal_nan=True), c


@pytest.mark.spark
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


@pytest.mark.spark
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


# RFM and the value matrix on an engine (issue 15): the in-memory functions are the reference,
# and a hand-worked table of ties pins both.

AS_OF = dt.date(2025, 1, 1)
# customer, recency days, orders, net spend: ties on every dimension, a median and percentiles
# that fall between two different values (an approximate percentile would pick one of them)
HAND = [
    ("C01", 10, 1, 50), ("C02", 10, 1, 50), ("C03", 10, 1, 50), ("C04", 20, 1, 50), ("C05", 20, 1, 100),
    ("C06", 30, 1, 200), ("C07", 30, 2, 200), ("C08", 30, 2, 200), ("C09", 30, 3, 200), ("C10", 400, 5, 1000),
]  # fmt: skip
GD, GV, IV, IR, ID, IW = (
    "general_develop", "general_value", "important_value", "important_retain", "important_develop",
    "important_winback",
)  # fmt: skip
# worked by hand from HAND (quantile scores: ⌊customers strictly below / 10 × 5⌋ + 1)
HAND_SCORES = {
    "quantile": ([4, 4, 4, 3, 3, 1, 1, 1, 1, 1], [1, 1, 1, 1, 1, 1, 4, 4, 5, 5], [1, 1, 1, 1, 3, 3, 3, 3, 3, 5]),
    "threshold": ([5, 5, 5, 5, 5, 5, 5, 5, 5, 1], [1, 1, 1, 1, 1, 1, 2, 2, 3, 4], [1, 1, 1, 1, 1, 1, 1, 1, 1, 3]),
}
HAND_SEGMENTS = {
    # means R 59, F 1.8, M 210
    "mean": [GD] * 6 + [GV] * 3 + [IR],
    # medians R (20 + 30) / 2 = 25, F 1 (everyone high), M (100 + 200) / 2 = 150
    "median": [GV] * 5 + [IR] * 5,
    # 35th percentile: F 1, M 50 + 0.15 × 50 = 57.5; R the 65th: 30
    "percentile": [GV] * 4 + [IV] * 5 + [IR],
    # mean scores R 2.3, F 2.4, M 2.4
    "score_mean": [GD] * 4 + [ID, IW] + [IR] * 4,
    # typed splits exactly on tied values (R 20, F 2, M 200): on the split counts as high
    "value": [GD] * 5 + [IW] + [IR] * 4,
}
SPLIT_PARAMS = {
    "mean": {},
    "median": {"split_method": "median"},
    "percentile": {"split_method": "percentile", "split_percentile": 35},
    "score_mean": {"split_method": "score_mean"},
    "value": {"split_method": "value", "r_split": 20, "f_split": 2, "m_split": 200},
}
# frequency mean 1.8, average spend mean 96.67; medians 1 and (66.67 + 100) / 2
HAND_TYPES = {
    "mean": ["uncertain"] * 4 + ["spender", "spender", "premium", "premium", "frequent", "premium"],
    "median": ["frequent"] * 4 + ["premium"] * 4 + ["frequent", "premium"],
}


def hand_transactions() -> pd.DataFrame:
    """:data:`HAND` as order lines: earlier orders of 10, a two-line order, a return, late time stamps."""
    rows = []
    for cid, recency, orders, spend in HAND:
        last = pd.Timestamp(AS_OF) - pd.Timedelta(days=recency)
        returned = 50 if cid == "C10" else 0
        for k in range(orders):
            amount = 10 if k else spend - 10 * (orders - 1) + returned
            when = last - pd.Timedelta(days=5 * k) + pd.Timedelta(seconds=86399 if k == 0 else 3600)
            lines = [amount - 5, 5] if cid == "C09" and k == 0 else [amount]  # one order, two lines
            rows += [(cid, when, float(a), f"{cid}-{k}") for a in lines]
        if returned:
            rows.append((cid, last, -float(returned), f"{cid}-r"))
    return pd.DataFrame(rows, columns=["customer_id", "order_date", "amount", "order_id"])


def tie_transactions(seed: int = 9, customers: int = 900) -> pd.DataFrame:
    """Customers drawn from few recencies, order counts and prices, so many share R, F and M
    exactly (amounts in quarters: float and decimal sums agree to the bit); returns too."""
    rng = np.random.default_rng(seed)
    recency = rng.choice([0, 3, 30, 30, 60, 90, 180, 365, 400], customers)
    orders = rng.choice([1, 1, 1, 2, 2, 3, 5, 8], customers)
    price = rng.choice([10.0, 12.5, 25.0, 99.75, 100.0], customers)
    rows = []
    for i in range(customers):
        last = pd.Timestamp(AS_OF) - pd.Timedelta(days=int(recency[i]))
        for k in range(orders[i]):
            when = last - pd.Timedelta(days=7 * k) + pd.Timedelta(seconds=int(rng.choice([0, 1, 43200, 86399])))
            rows.append((f"T{i:04d}", when, price[i], f"T{i:04d}-{k}"))
        if i % 7 == 0:
            rows.append((f"T{i:04d}", last, -2.5, f"T{i:04d}-r"))
    return pd.DataFrame(rows, columns=["customer_id", "order_date", "amount", "order_id"])


@pytest.fixture(scope="module")
def rfm_files(tmp_path_factory):
    """name → (Parquet file, the per-customer table in memory: the reference)."""
    folder = tmp_path_factory.mktemp("rfm")
    out = {}
    for name, tx in (
        ("hand", hand_transactions()),
        ("ties", tie_transactions()),
        ("bundled", load_demo("demo").transactions[["customer_id", "order_date", "amount", "order_id"]]),
    ):
        path = folder / f"{name}.parquet"
        tx.to_parquet(path, index=False)
        out[name] = (str(path), summarize(tx, AS_OF))
    return out


def _same_rfm(got: pd.DataFrame, expected: pd.DataFrame) -> None:
    """Every column, row and dtype equal; money to the cent (the engine sums DECIMAL)."""
    money = [c for c in ("monetary", "avg_spend") if c in got.columns]
    pd.testing.assert_frame_equal(got.drop(columns=money), expected.drop(columns=money))
    assert list(got.columns) == list(expected.columns)
    for c in money:
        assert np.allclose(got[c], expected[c], rtol=0, atol=0.005), c


def test_the_tie_data_has_ties_across_score_boundaries(rfm_files):
    """Guards the next tests: a table without shared values could not catch a wrong tie rule."""
    from crm_core.rfm import RfmParams, prepare, quantile_scores

    customers = rfm_files["ties"][1]
    prep = prepare(customers, RfmParams())
    for i in range(3):
        values = prep.values[:, i]
        assert pd.Series(values).value_counts().max() > len(values) / 10  # a value held by > 10 %
        # ranks by position would split a tie across scores; the share strictly below never does
        by_position = np.floor(np.argsort(np.argsort(values, kind="stable")) / len(values) * 5) + 1
        assert (by_position != quantile_scores(values, 5)).any()


@pytest.mark.parametrize("score_method", ["quantile", "threshold"])
@pytest.mark.parametrize("split", list(SPLIT_PARAMS))
def test_rfm_on_duckdb_equals_memory(rfm_files, score_method, split):
    from crm_core.engine_rfm import rfm_source
    from crm_core.rfm import RfmParams, rfm

    params = RfmParams(score_method=score_method, **SPLIT_PARAMS[split])
    for name in ("hand", "ties", "bundled"):
        path, customers = rfm_files[name]
        for basis in ("monetary", "avg_spend") if name != "hand" else ("monetary",):
            p = dataclasses.replace(params, m_basis=basis)
            got = rfm_source(path, p, "cn8", "duckdb", AS_OF)
            _same_rfm(got, rfm(customers, p, "cn8"))
            assert got["segment"].nunique() >= 2
    got = rfm_source(rfm_files["hand"][0], params, "cn8", "duckdb", AS_OF)  # and by hand
    assert [got[f"{d}_score"].tolist() for d in "rfm"] == list(HAND_SCORES[score_method])
    if score_method == "quantile" or split != "score_mean":
        assert got["segment"].tolist() == HAND_SEGMENTS[split]


CUSTOM_RULES = {
    "key": "mine",
    "rules": [
        {"key": "best", "when": {"r": "high", "f": "high", "m": "high"}},
        {"key": "recent_small", "when": {"m": "low", "r_score": [4, 5]}},
        {"key": "lapsed_big", "when": {"r": "low", "m": "high", "f_score": [1, 2]}},
    ],
}  # fmt: skip  (the rest unassigned)


@pytest.mark.parametrize("split", ["mean", "percentile"])
def test_rfm_schemes_on_duckdb_equal_memory(rfm_files, split):
    """The named en10 segments and a custom rule file (score ranges, flags, unassigned)."""
    from crm_core.engine_rfm import rfm_source
    from crm_core.rfm import RfmParams, rfm
    from crm_core.segments import parse_scheme

    params = RfmParams(**SPLIT_PARAMS[split])
    for scheme in ("en10", parse_scheme(CUSTOM_RULES)):
        for name in ("ties", "bundled"):
            path, customers = rfm_files[name]
            got = rfm_source(path, params, scheme, "duckdb", AS_OF)
            _same_rfm(got, rfm(customers, params, scheme))
            assert got["segment"].nunique() >= 3
    assert "unassigned" in set(got["segment"])


@pytest.mark.parametrize(("f", "s"), [("mean", "mean"), ("median", "median"), ("percentile", "value")])
def test_value_matrix_on_duckdb_equals_memory(rfm_files, f, s):
    from crm_core.engine_rfm import value_matrix_source
    from crm_core.value_matrix import Split, value_matrix

    f_split, s_split = Split(f, 35), Split(s, 40, value=25.0)
    for name in ("hand", "ties", "bundled"):
        path, customers = rfm_files[name]
        got = value_matrix_source(path, f_split, s_split, "duckdb", AS_OF)
        _same_rfm(got, value_matrix(customers, f_split, s_split))
    if f == s:
        assert got["value_type"].nunique() == 4
        hand = value_matrix_source(rfm_files["hand"][0], f_split, s_split, "duckdb", AS_OF)
        assert hand["value_type"].tolist() == HAND_TYPES[f]


def test_settings_the_memory_path_refuses_are_refused_before_the_engine_runs(tmp_path):
    from crm_core.engine_rfm import rfm_source, value_matrix_source
    from crm_core.errors import CrmError
    from crm_core.rfm import RfmParams
    from crm_core.value_matrix import Split

    missing = str(tmp_path / "none.parquet")  # never opened: the settings are checked first
    for call, key in (
        (lambda: rfm_source(missing, RfmParams(bins=3), "en10"), "error.scheme_points"),
        (lambda: rfm_source(missing, RfmParams(split_method="value")), "error.param"),
        (lambda: value_matrix_source(missing, Split("percentile", 100)), "error.param"),
        (lambda: value_matrix_source(missing, Split("value")), "error.param"),
        (lambda: rfm_source(missing), "error.cannot_open"),
    ):
        with pytest.raises(CrmError) as exc:
            call()
        assert exc.value.key == key


# Spark: the main combinations on one session (each query takes a few seconds in local mode)
SPARK_CASES = [
    ("quantile", "mean", "cn8"),
    ("quantile", "median", "en10"),
    ("threshold", "percentile", "cn8"),
    ("quantile", "score_mean", "en10"),
    ("threshold", "value", "cn8"),
]


@pytest.mark.spark
@pytest.mark.parametrize(("score_method", "split", "scheme"), SPARK_CASES)
def test_rfm_on_spark_equals_memory(spark, rfm_files, score_method, split, scheme):
    from crm_core.engine_rfm import rfm_source
    from crm_core.rfm import RfmParams, rfm

    params = RfmParams(score_method=score_method, **SPLIT_PARAMS[split])
    names = ("hand", "ties", "bundled") if split in ("median", "percentile") else ("hand", "ties")
    for name in names:  # exact percentiles matter most: those also on the bundled data
        path, customers = rfm_files[name]
        got = rfm_source(path, params, scheme, "spark", AS_OF, con=spark)
        _same_rfm(got, rfm(customers, params, scheme))
        if name == "hand" and scheme == "cn8":
            assert got["segment"].tolist() == HAND_SEGMENTS[split]


@pytest.mark.spark
def test_value_matrix_and_the_command_on_spark(spark, rfm_files, tmp_path):
    """Exact medians on Spark (an approximate one would move C09, see HAND_TYPES), and the
    command line on the module's Spark session (getOrCreate returns it)."""
    from crm_core.cli import main
    from crm_core.engine_rfm import value_matrix_source
    from crm_core.rfm import RfmParams, rfm
    from crm_core.value_matrix import Split, value_matrix

    for name in ("hand", "ties"):
        path, customers = rfm_files[name]
        got = value_matrix_source(path, Split("median"), Split("median"), "spark", AS_OF, con=spark)
        _same_rfm(got, value_matrix(customers, Split("median"), Split("median")))
    assert got["value_type"].nunique() == 4
    hand = value_matrix_source(rfm_files["hand"][0], Split("median"), Split("median"), "spark", AS_OF, con=spark)
    assert hand["value_type"].tolist() == HAND_TYPES["median"]
    path, customers = rfm_files["ties"]
    out = tmp_path / "rfm.parquet"
    argv = ["rfm", path, "--engine", "spark", "--as-of", AS_OF.isoformat(), "--split-method", "median", "--out", out]
    assert main([str(a) for a in argv]) == 0
    written = pd.read_parquet(out)
    expected = rfm(customers, RfmParams(split_method="median"))[written.columns]
    _same_rfm(written.astype({"customer_id": "string"}), expected)


def test_a_value_equal_to_a_computed_mean_counts_as_high(tmp_path):
    """The mean of 33.30, 66.60 and 99.90 is 66.60000000000001 in floating point: 66.60 is on the
    split on paper, so it is high (crm_core.groups' tolerance), on the engine as in memory."""
    from crm_core.engine_rfm import rfm_source, value_matrix_source

    tx = pd.DataFrame(
        {
            "customer_id": ["a", "b", "c"],
            "order_date": pd.to_datetime(["2024-12-01", "2024-12-01", "2024-12-01"]),
            "amount": [33.30, 66.60, 99.90],
        }
    )
    path = tmp_path / "tx.parquet"
    tx.to_parquet(path, index=False)
    assert np.mean(tx["amount"]) != 66.60  # the case the tolerance is for
    got = rfm_source(str(path), as_of=AS_OF)
    assert got["m_high"].tolist() == [False, True, True] and got["r_high"].all() and got["f_high"].all()
    assert value_matrix_source(str(path), as_of=AS_OF)["value_type"].tolist() == ["frequent", "premium", "premium"]
