"""The bundled data: validates cleanly, is reproducible and looks like real customers."""

import subprocess
import sys

from conftest import ROOT

from crm_core.demo import load_demo


def test_demo_transactions_validate_cleanly_and_look_real():
    res = load_demo("demo")
    r, c, tx = res.report, res.customers, res.transactions
    assert r.rows_rejected == 0 and r.kind == "transactions"
    assert "generate_demo.py" in (ROOT / "data/README.md").read_text(encoding="utf-8")
    assert 2000 <= len(c) <= 10000 and tx["order_id"].nunique() >= 10000
    returns_share = (tx["amount"] < 0).mean()
    assert 0.03 <= returns_share <= 0.05
    top = c["monetary"].sort_values(ascending=False)
    assert top.head(len(top) // 5).sum() / top.sum() > 0.6  # heavy tail: top 20 % bring most revenue
    assert (c["recency_days"] > 180).mean() > 0.2  # customers who lapse
    span = (tx["order_date"].max() - tx["order_date"].min()).days
    assert 700 <= span <= 740
    assert {"category", "channel", "region", "cost"} <= set(tx.columns)
    assert (ROOT / "data/demo_transactions.csv").stat().st_size < 5 * 2**20


def test_classroom_table_is_a_customer_table():
    res = load_demo("classroom")
    assert res.report.kind == "customers" and res.report.rows_rejected == 0
    assert 10 <= len(res.customers) <= 20


def test_generator_is_reproducible(tmp_path):
    out = tmp_path / "demo.csv"
    subprocess.run(
        [sys.executable, str(ROOT / "data/generate_demo.py"), "--out", str(out)],
        check=True,
        capture_output=True,
        timeout=120,
    )
    assert out.read_bytes() == (ROOT / "data/demo_transactions.csv").read_bytes()


def test_data_readme_documents_every_column():
    readme = (ROOT / "data/README.md").read_text(encoding="utf-8")
    for col in (
        "order_id",
        "customer_id",
        "order_date",
        "category",
        "channel",
        "region",
        "amount",
        "cost",
        "last_purchase",
        "frequency",
        "monetary",
    ):
        assert f"`{col}" in readme, col
