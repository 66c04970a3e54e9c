"""What a session keeps: the data it works on, and the logger."""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass, field

import streamlit as st

from crm_core.i18n import t
from crm_core.ingest import LoadResult
from ui.widgets import md_escape

log = logging.getLogger("crm_value_lab")


@dataclass
class Dataset:
    """The data a session is working on."""

    source: str  # demo | classroom | typed | file
    name: str
    result: LoadResult
    token: str = field(default_factory=lambda: uuid.uuid4().hex)  # keys per-dataset caches

    def label(self, lang: str) -> str:
        if self.source == "file":
            return t("data.source.file", lang, name=md_escape(self.name))
        return t(f"data.source.{self.source}", lang)


def dataset() -> Dataset:
    return st.session_state.dataset
