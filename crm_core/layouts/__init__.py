"""Export layouts as data: one TOML file per layout in this folder, plus the status vocabulary.

A layout names the columns of one real export (Shopify orders, a Taobao order report, a
Kingdee sales detail ...) by their roles, and says which status values are purchases. It is
recognised from the header: every column in its ``signature`` must be there. Adding a layout
is adding a file (docs/data-loading.md says how); ``tests/test_layouts.py`` loads every file.
"""

from __future__ import annotations

import functools
import tomllib
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from crm_core.readers import normalize_header

HERE = Path(__file__).parent
# What a status value means for the purchase/return rule (docs/data-loading.md):
#   purchase  a paid order: a purchase (a refund column, when present, gives its returns)
#   refunded  paid, then refunded in full: one purchase and one return
#   closed    closed or cancelled: refunded in full when the order has a payment date, else not a purchase
#   excluded  never paid (pending, authorised, voided, awaiting payment): not a purchase
STATUS_CLASSES = ("purchase", "refunded", "closed", "excluded")


@dataclass(frozen=True)
class Layout:
    key: str
    name: dict[str, str]
    source: str
    signature: tuple[str, ...]
    roles: dict[str, str]  # role → column
    fallbacks: dict[str, tuple[str, ...]] = field(default_factory=dict)  # role → columns used where blank
    statuses: dict[str, str] = field(default_factory=dict)  # normalised value → class
    guest_ids: tuple[str, ...] = ()  # id values that mean "no customer" (WooCommerce's 0)
    lowercase_ids: bool = False  # e-mail addresses as customer ids
    amount_net_of_refunds: bool = False  # the amount column already has the refund taken off
    alternatives: tuple[str, ...] = ()  # other amount columns of the export, named in the report
    notes: dict[str, str] = field(default_factory=dict)  # what the layout implies, per language

    def matches(self, columns: list[str]) -> bool:
        keys = {normalize_header(c) for c in columns}
        return all(normalize_header(s) in keys for s in self.signature)

    def resolve(self, columns: list[str]) -> tuple[dict[str, str], tuple[str, ...]]:
        """(role → column, customer-id fallback columns) for the columns of this file.

        A role names one column or a list: the first that the file has is used. For the
        customer id the others that the file has are fallbacks, read where the first is blank.
        """
        by_key = {normalize_header(c): c for c in reversed(columns)}
        mapping: dict[str, str] = {}
        id_fallbacks: tuple[str, ...] = ()
        for role, first in self.roles.items():
            present = [c for n in (first, *self.fallbacks.get(role, ())) if (c := by_key.get(normalize_header(n)))]
            present = [c for c in present if c not in mapping.values()]
            if present:
                mapping[role] = present[0]
                if role == "customer_id":
                    id_fallbacks = tuple(present[1:])
        return mapping, id_fallbacks


def normalize_status(value: object) -> str:
    """Status text for lookup: NFKC, lower case, no spaces; WooCommerce's ``wc-`` prefix removed."""
    s = unicodedata.normalize("NFKC", str(value)).strip().lower()
    s = s.removeprefix("wc-")
    return "".join(s.split()).replace("_", "-")


def _read(path: Path) -> dict:
    with path.open("rb") as fh:
        return tomllib.load(fh)


@functools.cache
def status_vocabulary() -> dict[str, str]:
    """The shared vocabulary: normalised status value → class (English and Chinese exports)."""
    data = _read(HERE / "statuses.toml")
    return {normalize_status(v): cls for cls in STATUS_CLASSES for v in data.get(cls, [])}


def _layout(data: dict) -> Layout:
    roles: dict[str, str] = {}
    fallbacks: dict[str, tuple[str, ...]] = {}
    for role, value in data["roles"].items():
        names = [value] if isinstance(value, str) else list(value)
        roles[role] = names[0]
        if len(names) > 1:
            fallbacks[role] = tuple(names[1:])
    statuses = dict(status_vocabulary())
    for cls, values in data.get("statuses", {}).items():
        if cls not in STATUS_CLASSES:
            raise ValueError(f"layout {data['key']}: unknown status class {cls!r}")
        statuses.update({normalize_status(v): cls for v in values})
    return Layout(
        key=data["key"],
        name=dict(data["name"]),
        source=data.get("source", ""),
        signature=tuple(data["signature"]),
        roles=roles,
        fallbacks=fallbacks,
        statuses=statuses,
        guest_ids=tuple(data.get("ids", {}).get("guest", ())),
        lowercase_ids=bool(data.get("ids", {}).get("lowercase", False)),
        notes=dict(data.get("notes", {})),
        amount_net_of_refunds=bool(data.get("amount_net_of_refunds", False)),
        alternatives=tuple(data.get("alternatives", ())),
    )


@functools.cache
def catalogue() -> dict[str, Layout]:
    """Every bundled layout by key, in file-name order."""
    out = {}
    for path in sorted(HERE.glob("*.toml")):
        if path.name == "statuses.toml":
            continue
        layout = _layout(_read(path))
        if layout.key in out:
            raise ValueError(f"two layouts named {layout.key}")
        out[layout.key] = layout
    return out


def detect_layout(columns: list[str]) -> Layout | None:
    """The layout whose signature the header holds; the most specific (longest) wins."""
    hits = [layout for layout in catalogue().values() if layout.matches(columns)]
    return max(hits, key=lambda layout: len(layout.signature), default=None)


def status_class(value: object, vocabulary: dict[str, str]) -> str | None:
    """The class of one status value, or None when the vocabulary does not know it.

    Vocabulary entries ending in ``*`` are prefixes (JD's ``(删除)等待出库``).
    """
    key = normalize_status(value)
    if key in vocabulary:
        return vocabulary[key]
    for entry, cls in vocabulary.items():
        if entry.endswith("*") and key.startswith(entry[:-1]):
            return cls
    return None
