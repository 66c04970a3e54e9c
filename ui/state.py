"""What a session keeps: the data it works on, its token, and the work cached per data.

The token is a hash of the data's content (the uploaded bytes and reading options, or the
table), so re-uploading the same file finds the work already done, and a cache entry can only
be reached by a session holding the same content.
"""

from __future__ import annotations

import dataclasses
import hashlib
import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import streamlit as st

from crm_core.i18n import t
from crm_core.ingest import LoadResult
from crm_core.limits import UPLOAD_CACHE_BYTES, UPLOAD_CACHE_ENTRIES, WORK_CACHE_ENTRIES
from ui.widgets import md_escape

log = logging.getLogger("crm_value_lab")

# Every session key that is not a widget's own key, named once (tests/test_state.py checks
# that the code uses no other). Widget values are dropped on a page switch; what must survive
# one lives here. Keys made per name: keep_<widget> (a persisted widget's value),
# <view>_baseline (a what-if baseline), score_<criterion> (Bullseye scores), work_<what>
# (per_dataset's last result of each kind).
KEYS = {
    "lang": "the interface language, zh or en",
    "dataset": "the Dataset the session works on",
    "upload_id": "file id of the last upload, so a rerun does not load it again",
    "upload_file": "(name, bytes) of the last upload: the uploader's value is dropped on a page switch",
    "attributes": "(name, bytes, id column) of the customer-attribute table joined to every dataset loaded",
    "attributes_id": "file id of the last customer-attribute upload",
    "attributes_joined": "what the last attribute join did (crm_core.attributes.Joined), for the Data page",
    "custom_scheme": "the user's own RFM segment rules",
    "as_of_for": "the data the analysis date was chosen for (a new upload starts at its own date)",
    "ot_to_for": "the analysis date date B was set for (B follows a new analysis date)",
    "f_dims": "the dimension values the filters keep, as JSON {column: [values]} (in the URL)",
    "export_scope": "this run's filters as text (Scope.label), for the downloads' names and about sheets",
    "rules_upload_id": "file id of the last rules upload",
    "r_edges": "RFM threshold edges for R as typed",
    "f_edges": "RFM threshold edges for F as typed",
    "m_edges": "RFM threshold edges for M as typed",
    "rfm_elbow_shown": "the elbow chart was asked for",
    "rfm_k_done": "the k of the clusters last run",
    "bs_catalogue": "the Bullseye catalogue in use (edited or loaded)",
    "bs_cat_upload_id": "file id of the last catalogue upload",
    "bs_scores": "the Bullseye scores being edited",
    "bs_notes": "notes from the last scenario load",
    "bs_error": "the message of the last failed scenario load",
    "bs_compare": "scenarios pinned for comparison",
    "bs_png_bytes": "the printable Bullseye page, once drawn",
    "wt_step": "the walkthrough's current step",
    "wt_model_seen": "the model the walkthrough was last on",
    "quiz_seed": "the quiz's question draw",
    "quiz_for": "the table and model the quiz was drawn for",
    "handout_png": "the classroom handout, once drawn",
}


@dataclass
class Dataset:
    """The data a session is working on."""

    source: str  # demo | classroom | typed | file
    name: str
    result: LoadResult
    token: str = ""  # hash of the content: keys the work cached for this data
    scope: str = ""  # the filters it was narrowed by (crm_core.scope.Scope.label), for exports

    def __post_init__(self) -> None:
        if not self.token:
            self.token = content_token(self.result.customers)

    def label(self, lang: str) -> str:
        if self.source == "file":
            return t("data.source.file", lang, name=md_escape(self.name))
        return t(f"data.source.{self.source}", lang)


def dataset() -> Dataset:
    return st.session_state.dataset


