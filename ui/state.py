"""What a session keeps: the data it works on, its token, and the work cached per data.

The token is a hash of the data's content (the uploaded bytes and reading options, or the
table), so re-uploading the same file finds the work already done, and a cache entry can only
be reached by a session holding the same content.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pandas as pd
import streamlit as st

from crm_core.i18n import t
from crm_core.ingest import LoadResult
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
    "custom_scheme": "the user's own RFM segment rules",
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


@st.cache_resource(max_entries=16, ttl=3600, show_spinner=False)
def _work(token: str, what: str, key: tuple, _compute: Callable[[], Any]) -> Any:
    return _compute()


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
    result = _work(token, what, key, compute)
    st.session_state[slot] = ((token, key), result)
    return result
