"""Every session key is named once, and crm_core never imports Streamlit."""

import ast
import re

from conftest import ROOT

from ui.state import KEYS, content_token

UI_FILES = [*ROOT.glob("ui/*.py"), *ROOT.glob("pages/*.py"), ROOT / "app.py"]


def keys_in_code() -> tuple[set[str], set[str]]:
    used, widgets = set(), set()
    for path in UI_FILES:
        s = path.read_text(encoding="utf-8")
        used |= set(re.findall(r"session_state\.([a-z_][a-z0-9_]*)", s)) - {"get", "pop", "setdefault"}
        used |= set(re.findall(r"session_state(?:\[|\.get\(|\.pop\(|\.setdefault\()\"([a-z_][a-z0-9_]*)\"", s))
        used |= set(re.findall(r"\"([a-z_][a-z0-9_]*)\" (?:not )?in st\.session_state", s))
        widgets |= set(re.findall(r"key=\"([a-z_][a-z0-9_]*)\"", s))
    return used, widgets


def test_every_session_key_is_a_widget_key_or_registered():
    used, widgets = keys_in_code()
    assert used - widgets - set(KEYS) == set()
    assert set(KEYS) - used == set(), "registered keys that no code uses"


def test_crm_core_never_imports_streamlit():
    for path in (ROOT / "crm_core").rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            assert not any(n == "streamlit" or n.startswith("streamlit.") for n in names), path


def test_the_dataset_token_follows_the_content():
    import pandas as pd

    a = pd.DataFrame({"customer_id": ["1", "2"], "monetary": [1.0, 2.0]})
    assert content_token(a) == content_token(a.copy())
    assert content_token(a) != content_token(a.assign(monetary=[1.0, 2.5]))
    assert content_token(b"bytes", "x.csv") == content_token(b"bytes", "x.csv") != content_token(b"bytes", "y.csv")
