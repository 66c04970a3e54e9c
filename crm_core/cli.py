"""Command line: ``python -m crm_core summarize|validate|rfm|value-matrix|lifecycle|clv INPUT ...``.

Bad input gives one clear line on stderr and a non-zero exit, never a traceback.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import json
import math
import sys
from pathlib import Path

from crm_core import params as declared
from crm_core.errors import CrmError
from crm_core.i18n import t
from crm_core.ingest import LoadOptions, LoadResult, load, note_text
from crm_core.layouts import catalogue
from crm_core.limits import MAX_BYTES
from crm_core.params import add_cli_options

EXIT_BAD_INPUT = 2
# role → CLI flag (--FLAG-col); the first four are the original ones.
COLUMN_FLAGS = (
    ("customer_id", "customer"),
    ("order_date", "date"),
    ("amount", "amount"),
    ("order_id", "order"),
    ("quantity", "quantity"),
    ("unit_price", "price"),
    ("status", "status"),
    ("paid_date", "paid"),
    ("order_total", "total"),
    ("refund_amount", "refund"),
    ("currency", "currency"),
)


def _input_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("input", type=Path, help="CSV/TSV, Excel .xlsx or Parquet file")
    p.add_argument("--as-of", type=dt.date.fromisoformat, help="analysis date YYYY-MM-DD")
    p.add_argument("--kind", choices=["auto", "transactions", "customers"], default="auto")
    for role, flag in COLUMN_FLAGS:
        p.add_argument(f"--{flag}-col", dest=role, help=f"column holding the {role.replace('_', ' ')}")
    p.add_argument(
        "--layout",
        default="auto",
        help="export layout: auto (recognise from the header), none (generic headers) or one of: "
        + ", ".join(catalogue()),
    )
    p.add_argument(
        "--purchase-statuses",
        type=lambda s: tuple(v.strip() for v in s.split(",") if v.strip()),
        help="comma-separated status values that count as purchases (default: the status vocabulary)",
    )
    p.add_argument("--decimal", choices=[".", ","], default=".")
    p.add_argument("--date-order", choices=["auto", "dmy", "mdy"], default="auto")
    dups = p.add_mutually_exclusive_group()
    dups.add_argument("--keep-duplicates", action="store_const", const=True, dest="keep_duplicates")
    dups.add_argument("--drop-duplicates", action="store_const", const=False, dest="keep_duplicates")
    p.add_argument("--encoding", help="text encoding, e.g. gb18030, big5, cp1252 (default: detected)")
    p.add_argument("--sheet", help="Excel sheet name, or 'all' (default: sheets sharing the first header)")
    p.add_argument("--header-row", type=int, help="file row of the header (default: found below title rows)")
    p.add_argument("--currency", help="currency of the amounts, e.g. CNY (default: from the data)")
    p.add_argument("--lang", choices=["en", "zh"], default="en", help="language of messages")


def _scope_options(p: argparse.ArgumentParser) -> None:
    """Where the business acts: a group column, dimension values, a date range (issue 16)."""
    p.add_argument(
        "--by",
        help="analyse within each value of this column (store, channel, region …): one row per group and customer",
    )
    p.add_argument(
        "--where",
        action="append",
        default=[],
        metavar="COLUMN=VALUE[,VALUE…]",
        help="keep only rows (or customers) with one of these values; repeat for several columns",
    )
    p.add_argument(
        "--attributes",
        type=Path,
        metavar="FILE",
        help="a customer table (city, membership level …) joined by customer id: its columns work with --by and "
        "--where like the data's own",
    )
    p.add_argument("--attributes-id", metavar="COLUMN", help="the customer-id column of --attributes (default: found)")
    p.add_argument("--from", dest="date_from", type=dt.date.fromisoformat, help="first day of the rows used")
    p.add_argument(
        "--to",
        dest="date_to",
        type=dt.date.fromisoformat,
        help="last day of the rows used (the analysis date becomes the day after, unless --as-of)",
    )


def _engine_options(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--engine",
        choices=["pandas", "duckdb", "spark"],
        default="pandas",
        help="pandas (default): full validation and load report in memory; duckdb/spark: the engine "
        "reads typed CSV/Parquet files, globs or directories itself (large data)",
    )
    p.add_argument("--spark-master", help="Spark master URL, e.g. spark://host:7077 (default local[2])")
    p.add_argument("--spark-remote", help="Spark Connect URL, e.g. sc://host:15002")


def _read(path: Path | str) -> bytes:
    """A user's file (a regular file, at most MAX_BYTES + 1 bytes read, so the size check can
    refuse it), or CrmError('error.cannot_open')."""
    path = Path(path)
    try:
        if not path.is_file():  # a directory, a device such as /dev/zero, a pipe that never ends
            detail = "no such file" if not path.exists() else "not a regular file"
            raise CrmError("error.cannot_open", path=str(path), detail=detail)
        with path.open("rb") as f:
            return f.read(MAX_BYTES + 1)
    except OSError as exc:
        raise CrmError("error.cannot_open", path=str(path), detail=exc.strerror or "") from exc


def _write(frame, out: Path) -> None:
    """OUT.parquet as Parquet, anything else as formula-safe CSV; CrmError('error.cannot_write')."""
    from crm_core.export import to_csv_bytes

    try:
        if out.suffix.lower() == ".parquet":
            frame.to_parquet(out, index=False)
        else:
            out.write_bytes(to_csv_bytes(frame))
    except OSError as exc:
        raise CrmError("error.cannot_write", path=str(out), detail=exc.strerror or str(exc)[:200]) from exc


def _load(args: argparse.Namespace) -> LoadResult:
    columns = {r: getattr(args, r) for r, _ in COLUMN_FLAGS if getattr(args, r)}
    options = LoadOptions(
        kind=args.kind,
        as_of=args.as_of,
        decimal=args.decimal,
        date_order=args.date_order,
        keep_duplicates=args.keep_duplicates,
        encoding=args.encoding,
        sheet=args.sheet,
        header_row=args.header_row,
        layout=args.layout,
        purchase_statuses=args.purchase_statuses,
        currency=args.currency,
    ).with_columns(columns)
    data = _read(args.input)
    return load(data, args.input.name, options)


def _with_attributes(result: LoadResult, args: argparse.Namespace) -> LoadResult:
    """--attributes joined to the customers and rows by customer id; what the join did printed
    (the counts add up, the rows it could not use listed by file row)."""
    if getattr(args, "attributes", None) is None:
        return result
    from crm_core.attributes import join_attributes, read_attributes

    attributes = read_attributes(_read(args.attributes), args.attributes.name, args.attributes_id)
    joined, r = join_attributes(result, attributes)
    how = "found by its header" if r.guessed else "as chosen"
    print(
        f"attributes {', '.join(r.columns.values())} from {args.attributes.name} (customer id: {r.id_column}, {how}): "
        f"{r.rows_read} rows read = {r.rows_used} used + {r.rows_rejected} rejected; {r.matched} customers of the "
        f"data, {r.not_in_data} ids not in it; {r.customers_with} customers with attributes, "
        f"{r.customers_without} without",
        file=sys.stderr,
    )
    for row, reason in attributes.rejected[["row", "reason"]].head(20).itertuples(index=False):
        print(f"  attributes row {row}: {reason.replace('_', ' ')}", file=sys.stderr)
    return joined


def _in_scope(result: LoadResult, args: argparse.Namespace) -> LoadResult:
    """The load narrowed to --from/--to/--where (rows, or a customer table's customers), its
    customers summarised again; the counts that add up are printed."""
    from crm_core.scope import Scope, filter_customers, filter_rows, parse_where
    from crm_core.summarize import summarize

    result = _with_attributes(result, args)
    scope = Scope(args.date_from, args.date_to, tuple(parse_where(w) for w in args.where))
    if scope.is_empty():
        return result
    as_of = args.as_of or (args.date_to + dt.timedelta(days=1) if args.date_to else result.report.as_of)
    report = dataclasses.replace(result.report, as_of=as_of)
    if result.transactions is None:  # a customer table: its own columns (city, level) filter it
        if scope.date_from or scope.date_to:
            raise CrmError("error.needs_transactions")
        c, _ = filter_customers(result.customers, scope, rows_filtered=False)
        print(f"scope {scope.label()}: {len(c)} of {len(result.customers)} customers kept", file=sys.stderr)
        return dataclasses.replace(result, customers=c, report=report)
    f = filter_rows(result.transactions, scope)
    others = ", ".join(f"{n} with another {col}" for col, n in f.other_values.items())
    print(
        f"scope {scope.label()}: {f.rows_kept} of {f.rows_in} rows kept ({f.outside_dates} outside the dates"
        + (f", {others}" if others else "")
        + ")",
        file=sys.stderr,
    )
    if f.transactions.empty:
        raise CrmError("error.scope_empty", scope=scope.label())
    customers = summarize(f.transactions, as_of)
    return dataclasses.replace(result, customers=customers, transactions=f.transactions, report=report)


def _grouped(result: LoadResult, args: argparse.Namespace):
    """--by: one row per group and customer (each group's rows summarised apart), sorted."""
    from crm_core.scope import customers_by

    return customers_by(result.customers, result.transactions, args.by, result.report.as_of)


def _print_groups(groups, by: str) -> None:
    from crm_core.scope import MIN_GROUP_CUSTOMERS

    small = [g.value or "(empty)" for g in groups if g.too_small]
    print(f"{len(groups)} groups by {by}: " + "; ".join(f"{g.value or '(empty)'} {g.customers}" for g in groups[:20])
          + (" …" if len(groups) > 20 else ""), file=sys.stderr)  # fmt: skip
    if small:
        print(
            f"warning: fewer than {MIN_GROUP_CUSTOMERS} customers in {len(small)} group(s), their splits say little: "
            + ", ".join(small[:20]),
            file=sys.stderr,
        )


# the columns the rfm and value-matrix commands write, in memory and on an engine
RFM_COLUMNS = ["customer_id", "recency_days", "frequency", "monetary", "r_score", "f_score", "m_score", "segment"]
VALUE_MATRIX_COLUMNS = ["customer_id", "frequency", "avg_spend", "value_type"]


def _rfm_scheme(args: argparse.Namespace):
    """cn8, en10 or a rules FILE.json."""
    from crm_core.segments import BUILTIN, builtin, load_scheme

    return builtin(args.scheme) if args.scheme in BUILTIN else load_scheme(_read(args.scheme))


def _rfm(result: LoadResult, args: argparse.Namespace):
    from crm_core.rfm import rfm
    from crm_core.scope import rfm_by

    scheme = _rfm_scheme(args)
    cols = RFM_COLUMNS
    result = _in_scope(result, args)
    if args.by:
        out, groups = rfm_by(_grouped(result, args), args.by, _rfm_params(args), scheme)
        _print_groups(groups, args.by)
        return out[[args.by, *cols]]
    return rfm(result.customers, _rfm_params(args), scheme)[cols]


def _value_matrix(result: LoadResult, args: argparse.Namespace):
    from crm_core.scope import value_matrix_by
    from crm_core.value_matrix import Split, value_matrix

    cols = VALUE_MATRIX_COLUMNS
    result = _in_scope(result, args)
    if args.by:
        out, groups = value_matrix_by(_grouped(result, args), args.by, Split(args.split), Split(args.split))
        _print_groups(groups, args.by)
        return out[[args.by, *cols]]
    return value_matrix(result.customers, Split(args.split), Split(args.split))[cols]


def _lifecycle(result: LoadResult, args: argparse.Namespace):
    """The grid per customer; with --by, within each group (each group's value, potential and
    lines; the potential model trained once on all (group, customer) pairs: scope.lifecycle_by)."""
    from crm_core.lifecycle import StageRules
    from crm_core.scope import lifecycle_by

    result = _in_scope(result, args)
    if not args.by:
        return _lifecycle_one(result, args)
    got = lifecycle_by(
        result.customers,
        result.transactions,
        args.by,
        result.report.as_of,
        args.potential,
        profit=True,  # as without --by: the cost column, else --margin, when given
        margin_pct=args.margin,
        cost_per_order=args.cost_per_order,
        stage_rules=StageRules(),
    )
    if got.holdout:
        print(json.dumps({"holdout": got.holdout}), file=sys.stderr)
    _print_groups(got.groups, args.by)
    return got.frame[[args.by, "customer_id", "current_value", "potential", "cell", "stage"]]


def _lifecycle_one(result: LoadResult, args: argparse.Namespace):
    import numpy as np

    from crm_core.lifecycle import cell_codes, current_value, stages
    from crm_core.potential import customer_column, predict, wallet_gap

    c, tx = result.customers, result.transactions
    value, _ = current_value(c, tx, margin_pct=args.margin, cost_per_order=args.cost_per_order)
    if args.potential == "model":
        if tx is None:
            raise CrmError("error.needs_transactions")
        pot = predict(tx, result.report.as_of)
        if not pot.ok:
            raise CrmError(pot.reason, **pot.holdout)
        print(json.dumps({"holdout": pot.holdout}), file=sys.stderr)
        potential = pot.predicted.reindex(c["customer_id"]).fillna(0.0).to_numpy()
    elif args.potential == "clv":  # predicted lifetime value over a year, default settings
        from crm_core import clv

        scored = clv.score(clv.fit(_transactions(result), result.report.as_of))
        potential = scored.set_index("customer_id")["clv"].reindex(c["customer_id"]).fillna(0.0).to_numpy()
    else:
        wallet = args.potential.startswith("wallet:")
        column = args.potential.split(":", 1)[1] if wallet else args.potential
        try:
            values = customer_column(c, tx, column)
        except KeyError as exc:
            raise CrmError("error.unknown_column", column=column, columns=", ".join(c.columns)) from exc
        potential = (wallet_gap(c, values) if wallet else values).fillna(0.0).to_numpy()
    v = value.to_numpy(float)
    out = c[["customer_id"]].copy()
    out["current_value"] = v
    out["potential"] = potential
    out["cell"] = cell_codes(v, potential, float(np.mean(v)), float(np.mean(potential)))
    out["stage"] = stages(c, tx, result.report.as_of)["stage"].to_numpy()
    return out


def _clv(result: LoadResult, args: argparse.Namespace):
    from crm_core import clv

    tx, as_of = result.transactions, result.report.as_of
    if tx is None:
        raise CrmError("clv.needs_transactions")
    fitted = clv.fit(tx, as_of, args.clv_unit)
    margin = 1.0 if args.margin is None else args.margin / 100
    out = clv.score(fitted, args.clv_horizon, args.clv_discount, margin)
    out["at_risk"] = out["p_alive"] < args.clv_risk
    bg, gg = fitted.bgnbd, fitted.gamma_gamma
    fitted_params = {
        "as_of": as_of.isoformat(),
        "unit": bg.unit,
        "customers": bg.customers,
        "bgnbd": {"r": bg.r, "alpha": bg.alpha, "a": bg.a, "b": bg.b, "loglik": bg.loglik, "converged": bg.converged},
        "gamma_gamma": {
            "p": gg.p,
            "q": gg.q,
            "gamma": gg.gamma,
            "loglik": gg.loglik,
            "repeat_customers": gg.customers,
            "frequency_spend_correlation": gg.correlation,
            "converged": gg.converged,
        },
        "horizon_days": args.clv_horizon,
        "discount_per_month": args.clv_discount,
        "margin": margin,
        "risk_threshold": args.clv_risk,
    }
    if args.params_out is not None:
        try:
            text = json.dumps(_finite(fitted_params), indent=2, allow_nan=False)
            args.params_out.write_text(text, encoding="utf-8")
        except OSError as exc:
            raise CrmError("error.cannot_write", path=str(args.params_out), detail=exc.strerror or "") from exc
    print(
        f"BG/NBD ({bg.unit}s): r={bg.r:.4g} alpha={bg.alpha:.4g} a={bg.a:.4g} b={bg.b:.4g} "
        f"log-likelihood={bg.loglik:.1f}; Gamma-Gamma: p={gg.p:.4g} q={gg.q:.4g} gamma={gg.gamma:.4g} "
        f"log-likelihood={gg.loglik:.1f} ({gg.customers} repeat customers)",
        file=sys.stderr,
    )
    return out[[*clv.CLI_COLUMNS, "monetary_value", "at_risk"]]


def _scheme(args: argparse.Namespace, transactions=None):
    """cn8, en10, value_matrix, lifecycle (needs the rows in memory) or a rules FILE.json."""
    from crm_core.overtime import LIFECYCLE, VALUE_MATRIX, LifecycleCells
    from crm_core.segments import BUILTIN, builtin, load_scheme

    if args.scheme == VALUE_MATRIX:
        return VALUE_MATRIX
    if args.scheme == LIFECYCLE:
        if transactions is None:  # the potential model trains in memory
            raise CrmError("error.lifecycle_engine")
        return LifecycleCells(transactions)
    return builtin(args.scheme) if args.scheme in BUILTIN else load_scheme(_read(args.scheme))


def _rfm_params(args: argparse.Namespace):
    from crm_core.rfm import RfmParams

    values = vars(args).copy()
    if args.method is not None:  # the older shorthand
        values["split_method"] = "score_mean" if args.method == "quantile" else args.method
    return RfmParams(**declared.rfm_fields(values)).validate()


def _transactions(result: LoadResult):
    """The dated rows an over-time command needs (a customer table has none)."""
    if result.transactions is None:
        raise CrmError("error.needs_transactions")
    return result.transactions


def _migration(result: LoadResult, args: argparse.Namespace):
    from crm_core.overtime import migration

    if result.transactions is None:
        raise CrmError("error.needs_transactions")
    tx = result.transactions
    mig = migration(tx, args.date_from, args.date_to, _scheme(args, tx), _rfm_params(args), args.hold_splits)
    _print_splits(mig, args)
    return mig.customers


def _print_splits(mig, args: argparse.Namespace) -> None:
    print(
        f"splits at {args.date_from}: {mig.splits_from}; at {args.date_to}: {mig.splits_to}"
        + (" (held)" if mig.held else ""),
        file=sys.stderr,
    )


def _status(result: LoadResult, args: argparse.Namespace):
    from crm_core.overtime import status_by_period

    return status_by_period(_transactions(result), args.period, result.report.as_of)


def _cohorts(result: LoadResult, args: argparse.Namespace):
    from crm_core.overtime import cohorts

    return cohorts(_transactions(result), args.period, result.report.as_of)


def _finite(value: object) -> object:
    """NaN and infinities as null, so the JSON is valid (a correlation can be undefined)."""
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


# what the engine cannot do (it reads a typed file as it is, every row): (dest, flag, default)
IN_MEMORY_ONLY = (
    ("by", "--by", None),
    ("attributes", "--attributes", None),
    ("attributes_id", "--attributes-id", None),
    ("where", "--where", []),
    ("date_from", "--from", None),
    ("date_to", "--to", None),
    ("layout", "--layout", "auto"),
    ("purchase_statuses", "--purchase-statuses", None),
    ("decimal", "--decimal", "."),
    ("date_order", "--date-order", "auto"),
    ("keep_duplicates", "--keep-duplicates/--drop-duplicates", None),
    ("encoding", "--encoding", None),
    ("sheet", "--sheet", None),
    ("header_row", "--header-row", None),
    ("currency", "--currency", None),
    *((role, f"--{flag}-col", None) for role, flag in COLUMN_FLAGS[4:]),
)


def _engine_refusals(args: argparse.Namespace) -> None:
    """Any command on an engine: CrmError naming an option only the in-memory path applies
    (ignoring it would give a different answer than without --engine). Migration's --from and
    --to are its two dates, not a filter."""
    if getattr(args, "kind", None) == "customers":
        raise CrmError("error.engine_option", option="--kind customers")
    dates = ("date_from", "date_to") if args.command == "migration" else ()
    for dest, flag, unset in IN_MEMORY_ONLY:
        if dest not in dates and getattr(args, dest, unset) != unset:
            raise CrmError("error.engine_option", option=flag)


def _on_engine(args: argparse.Namespace) -> int:
    """summarize, rfm, value-matrix, migration, status and cohorts computed by the engine on the
    files it reads."""
    from crm_core import engine, overtime

    columns = {r: getattr(args, r) for r in ("customer_id", "order_date", "amount", "order_id") if getattr(args, r)}
    _engine_refusals(args)  # every setting checked before an engine starts
    if args.command in ("rfm", "value-matrix"):
        plan = _rfm_plan(args)
    con = engine.spark_backend(args.spark_master, args.spark_remote) if args.engine == "spark" else None
    src, name = str(args.input), args.engine
    if args.command in ("rfm", "value-matrix"):
        out = plan(src, name, args.as_of, columns, con)
    elif args.command == "migration":
        overtime.check_dates(args.date_from, args.date_to)
        at_a, at_b = engine.two_dates_source(src, args.date_from, args.date_to, name, columns, con=con)
        dates = (args.date_from, args.date_to)
        out = overtime.migrate(at_a, at_b, _scheme(args), _rfm_params(args), args.hold_splits, dates)
        _print_splits(out, args)
        out = out.customers
    elif args.command in ("status", "cohorts"):
        run = engine.status_source if args.command == "status" else engine.cohorts_source
        out = run(src, args.period, name, args.as_of, columns, con=con)
    else:
        out = engine.summarize_source(src, name, args.as_of, columns, con=con)
    _write(out, args.out)
    what = "rows" if args.command in ("status", "cohorts") else "customers"
    print(f"{len(out)} {what} written to {args.out} ({args.engine})", file=sys.stderr)
    return 0


def _rfm_plan(args: argparse.Namespace):
    """rfm or value-matrix on an engine, its settings checked: run(source, engine, as_of, columns, con)."""
    from crm_core import engine_rfm
    from crm_core.value_matrix import Split

    if args.command == "rfm":
        params, scheme = _rfm_params(args), _rfm_scheme(args)
        engine_rfm.check_rfm(params, scheme)

        def run(src, name, as_of, columns, con):
            return engine_rfm.rfm_source(src, params, scheme, name, as_of, columns, con)[RFM_COLUMNS]

        return run
    line = Split(args.split)
    engine_rfm.check_value_matrix(line, line)

    def run(src, name, as_of, columns, con):
        return engine_rfm.value_matrix_source(src, line, line, name, as_of, columns, con)[VALUE_MATRIX_COLUMNS]

    return run


def _key_accounts(args: argparse.Namespace) -> int:
    from crm_core.classroom import key_accounts
    from crm_core.readers import read_table

    out = key_accounts(read_table(_read(args.accounts), args.accounts.name).frame, args.ka_a, args.ka_s)
    _write(out, args.out)
    print(f"{len(out)} accounts written to {args.out}", file=sys.stderr)
    return 0


def _bullseye(args: argparse.Namespace) -> int:
    from crm_core.bullseye import default_catalogue, load_catalogue, load_scenario, score

    catalogue = load_catalogue(_read(args.catalogue)) if args.catalogue else default_catalogue()
    scenario = load_scenario(_read(args.scenario), catalogue)
    result = score(catalogue, scenario.scores)
    out = {
        "name": scenario.name,
        "total": round(result.total, 2),
        "max_total": result.max_total,
        "percent": round(result.percent, 1),
        "verdict": result.verdict,
        "verdict_text": t(f"bullseye.verdict.{result.verdict}", args.lang),
        "groups": {
            g["group"]: {"subtotal": round(g["subtotal"], 2), "max": g["max"], "percent": round(g["percent"], 1)}
            for g in result.groups.to_dict("records")
        },
        "unscored": result.unscored,
        "weakest": result.weakest[:5],
    }
    print(json.dumps(out, ensure_ascii=False, indent=2))
    return 0


def report_dict(result: LoadResult, lang: str = "en") -> dict:
    """The load report as plain JSON-able data, with the interpretation in ``lang``."""
    r, s = result.report, result.summary
    layout = catalogue().get(r.layout) if r.layout else None
    return {
        "kind": r.kind,
        "layout": r.layout,
        "layout_name": layout.name[lang] if layout else None,
        "roles": {
            role: {"column": col, "label": t(f"role.{role}", lang), "samples": r.samples.get(role, [])}
            for role, col in r.mapping.items()
        },
        "rules": [note_text(n, lang) for n in r.rules],
        "warnings": [note_text(n, lang) for n in r.notes if n.level == "warning"],
        "totals": {k: round(v, 2) if isinstance(v, float) else v for k, v in r.totals.items()},
        "orders_left_out": r.excluded,
        "statuses": [] if r.statuses is None else r.statuses.to_dict("records"),
        "currency": r.currency,
        "rows_read": r.rows_read,
        "rows_kept": r.rows_kept,
        "rows_rejected": r.rows_rejected,
        "rejected_by_reason": {k: v for k, v in r.reason_counts.items() if v},
        "repaired": {k: v for k, v in r.repairs.items() if v},
        "columns": r.mapping,
        "as_of": r.as_of.isoformat() if r.as_of else None,
        "customers": len(result.customers),
        "customers_without_purchase": s.customers_without_purchase,
        "revenue_in": round(s.revenue_in, 2),
        "revenue_customers": round(s.revenue_customers, 2),
        "notes": [n.key for n in r.notes],
    }


def _plain(value: object) -> object:
    """numpy scalars in the JSON output as plain numbers."""
    return value.item() if hasattr(value, "item") else str(value)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m crm_core", description="CRM Value Lab")
    sub = parser.add_subparsers(dest="command", required=True)
    p_sum = sub.add_parser("summarize", help="transactions → one row per customer")
    _input_options(p_sum)
    p_sum.add_argument("--out", type=Path, required=True, help="OUT.csv or OUT.parquet")
    _engine_options(p_sum)
    p_val = sub.add_parser("validate", help="print the load report; exit 2 if nothing usable")
    _input_options(p_val)
    p_rfm = sub.add_parser("rfm", help="RFM scores and segment per customer")
    _input_options(p_rfm)
    p_rfm.add_argument("--scheme", default="cn8", help="cn8, en10 or a rules FILE.json")
    add_cli_options(p_rfm, tuple(p for p in declared.RFM if p.name != "scheme"))  # the page's settings
    p_rfm.add_argument(
        "--method",
        choices=["quantile", "mean", "median"],
        help="shorthand: mean/median set --split-method; quantile = --split-method score_mean",
    )
    _scope_options(p_rfm)
    _engine_options(p_rfm)
    p_rfm.add_argument("--out", type=Path, required=True, help="OUT.csv or OUT.parquet")
    p_vm = sub.add_parser("value-matrix", help="frequency × average spend: value type per customer")
    _input_options(p_vm)
    p_vm.add_argument("--split", choices=["mean", "median"], default="mean")
    _scope_options(p_vm)
    _engine_options(p_vm)
    p_vm.add_argument("--out", type=Path, required=True)
    p_lc = sub.add_parser("lifecycle", help="current value × potential: grid cell and stage per customer")
    _input_options(p_lc)
    p_lc.add_argument(
        "--potential",
        default="model",
        help="model, clv (predicted lifetime value), wallet:COLUMN or a COLUMN of potentials",
    )
    # the page's bounds (crm_core.params); NaN and infinities refused
    p_lc.add_argument(
        "--margin",
        type=declared.bounded(declared.MARGIN),
        help="gross margin %% (0–100) when the data has no cost column",
    )
    p_lc.add_argument("--cost-per-order", type=declared.bounded(declared.SERVE_COST), default=0.0, help="0 to 10000")
    _scope_options(p_lc)
    p_lc.add_argument("--out", type=Path, required=True)
    p_clv = sub.add_parser(
        "clv", help="lifetime value, P(alive) and expected purchases per customer (BG/NBD + Gamma-Gamma)"
    )
    _input_options(p_clv)
    add_cli_options(p_clv, declared.CLV)
    p_clv.add_argument(
        "--margin",
        type=declared.bounded(declared.MARGIN),
        help="gross margin %% (0–100): CLV as profit instead of spend",
    )
    p_clv.add_argument("--params-out", type=Path, help="write the fitted parameters as JSON here")
    p_clv.add_argument("--out", type=Path, required=True, help="OUT.csv or OUT.parquet")
    p_mig = sub.add_parser("migration", help="segment at date A and at date B per customer")
    _input_options(p_mig)
    p_mig.add_argument("--from", dest="date_from", type=dt.date.fromisoformat, required=True, help="date A")
    p_mig.add_argument("--to", dest="date_to", type=dt.date.fromisoformat, required=True, help="date B")
    p_mig.add_argument(
        "--scheme", default="cn8", help="cn8, en10, value_matrix, lifecycle (grid cells) or a rules FILE.json"
    )
    add_cli_options(p_mig, tuple(p for p in declared.RFM if p.name != "scheme"))
    p_mig.add_argument(
        "--method",
        choices=["quantile", "mean", "median"],
        help="shorthand: mean/median set --split-method; quantile = --split-method score_mean",
    )
    p_mig.add_argument("--hold-splits", action="store_true", help="cut date B at date A's splits")
    _engine_options(p_mig)
    p_mig.add_argument("--out", type=Path, required=True, help="OUT.csv or OUT.parquet")
    for name, text in (
        ("status", "new / retained / reactivated / lapsed customers per period"),
        ("cohorts", "customers by first-purchase period × periods since"),
    ):
        p_per = sub.add_parser(name, help=text)
        _input_options(p_per)
        p_per.add_argument("--period", choices=["month", "quarter", "year"], default="month")
        _engine_options(p_per)
        p_per.add_argument("--out", type=Path, required=True, help="OUT.csv or OUT.parquet")
    p_ka = sub.add_parser("key-accounts", help="key-account selection matrix: quadrant per account")
    p_ka.add_argument("accounts", type=Path, help="CSV with account_id, attractiveness, strength (0–10)")
    add_cli_options(p_ka, declared.KEY_ACCOUNTS)
    p_ka.add_argument("--out", type=Path, required=True)
    p_ka.add_argument("--lang", choices=["en", "zh"], default="en")
    p_bull = sub.add_parser("bullseye", help="score a Bullseye scenario (JSON) and print the result as JSON")
    p_bull.add_argument("scenario", type=Path)
    p_bull.add_argument("--catalogue", type=Path, help="a catalogue JSON (default: the bundled 30 criteria)")
    p_bull.add_argument("--lang", choices=["en", "zh"], default="en")
    args = parser.parse_args(argv)
    try:
        return _run(args)
    except CrmError as exc:
        print(f"error: {exc.message(args.lang)}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except Exception as exc:  # a bug, not bad input: still one line, no traceback for the user
        print(f"error: unexpected {type(exc).__name__}: {exc}", file=sys.stderr)
        return 3


def _run(args: argparse.Namespace) -> int:
    if args.command == "bullseye":
        return _bullseye(args)
    if args.command == "key-accounts":
        return _key_accounts(args)
    if getattr(args, "engine", "pandas") != "pandas":
        return _on_engine(args)
    result = _load(args)
    if args.command == "validate":
        print(json.dumps(report_dict(result, args.lang), ensure_ascii=False, indent=2, default=_plain))
        return 0
    steps = {
        "rfm": _rfm,
        "value-matrix": _value_matrix,
        "lifecycle": _lifecycle,
        "clv": _clv,
        "migration": _migration,
        "status": _status,
        "cohorts": _cohorts,
    }
    customers = steps[args.command](result, args) if args.command in steps else result.customers
    _write(customers, args.out)
    r = result.report
    what = "rows" if args.command in ("status", "cohorts") else "customers"
    if getattr(args, "by", None):
        what = f"rows (one per {args.by} and customer)"
    print(
        f"{len(customers)} {what} written to {args.out} "
        f"({r.rows_read} rows read, {r.rows_kept} kept, {r.rows_rejected} rejected)",
        file=sys.stderr,
    )
    return 0
