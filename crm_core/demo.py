"""The bundled data, reached through one module so examples run without an upload."""

from __future__ import annotations

from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent.parent / "data"
DEMO_TRANSACTIONS = DATA_DIR / "demo_transactions.csv"
CLASSROOM_CUSTOMERS = DATA_DIR / "classroom_customers.csv"


def demo_bytes(name: str = "demo") -> tuple[bytes, str]:
    """(file bytes, file name) of the bundled ``demo`` transactions or ``classroom`` table."""
    path = {"demo": DEMO_TRANSACTIONS, "classroom": CLASSROOM_CUSTOMERS}[name]
    return path.read_bytes(), path.name


def load_demo(name: str = "demo"):
    """The bundled data loaded like an upload: a :class:`crm_core.ingest.LoadResult`."""
    from crm_core.ingest import load

    data, filename = demo_bytes(name)
    return load(data, filename)
