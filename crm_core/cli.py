"""Command line: ``python -m crm_core summarize|validate INPUT ...``.

Bad input gives one clear line on stderr and a non-zero exit, never a traceback.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from pathlib import Path

from crm_core.errors import CrmError
from crm_core.i18n import t
from crm_core.ingest import LoadOptions, LoadResult, load

EXIT_BAD_INPUT = 2


def _input_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("input", type=Path, help="CSV/TSV, Excel .xlsx or Parquet file")
    p.add_argument("--as-of", type=dt.date.fromisoformat, help="analysis date YYYY-MM-DD")
    p.add_argument("--kind", choices=["auto", "transactions", "customers"], default="auto")
    for role, flag in (
        ("customer_id", "customer"),
        ("order_date", "date"),
        ("amount", "amount"),
        ("order_id", "order"),
    ):
        p.add_argument(f"--{flag}-col", dest=role, help=f"column holding the {role}")
    p.add_argument("--decimal", choices=[".", ","], default=".")
    p.add_argument("--date-order", choices=["auto", "dmy", "mdy"], default="auto")
    p.add_argument("--keep-duplicates", action="store_true")
    p.add_argument("--encoding", help="text encoding (default: UTF-8, then GB18030)")
    p.add_argument("--sheet", help="Excel sheet name")
    p.add_argument("--lang", choices=["en", "zh"], default="en", help="language of messages")


def _load(args: argparse.Namespace) -> LoadResult:
    columns = {r: getattr(args, r) for r in ("customer_id", "order_date", "amount", "order_id") if getattr(args, r)}
    options = LoadOptions(
        kind=args.kind,
        as_of=args.as_of,
        decimal=args.decimal,
        date_order=args.date_order,
        keep_duplicates=args.keep_duplicates,
        encoding=args.encoding,
        sheet=args.sheet,
    ).with_columns(columns)
    try:
        data = args.input.read_bytes()
    except OSError as exc:
        raise CrmError("error.cannot_open", path=str(args.input), detail=exc.strerror or "") from exc
    return load(data, args.input.name, options)


def _rfm(customers, args: argparse.Namespace):
    from crm_core.rfm import RfmParams, rfm
    from crm_core.segments import BUILTIN, builtin, load_scheme

    if args.scheme in BUILTIN:
        scheme = builtin(args.scheme)
    else:
        try:
            scheme = load_scheme(Path(args.scheme).read_bytes())
        except OSError as exc:
            raise CrmError("error.cannot_open", path=args.scheme, detail=exc.strerror or "") from exc
    split = "score_mean" if args.method == "quantile" else args.method
    params = RfmParams(score_method="quantile", bins=args.bins, split_method=split, m_basis=args.m_basis)
    out = rfm(customers, params, scheme)
    return out[["customer_id", "recency_days", "frequency", "monetary", "r_score", "f_score", "m_score", "segment"]]


def _value_matrix(customers, args: argparse.Namespace):
    from crm_core.value_matrix import Split, value_matrix

    out = value_matrix(customers, Split(args.split), Split(args.split))
    return out[["customer_id", "frequency", "avg_spend", "value_type"]]


def _lifecycle(result: LoadResult, args: argparse.Namespace):
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


def _summarize_on_engine(args: argparse.Namespace) -> int:
    from crm_core.engine import spark_backend, summarize_source

    columns = {r: getattr(args, r) for r in ("customer_id", "order_date", "amount", "order_id") if getattr(args, r)}
    try:
        con = spark_backend(args.spark_master, args.spark_remote) if args.engine == "spark" else None
        customers = summarize_source(str(args.input), args.engine, args.as_of, columns, con=con)
        if args.out.suffix.lower() == ".parquet":
            customers.to_parquet(args.out, index=False)
        else:
            from crm_core.export import to_csv_bytes

            args.out.write_bytes(to_csv_bytes(customers))
    except CrmError as exc:
        print(f"error: {exc.message(args.lang)}", file=sys.stderr)
        return EXIT_BAD_INPUT
    print(f"{len(customers)} customers written to {args.out} ({args.engine})", file=sys.stderr)
    return 0


def _key_accounts(args: argparse.Namespace) -> int:
    from crm_core.classroom import key_accounts
    from crm_core.export import to_csv_bytes
    from crm_core.readers import read_table

    try:
        try:
            raw = read_table(args.accounts.read_bytes(), args.accounts.name)
        except OSError as exc:
            raise CrmError("error.cannot_open", path=str(args.accounts), detail=exc.strerror or "") from exc
        out = key_accounts(raw.frame, args.a_split, args.s_split)
        args.out.write_bytes(to_csv_bytes(out))
    except CrmError as exc:
        print(f"error: {exc.message(args.lang)}", file=sys.stderr)
        return EXIT_BAD_INPUT
    print(f"{len(out)} accounts written to {args.out}", file=sys.stderr)
    return 0


def _bullseye(args: argparse.Namespace) -> int:
    from crm_core.bullseye import default_catalogue, load_catalogue, load_scenario, score

    try:
        try:
            catalogue = load_catalogue(args.catalogue.read_bytes()) if args.catalogue else default_catalogue()
            scenario = load_scenario(args.scenario.read_bytes(), catalogue)
        except OSError as exc:
            raise CrmError("error.cannot_open", path=str(exc.filename), detail=exc.strerror or "") from exc
        result = score(catalogue, scenario.scores)
    except CrmError as exc:
        print(f"error: {exc.message(args.lang)}", file=sys.stderr)
        return EXIT_BAD_INPUT
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


def report_dict(result: LoadResult) -> dict:
    """The load report as plain JSON-able data."""
    r, s = result.report, result.summary
    return {
        "kind": r.kind,
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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m crm_core", description="CRM Value Lab")
    sub = parser.add_subparsers(dest="command", required=True)
    p_sum = sub.add_parser("summarize", help="transactions → one row per customer")
    _input_options(p_sum)
    p_sum.add_argument("--out", type=Path, required=True, help="OUT.csv or OUT.parquet")
    p_sum.add_argument(
        "--engine",
        choices=["pandas", "duckdb", "spark"],
        default="pandas",
        help="pandas (default): full validation and load report in memory; duckdb/spark: the engine "
        "reads typed CSV/Parquet files, globs or directories itself (large data)",
    )
    p_sum.add_argument("--spark-master", help="Spark master URL, e.g. spark://host:7077 (default local[2])")
    p_sum.add_argument("--spark-remote", help="Spark Connect URL, e.g. sc://host:15002")
    p_val = sub.add_parser("validate", help="print the load report; exit 2 if nothing usable")
    _input_options(p_val)
    p_rfm = sub.add_parser("rfm", help="RFM scores and segment per customer")
    _input_options(p_rfm)
    p_rfm.add_argument("--scheme", default="cn8", help="cn8, en10 or a rules FILE.json")
    p_rfm.add_argument(
        "--method",
        choices=["quantile", "mean", "median"],
        default="mean",
        help="mean/median: high/low split of the raw values (scores by quintile); "
        "quantile: high/low by the mean of the quantile scores",
    )
    p_rfm.add_argument("--bins", type=int, choices=[3, 4, 5], default=5)
    p_rfm.add_argument("--m-basis", choices=["monetary", "avg_spend"], default="monetary")
    p_rfm.add_argument("--out", type=Path, required=True, help="OUT.csv or OUT.parquet")
    p_vm = sub.add_parser("value-matrix", help="frequency × average spend: value type per customer")
    _input_options(p_vm)
    p_vm.add_argument("--split", choices=["mean", "median"], default="mean")
    p_vm.add_argument("--out", type=Path, required=True)
    p_lc = sub.add_parser("lifecycle", help="current value × potential: grid cell and stage per customer")
    _input_options(p_lc)
    p_lc.add_argument("--potential", default="model", help="model, wallet:COLUMN or a COLUMN of potentials")
    p_lc.add_argument("--margin", type=float, help="gross margin %% when the data has no cost column")
    p_lc.add_argument("--cost-per-order", type=float, default=0.0)
    p_lc.add_argument("--out", type=Path, required=True)
    p_ka = sub.add_parser("key-accounts", help="key-account selection matrix: quadrant per account")
    p_ka.add_argument("accounts", type=Path, help="CSV with account_id, attractiveness, strength (0–10)")
    p_ka.add_argument("--a-split", type=float, default=5.0)
    p_ka.add_argument("--s-split", type=float, default=5.0)
    p_ka.add_argument("--out", type=Path, required=True)
    p_ka.add_argument("--lang", choices=["en", "zh"], default="en")
    p_bull = sub.add_parser("bullseye", help="score a Bullseye scenario (JSON) and print the result as JSON")
    p_bull.add_argument("scenario", type=Path)
    p_bull.add_argument("--catalogue", type=Path, help="a catalogue JSON (default: the bundled 30 criteria)")
    p_bull.add_argument("--lang", choices=["en", "zh"], default="en")
    args = parser.parse_args(argv)
    if args.command == "bullseye":
        return _bullseye(args)
    if args.command == "key-accounts":
        return _key_accounts(args)
    if args.command == "summarize" and args.engine != "pandas":
        return _summarize_on_engine(args)
    try:
        result = _load(args)
    except CrmError as exc:
        print(f"error: {exc.message(args.lang)}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except Exception as exc:  # a bug, not bad input: still one line, no traceback for the user
        print(f"error: unexpected {type(exc).__name__}: {exc}", file=sys.stderr)
        return 3
    if args.command == "validate":
        print(json.dumps(report_dict(result), ensure_ascii=False, indent=2))
        return 0
    out: Path = args.out
    customers = result.customers
    if args.command in ("rfm", "value-matrix", "lifecycle"):
        try:
            step = {"rfm": _rfm, "value-matrix": _value_matrix, "lifecycle": _lifecycle}[args.command]
            customers = step(result, args) if args.command == "lifecycle" else step(customers, args)
        except CrmError as exc:
            print(f"error: {exc.message(args.lang)}", file=sys.stderr)
            return EXIT_BAD_INPUT
    try:
        if out.suffix.lower() == ".parquet":
            customers.to_parquet(out, index=False)
        else:
            from crm_core.export import to_csv_bytes

            out.write_bytes(to_csv_bytes(customers))
    except OSError as exc:
        print(f"error: {t('error.cannot_write', args.lang, path=str(out), detail=exc.strerror or '')}", file=sys.stderr)
        return EXIT_BAD_INPUT
    r = result.report
    print(
        f"{len(customers)} customers written to {out} "
        f"({r.rows_read} rows read, {r.rows_kept} kept, {r.rows_rejected} rejected)",
        file=sys.stderr,
    )
    return 0
