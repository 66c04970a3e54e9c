"""Every user-facing text in English and Chinese: ``t(key, lang, **params)``, read from
``locales/en.toml`` and ``locales/zh.toml``.

Computed frames carry English snake_case keys only; pages translate when they render.
A test checks that both languages have the same keys and the same ``{placeholders}``.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
import tomllib
from pathlib import Path

LANGS = ("zh", "en")

LOCALES = Path(__file__).parent / "locales"
# Tests set this: a label whose placeholders do not fit its parameters is then an error, not
# silently unformatted text (tests/conftest.py).
STRICT = False
log = logging.getLogger("crm_value_lab")


def _load(lang: str) -> dict[str, str]:
    with (LOCALES / f"{lang}.toml").open("rb") as fh:
        return tomllib.load(fh)


LABELS: dict[str, dict[str, str]] = {lang: _load(lang) for lang in ("en", "zh")}


def t(key: str, lang: str = "en", **params: object) -> str:
    """The label ``key`` in ``lang``, formatted with ``params``; falls back to English."""
    table = LABELS.get(lang, LABELS["en"])
    text = table.get(key) or LABELS["en"].get(key) or key
    if params:
        try:
            return text.format(**params)
        except (KeyError, IndexError, ValueError):
            if STRICT:
                raise
            log.warning("label %s (%s) does not fit its parameters %s", key, lang, sorted(params))
            return text
    return text


def fmt_number(value: float, lang: str = "en", decimals: int = 0) -> str:
    """1234567 → '1,234,567' (en) or '123.5万' (zh, from ten thousand up)."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "–"
    if lang == "zh" and abs(value) >= 1e8:
        return f"{value / 1e8:,.2f}亿"
    if lang == "zh" and abs(value) >= 1e4:
        return f"{value / 1e4:,.2f}万"
    return f"{value:,.{decimals}f}"


def fmt_money(value: float, lang: str = "en", currency: str = "¥") -> str:
    """Money with two decimals, or the 万/亿 form in Chinese."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "–"
    sign = "-" if value < 0 else ""
    if lang == "zh" and abs(value) >= 1e4:
        return f"{sign}{currency}{fmt_number(abs(value), lang)}"
    return f"{sign}{currency}{abs(value):,.2f}"


def fmt_date(value: dt.date | None, lang: str = "en") -> str:
    """2024-03-05 → '5 Mar 2024' (en) or '2024年3月5日' (zh)."""
    if value is None:
        return "–"
    if lang == "zh":
        return f"{value.year}年{value.month}月{value.day}日"
    return f"{value.day} {value.strftime('%b')} {value.year}"