def content_token(*parts: object) -> str:
    """A short hash of bytes, text, tables or anything with a stable ``repr``."""
    h = hashlib.sha256()
    for part in parts:
        if isinstance(part, bytes):
            h.update(part)
        elif isinstance(part, pd.DataFrame):
            h.update(pd.util.hash_pandas_object(part, index=False).to_numpy().tobytes())
            h.update(repr(list(part.columns)).encode())
        else:
            h.update(repr(part).encode())
        h.update(b"\x1f")
    return h.hexdigest()[:24]


class BoundedCache:
    """Results shared by every session, keyed by content, bounded in entries *and* bytes.

    Streamlit's caches bound the number of entries only: eight cached 200 MB uploads would hold
    gigabytes. Here the least recently used entries go as soon as the total size (measured once,
    when an entry is stored) passes ``max_bytes``; an entry larger than that is not kept at
    all. Entries also expire after ``ttl`` seconds. Keys must be derived from the content
    (bytes or a content hash), so only a session holding the same content can reach an entry.
    Values are shared, never copied: the pages read them and never change them.
    """

    def __init__(self, max_entries: int, max_bytes: int, ttl: float = 3600) -> None:
        self.max_entries, self.max_bytes, self.ttl = max_entries, max_bytes, ttl
        self._items: OrderedDict[Hashable, tuple[float, int, Any]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable, compute: Callable[[], Any]) -> Any:
        now = time.monotonic()
        with self._lock:
            hit = self._items.get(key)
            if hit is not None and now - hit[0] < self.ttl:
                self._items.move_to_end(key)
                return hit[2]
        value = compute()  # outside the lock: other sessions are not held up
        size = nbytes(value)
        with self._lock:
            self._items.pop(key, None)
            if size <= self.max_bytes:
                self._items[key] = (now, size, value)
            self._evict(now)
        return value

    def _evict(self, now: float) -> None:
        for key in [k for k, (at, _, _) in self._items.items() if now - at >= self.ttl]:
            del self._items[key]
        while self._items and (len(self._items) > self.max_entries or self.total_bytes > self.max_bytes):
            self._items.popitem(last=False)

    @property
    def total_bytes(self) -> int:
        return sum(size for _, size, _ in self._items.values())

    def __len__(self) -> int:
        return len(self._items)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


def nbytes(value: object, _depth: int = 0) -> int:
    """Memory held by a result: its tables, arrays and bytes, looked for in dataclass fields,
    tuples, lists and dicts (two levels down). Strings count by their length."""
    if isinstance(value, pd.DataFrame):
        return int(value.memory_usage(index=True, deep=True).sum())
    if isinstance(value, (pd.Series, pd.Index)):
        return int(value.memory_usage(deep=True))
    if isinstance(value, np.ndarray):
        return int(value.nbytes)
    if isinstance(value, (bytes, str)):
        return len(value)
    if _depth > 2:
        return 0
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        parts = [getattr(value, f.name) for f in dataclasses.fields(value)]
    elif isinstance(value, dict):
        parts = list(value.values())
    elif isinstance(value, (list, tuple)):
        parts = list(value)
    else:
        parts = list(getattr(value, "__dict__", {}).values())
    return sum(nbytes(p, _depth + 1) for p in parts)


# Loaded uploads, and the work done on each data content (RFM scores, the potential model, …).
UPLOADS = BoundedCache(UPLOAD_CACHE_ENTRIES, UPLOAD_CACHE_BYTES)
WORK = BoundedCache(WORK_CACHE_ENTRIES, UPLOAD_CACHE_BYTES)


def per_dataset(token: str, what: str, key: tuple, compute: Callable[[], Any]) -> Any:
    """``compute()`` once per data content, ``what`` and ``key``; shared read-only by sessions
    that hold the same content (results are never mutated by the pages).

    The session also holds its last result of each kind (``work_<what>``), so many sessions
    filling the shared cache never make one session redo the work it is using.
    """
    slot = f"work_{what}"
    held = st.session_state.get(slot)
    if held is not None and held[0] == (token, key):
        return held[1]
    result = WORK.get((token, what, key), compute)
    st.session_state[slot] = ((token, key), result)
    return result
