"""Every limit on what a user can hand the app, declared once.

Each is checked before the heavy work it protects, so a pathological file is refused in a
second or two with a message naming the limit, instead of holding a session for minutes.
The readers, the JSON schemas (:mod:`crm_core.schemas`), the Bullseye and segment-rule
parsers and docs/security.md all take their numbers from here; ``tests/test_corpus.py``
feeds files just past each limit and checks the refusal and its speed.
"""

from __future__ import annotations

# ---------------------------------------------------------------- tables (CSV, Excel, Parquet)
MAX_BYTES = 200 * 1024 * 1024  # one upload; also .streamlit/config.toml server.maxUploadSize
# More columns than any export has; a 40,000-column header is refused from its first line.
MAX_COLUMNS = 500
# One cell (or a header cell) of a text file; a line of a text file is at most this × columns.
MAX_FIELD_CHARS = 100_000
# rows × columns of a table as a spreadsheet lays it out (Excel's own sheet is 1,048,576 rows).
MAX_CELLS = 12_000_000  # a full Excel sheet (1,048,576 rows) of 11 columns; ~1.5 GB while read
# An .xlsx is a zip: refuse one that would inflate past this, or by more than this ratio.
MAX_XLSX_UNZIPPED = 500 * 1024 * 1024
MAX_XLSX_RATIO = 200
# Distinct strings an .xlsx may declare in its shared-strings table.
MAX_SHARED_STRINGS = 5_000_000

# ------------------------------------------------------- JSON files (rules, catalogues, scenarios)
MAX_JSON_BYTES = 1024 * 1024  # the bundled ones are a few kB
MAX_JSON_DEPTH = 12  # objects and lists inside each other; the formats need 4
MAX_NAME_CHARS = 200  # a key, a label, a title, a scenario name
MAX_TEXT_CHARS = 2_000  # an action text, a note
MAX_RULES = 100  # segment rules in one scheme (a scheme covers at most 8 × 125 score cells)
MAX_CRITERIA = 200  # Bullseye criteria in one catalogue
MAX_GROUPS = 50  # Bullseye groups
MAX_WEIGHT = 1000.0  # one criterion's weight
MAX_SCORE = 10  # a Bullseye score is 0–10

# ------------------------------------------------------------------------------- sessions
UPLOAD_CACHE_ENTRIES = 8  # loaded uploads kept for re-use across reruns and sessions
UPLOAD_CACHE_BYTES = 256 * 1024 * 1024  # ... and their results together at most this
WORK_CACHE_ENTRIES = 16  # per-data results (RFM scores, the potential model), same byte bound
REFUSAL_SECONDS = 5  # every refusal above must come within this (checked by the corpus test)

# The limits a user may meet, for docs/security.md and the tests: name → (value, what it bounds).
TABLE = {
    "MAX_BYTES": (MAX_BYTES, "bytes in one upload"),
    "MAX_COLUMNS": (MAX_COLUMNS, "columns in a table"),
    "MAX_FIELD_CHARS": (MAX_FIELD_CHARS, "characters in one cell of a text file"),
    "MAX_CELLS": (MAX_CELLS, "rows × columns of a table"),
    "MAX_XLSX_UNZIPPED": (MAX_XLSX_UNZIPPED, "bytes an .xlsx unpacks to"),
    "MAX_XLSX_RATIO": (MAX_XLSX_RATIO, "unpacked ÷ packed size of an .xlsx"),
    "MAX_SHARED_STRINGS": (MAX_SHARED_STRINGS, "distinct strings in an .xlsx"),
    "MAX_JSON_BYTES": (MAX_JSON_BYTES, "bytes in a rule, catalogue or scenario file"),
    "MAX_JSON_DEPTH": (MAX_JSON_DEPTH, "nesting of a JSON file"),
    "MAX_NAME_CHARS": (MAX_NAME_CHARS, "characters in a key, label, title or name"),
    "MAX_TEXT_CHARS": (MAX_TEXT_CHARS, "characters in an action or a note"),
    "MAX_RULES": (MAX_RULES, "rules in a segment scheme"),
    "MAX_CRITERIA": (MAX_CRITERIA, "criteria in a Bullseye catalogue"),
    "MAX_GROUPS": (MAX_GROUPS, "groups in a Bullseye catalogue"),
    "MAX_WEIGHT": (MAX_WEIGHT, "weight of one criterion"),
    "UPLOAD_CACHE_ENTRIES": (UPLOAD_CACHE_ENTRIES, "loaded uploads cached"),
    "UPLOAD_CACHE_BYTES": (UPLOAD_CACHE_BYTES, "bytes of the cached uploads together"),
    "WORK_CACHE_ENTRIES": (WORK_CACHE_ENTRIES, "per-data results cached"),
}
