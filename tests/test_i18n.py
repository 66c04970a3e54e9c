"""Contract tests: every key the code can produce has a label in both languages."""

import datetime as dt
import re
from pathlib import Path

import pytest

from crm_core.columns import ROLES
from crm_core.i18n import LABELS, LANGS, fmt_date, fmt_money, t
from crm_core.ingest import REASONS, REPAIRS

ROOT = Path(__file__).resolve().parent.parent


def placeholders(text: str) -> set[str]:
    return {m.split(":")[0] for m in re.findall(r"{([^{}]+)}", text)}


def test_both_languages_have_the_same_keys_and_placeholders():
    assert set(LABELS["en"]) == set(LABELS["zh"])
    for key, en in LABELS["en"].items():
        assert placeholders(en) == placeholders(LABELS["zh"][key]), key


def test_every_key_used_in_code_exists():
    used = set()
    for path in [*ROOT.glob("*.py"), *ROOT.glob("pages/*.py"), *ROOT.glob("ui/*.py"), *ROOT.glob("crm_core/**/*.py")]:
        used |= set(
            re.findall(
                r"""["']((?:app|nav|home|data|kind|metric|format|error|note|rfm|vm|lc|cls|bullseye|col|split|drill|"""
                r"""potential|reason|repair|role|dateorder|view|rule|status_class|interp|total)\.[a-z_.0-9]+)["']""",
                path.read_text(encoding="utf-8"),
            )
        )
    used -= {"app.py", "nav.x", "bullseye.csv", "bullseye.json", "bullseye.png"}  # file names, not labels
    missing = {k for k in used if k not in LABELS["en"] and not k.endswith(".")}
    assert not missing


@pytest.mark.parametrize("lang", LANGS)
def test_generated_keys_have_labels(lang):
    keys = [f"reason.{r}" for r in REASONS] + [f"repair.{r}" for r in REPAIRS]
    keys += [f"role.{r}" for roles in ROLES.values() for r in roles]
    keys += [f"kind.{k}" for k in ROLES] + ["dateorder.dmy", "dateorder.mdy"]
    for key in keys:
        assert key in LABELS[lang], key


def test_formatting_follows_the_language():
    assert fmt_money(1234.5, "en") == "¥1,234.50"
    assert fmt_money(123456.0, "zh") == "¥12.35万"
    assert fmt_money(-5, "zh") == "-¥5.00"
    assert fmt_date(dt.date(2024, 3, 5), "zh") == "2024年3月5日"
    assert fmt_date(dt.date(2024, 3, 5), "en") == "5 Mar 2024"
    assert t("data.report.balance", "zh", read=3, kept=2, rejected=1) == "读取 3 行 = 保留 2 行 + 拒绝 1 行"
    assert t("no.such.key", "zh") == "no.such.key"


class AnyValue:
    """Formats under any spec ({n}, {share:.1f}): the test checks names, not types."""

    def __format__(self, spec: str) -> str:
        return "x"


def test_every_label_formats_with_its_own_placeholders():
    for lang in LANGS:
        for key, text in LABELS[lang].items():
            t(key, lang, **dict.fromkeys(placeholders(text), AnyValue()))  # strict in tests: raises if broken


def test_a_label_given_the_wrong_parameters_fails_in_tests():
    with pytest.raises(KeyError):
        t("data.report.balance", "en", read=1)


def test_labels_live_in_the_locale_files():
    import tomllib

    for lang in LANGS:
        with (ROOT / "crm_core" / "locales" / f"{lang}.toml").open("rb") as fh:
            assert tomllib.load(fh) == LABELS[lang]
