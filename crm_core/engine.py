"""Per-customer aggregation of large transaction files on an engine: DuckDB (embedded, the
default) or Apache Spark (local, a cluster master, or Spark Connect).

The expression is :func:`crm_core.summarize.customer_expr`, the same one the app runs in
memory. Here the input is read by the engine itself (a CSV or Parquet file, a glob of
Parquet files, or a directory), so it never has to fit in pandas; only the one-row-per-
customer result comes back. Money is summed as DECIMAL(18, 2) so both engines agree to the
cent. Inputs are expected to be typed already (a warehouse export); for messy files use
``crm_core.ingest.load``.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd

from crm_core.errors import CrmError
from crm_core.summarize import _finish, customer_expr


def spark_backend(master: str | None = None, remote: str | None = None):
    """An Ibis backend on a Spark session: ``remote`` (sc://host:port) or ``master`` (default local[2])."""
    import os

    import ibis
    from pyspark.sql import SparkSession

    if not remote:  # a local session stays on loopback
        os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    builder = SparkSession.builder.appName("crm-value-lab")
    builder = builder.remote(remote) if remote else builder.master(master or "local[2]")
    builder = builder.config("spark.sql.session.timeZone", "UTC")  # dates come from naive wall-clock times
    if not remote:  # a Spark Connect server has its own (a session cannot change them)
        builder = (
            builder.config("spark.sql.execution.arrow.pyspark.enabled", "true")
            .config("spark.ui.enabled", "false")
            .config("spark.ui.showConsoleProgress", "false")
            .config("spark.sql.shuffle.partitions", "4")
        )
    session = builder.getOrCreate()
    return ibis.pyspark.connect(session)


def _read(con, source: str, text: tuple[str, ...] = ()):
    """The source as an Ibis table; in a CSV the ``text`` columns (ids) are read as text, so
    that ``00001`` stays ``00001`` and an 18-digit id keeps its digits (type inference would
    make them numbers). A Parquet file keeps the types it was written with."""
    path = Path(source)
    is_parquet = path.is_dir() or source.endswith((".parquet", ".pq")) or "*" in source
    if not path.is_dir() and "*" not in source and not path.exists():
        raise CrmError("error.cannot_open", path=source, detail="no such file")
    if is_parquet:
        return con.read_parquet(source)
    t = con.read_csv(source)
    inferred = [c for c in text if c in t.columns and not t[c].type().is_string()]
    if not inferred:
        return t
    if con.name == "pyspark":  # Spark takes a whole schema: the inferred one, ids as text
        from pyspark.sql.types import StringType, StructField, StructType

        schema = con._session.read.csv(source, header=True, inferSchema=True).schema
        fields = [StructField(f.name, StringType(), True) if f.name in inferred else f for f in schema.fields]
        return con.read_csv(source, schema=StructType(fields))
    return con.read_csv(source, types={c: "VARCHAR" for c in inferred})


def connect(engine: str, con=None):
    """The Ibis backend for ``engine`` (``con`` when given)."""
    if con is not None:
        return con
    if engine == "duckdb":
        from crm_core.summarize import duckdb_backend

        return duckdb_backend()
    if engine == "spark":
        return spark_backend()
    raise CrmError("error.param", name="engine", value=engine)


def _on_engine(engine: str, work):
    """``work()``, with what the engine raises about the user's data turned into a CrmError."""
    try:
        return work()
    except CrmError:
        raise
    except (NotImplementedError, OverflowError, pd.errors.OutOfBoundsDatetime) as exc:
        # a date the engine holds (year 1 or 99999) that pandas cannot
        raise CrmError("error.engine_date", value=str(exc)[:80]) from exc
    except _engine_errors() as exc:  # the engine could not read or convert the user's data
        detail = str(exc).strip().splitlines()[0][:300] if str(exc).strip() else type(exc).__name__
        raise CrmError("error.engine", engine=engine, detail=detail) from exc


def summarize_source(
    source: str, engine: str = "duckdb", as_of: dt.date | None = None, columns: dict[str, str] | None = None, con=None
) -> pd.DataFrame:
    """Per-customer table (see :func:`crm_core.summarize.summarize`) computed by ``engine``.

    ``columns`` maps roles (customer_id, order_date, amount, order_id) to the source's names.
    """
    con = connect(engine, con)
    return _on_engine(engine, lambda: _summarize_on(con, source, as_of, columns))


def status_source(source: str, period: str, engine: str = "duckdb", as_of=None, columns=None, con=None):
    """:func:`crm_core.overtime.status_by_period` computed by ``engine`` on a file it reads."""
    return _per_period(source, period, engine, as_of, columns, con, "status")


def cohorts_source(source: str, period: str, engine: str = "duckdb", as_of=None, columns=None, con=None):
    """:func:`crm_core.overtime.cohorts` computed by ``engine`` on a file it reads."""
    return _per_period(source, period, engine, as_of, columns, con, "cohorts")


def _per_period(source, period, engine, as_of, columns, con, kind: str):
    from crm_core import overtime

    overtime.check_period(period)
    con = connect(engine, con)
    expr, table = {
        "status": (overtime.status_expr, overtime.status_table),
        "cohorts": (overtime.cohort_expr, overtime.cohort_table),
    }[kind]

    def work():
        t, as_of_ = _typed(con, source, columns, as_of)
        return table(con.to_pandas(expr(overtime.activity_expr(t, period, as_of_))), period, as_of_)

    return _on_engine(engine, work)


def two_dates_source(source: str, date_from: dt.date, date_to: dt.date, engine="duckdb", columns=None, con=None):
    """:func:`crm_core.overtime.two_dates` computed by ``engine`` on a file it reads: the
    per-customer summaries at both dates, for :func:`crm_core.overtime.migration`."""
    from crm_core import overtime

    con = connect(engine, con)

    def work():
        t, _ = _typed(con, source, columns, date_to)
        e = overtime.two_dates_expr(t, date_from, date_to, "order_id" in t.columns)
        raw = con.to_pandas(e.mutate(monetary_a=e.monetary_a.cast("float64"), monetary_b=e.monetary_b.cast("float64")))
        return overtime.split_dates(raw, date_from, date_to)

    return _on_engine(engine, work)


def _engine_errors() -> tuple[type[BaseException], ...]:
    """Exceptions an engine raises for data it cannot read or convert (not bugs of ours)."""
    import duckdb
    from ibis.common.exceptions import IbisError

    errors: list[type[BaseException]] = [duckdb.Error, IbisError]
    try:
        from pyspark.errors import PySparkException

        errors.append(PySparkException)
    except ImportError:
        pass
    return tuple(errors)


def _typed(con, source: str, columns: dict[str, str] | None, as_of: dt.date | None):
    """The source read by the engine with its columns named by role and typed (ids as text,
    money as DECIMAL(18, 2)), and the analysis date (default: the day after the latest row)."""
    named = {role: (columns or {}).get(role) or role for role in ("customer_id", "order_id")}
    t = _read(con, source, tuple(named.values()))
    rename = {role: col for role, col in (columns or {}).items() if col and col != role}
    absent = [col for col in rename.values() if col not in t.columns]
    if absent:
        raise CrmError("error.unknown_column", column=", ".join(absent), columns=", ".join(t.columns))
    if rename:
        t = t.rename(rename)
    missing = [r for r in ("customer_id", "order_date", "amount") if r not in t.columns]
    if missing:
        raise CrmError("error.missing_columns", roles=", ".join(missing), columns=", ".join(t.columns))
    has_order = "order_id" in t.columns
    t = t.mutate(
        customer_id=t.customer_id.cast("string"),
        order_date=t.order_date.cast("timestamp"),
        amount=t.amount.cast("decimal(18, 2)"),
        **({"order_id": t.order_id.cast("string")} if has_order else {}),
    )
    if as_of is None:
        latest = con.to_pandas(t.order_date.max().name("latest").as_table())["latest"].iloc[0]
        try:
            latest = pd.Timestamp(latest)
        except (ValueError, OverflowError, NotImplementedError) as exc:  # a date pandas cannot hold
            raise CrmError("error.engine_date", value=str(latest)[:40]) from exc
        if pd.isna(latest):
            raise CrmError("error.no_rows")
        as_of = (latest.normalize() + pd.Timedelta(days=1)).date()
    return t, as_of


def _summarize_on(con, source: str, as_of: dt.date | None, columns: dict[str, str] | None) -> pd.DataFrame:
    import ibis

    t, as_of = _typed(con, source, columns, as_of)
    expr = customer_expr(t, as_of, "order_id" in t.columns).filter(ibis._.frequency > 0)
    result = con.to_pandas(expr.mutate(monetary=expr.monetary.cast("float64"), returns=expr.returns.cast("float64")))
    return _finish(result.sort_values("customer_id", kind="stable"))
