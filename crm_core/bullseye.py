"""Bullseye model (布尔塞模型): how well a product fits online direct sales.

The catalogue of criteria is data (``catalogues/bullseye.json``): 30 criteria, each with a
stable key, a group, English and Chinese labels, hints for a low and a high score, a weight
and whether it is one of the two additions to the course's 28. Every criterion is scored
0–10; the total is out of 10 × the number of criteria (300 for the bundled catalogue).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from crm_core.errors import CrmError
from crm_core.limits import MAX_CRITERIA, MAX_SCORE, MAX_WEIGHT
from crm_core.limits import MAX_NAME_CHARS as MAX_NAME
from crm_core.schemas import read_json

CATALOGUE_FILE = Path(__file__).resolve().parent / "catalogues" / "bullseye.json"
# Score bands from the course: 0–1 very poor fit, 2–4 low/medium, 5–7 medium, 8–10 high.
BANDS = (("very_poor", 2), ("low", 5), ("medium", 8), ("high", math.inf))
# Verdict bands on the percentage: the app's convention, not the source's.
VERDICTS = (("strong", 70), ("possible", 50), ("weak", 30), ("unsuited", 0))


@dataclass(frozen=True)
class Criterion:
    key: str
    group: str
    label_en: str
    label_zh: str
    low: str = ""
    high: str = ""
    weight: float = 1.0
    addition: bool = False

    def label(self, lang: str) -> str:
        return self.label_zh if lang == "zh" and self.label_zh else self.label_en


@dataclass(frozen=True)
class Catalogue:
    key: str
    groups: tuple[tuple[str, str, str], ...]  # (key, English, Chinese)
    criteria: tuple[Criterion, ...]
    title_en: str = "Bullseye model"
    title_zh: str = "布尔塞模型"

    @property
    def keys(self) -> list[str]:
        return [c.key for c in self.criteria]

    @property
    def max_total(self) -> float:
        return MAX_SCORE * len(self.criteria)

    def group_label(self, key: str, lang: str) -> str:
        for g, en, zh in self.groups:
            if g == key:
                return zh if lang == "zh" else en
        return key

    def to_dict(self) -> dict:
        return {
            "key": self.key,
            "title": {"en": self.title_en, "zh": self.title_zh},
            "groups": [{"key": g, "label": {"en": en, "zh": zh}} for g, en, zh in self.groups],
            "criteria": [_criterion_dict(c) for c in self.criteria],
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=1)

    def frame(self) -> pd.DataFrame:
        """The criteria as an editable table (one row per criterion)."""
        return pd.DataFrame([c.__dict__ for c in self.criteria])


def _criterion_dict(c: Criterion) -> dict:
    return {
        "key": c.key,
        "group": c.group,
        "label": {"en": c.label_en, "zh": c.label_zh},
        "low": c.low,
        "high": c.high,
        "weight": c.weight,
        "addition": c.addition,
    }


def default_catalogue() -> Catalogue:
    return parse_catalogue(json.loads(CATALOGUE_FILE.read_text(encoding="utf-8")))


def load_catalogue(text: str | bytes) -> Catalogue:
    return parse_catalogue(read_json(text, "catalogue"))


def parse_catalogue(data: object) -> Catalogue:
    """Validate a catalogue; every problem raises CrmError naming the criterion."""
    if not isinstance(data, dict) or not isinstance(data.get("criteria"), list) or not data["criteria"]:
        raise CrmError("error.catalogue_shape")
    if len(data["criteria"]) > MAX_CRITERIA:
        raise CrmError("error.too_many_criteria", count=len(data["criteria"]), limit=MAX_CRITERIA)
    raw_groups = data.get("groups") or []
    if not isinstance(raw_groups, list):
        raise CrmError("error.group_shape", group="groups")
    groups = []
    for i, g in enumerate(raw_groups, start=1):
        if isinstance(g, str):  # a group given by its key alone
            g = {"key": g}
        if not isinstance(g, dict) or not isinstance(g.get("key"), str) or not g["key"].strip():
            raise CrmError("error.group_shape", group=f"#{i}")
        en, zh = _names(g.get("label"), g["key"])
        groups.append((g["key"].strip(), en, zh))
    group_keys = {g[0] for g in groups}
    if len(group_keys) != len(groups):
        dup = next(k for k in group_keys if sum(g[0] == k for g in groups) > 1)
        raise CrmError("error.group_duplicate", group=dup)
    criteria, seen = [], set()
    for i, raw in enumerate(data["criteria"], start=1):
        if not isinstance(raw, dict):
            raise CrmError("error.criterion_shape", criterion=f"#{i}")
        en, zh = _names(raw.get("label"), str(raw.get("key") or ""))
        crit = criterion_from(
            raw.get("key"),
            raw.get("group"),
            en,
            zh,
            raw.get("low"),
            raw.get("high"),
            raw.get("weight", 1),
            raw.get("addition", False),
            i,
        )
        if crit.key in seen:
            raise CrmError("error.criterion_duplicate", criterion=crit.key)
        seen.add(crit.key)
        if crit.group not in group_keys:
            groups.append((crit.group, crit.group, crit.group))
            group_keys.add(crit.group)
        criteria.append(crit)
    if sum(c.weight for c in criteria) <= 0:
        raise CrmError("error.weights_zero")
    title_en, title_zh = _names(data.get("title"), "Bullseye model")
    return Catalogue(
        str(data.get("key") or "custom")[:MAX_NAME],
        tuple(groups),
        tuple(criteria),
        title_en if data.get("title") else "Bullseye model",
        title_zh if data.get("title") else "布尔塞模型",
    )


def _names(label: object, fallback: str) -> tuple[str, str]:
    """(English, Chinese) from ``{"en": …, "zh": …}`` or a plain string; long names cut."""
    if isinstance(label, dict):
        en, zh = label.get("en"), label.get("zh")
    elif isinstance(label, str):
        en, zh = label, None
    else:
        en, zh = None, None
    en = str(en or fallback).strip()[:MAX_NAME]
    return en, str(zh or en).strip()[:MAX_NAME]


def criterion_from(key, group, label_en, label_zh, low, high, weight, addition, row) -> Criterion:
    if not isinstance(key, str) or not key.strip():
        raise CrmError("error.criterion_key", criterion=f"#{row}")
    key = key.strip()
    if not isinstance(group, str) or not group.strip():
        raise CrmError("error.criterion_group", criterion=key)
    if weight is None or (isinstance(weight, float) and math.isnan(weight)):
        weight = 1  # a row added in the editor without a weight
    try:
        w = float(weight)
    except (TypeError, ValueError) as exc:
        raise CrmError("error.criterion_weight", criterion=key, weight=str(weight)) from exc
    if not math.isfinite(w) or not 0 <= w <= MAX_WEIGHT:
        raise CrmError("error.criterion_weight", criterion=key, weight=str(weight))
    en = str(label_en or "").strip() or key
    return Criterion(
        key, group.strip(), en, str(label_zh or "").strip() or en, str(low or ""), str(high or ""), w, bool(addition)
    )


def catalogue_from_frame(frame: pd.DataFrame, base: Catalogue) -> Catalogue:
    """A catalogue from the page's edited table (rows may be added, removed or renamed)."""
    rows = []
    for row in frame.to_dict("records"):
        if all(v is None or (isinstance(v, float) and math.isnan(v)) or v == "" for v in row.values()):
            continue  # an empty row left by the editor
        label = {"en": row.get("label_en"), "zh": row.get("label_zh")}
        rows.append({**row, "label": label})
    return parse_catalogue({**base.to_dict(), "criteria": rows})


@dataclass
class Scenario:
    name: str
    scores: dict[str, float | None]
    notes: dict[str, str] = field(default_factory=dict)

    def to_json(self) -> str:
        return json.dumps({"name": self.name, "scores": self.scores, "notes": self.notes}, ensure_ascii=False, indent=1)


def load_scenario(text: str | bytes, catalogue: Catalogue) -> Scenario:
    """A saved scenario; unknown criteria and scores outside 0–10 are refused, naming them."""
    data = read_json(text, "scenario")
    if not isinstance(data, dict) or not isinstance(data.get("scores"), dict):
        raise CrmError("error.scenario_shape")
    unknown = [k for k in data["scores"] if k not in catalogue.keys]
    if unknown:
        raise CrmError("error.scenario_unknown", keys=", ".join(map(str, unknown[:5])))
    scores: dict[str, float | None] = {}
    for key, value in data["scores"].items():
        if value is None:
            scores[key] = None
            continue
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= MAX_SCORE:
            raise CrmError("error.scenario_score", criterion=key, value=str(value)[:20])
        scores[key] = float(value)
    notes = data.get("notes") if isinstance(data.get("notes"), dict) else {}
    return Scenario(str(data.get("name") or ""), scores, {str(k): str(v) for k, v in notes.items()})


def band(score: float | None) -> str | None:
    """very_poor (0–1), low (2–4), medium (5–7) or high (8–10); None when not scored."""
    if score is None:
        return None
    return next(name for name, upper in BANDS if score < upper)


def verdict(percent: float) -> str:
    return next(name for name, lower in VERDICTS if percent >= lower)


@dataclass
class Result:
    total: float
    max_total: float
    percent: float
    verdict: str
    groups: pd.DataFrame  # group, criteria, subtotal, max, percent
    criteria: pd.DataFrame  # key, group, score, weight, band, addition
    weakest: list[str]  # criterion keys, lowest weighted score first
    unscored: int


def score(catalogue: Catalogue, scores: dict[str, float | None]) -> Result:
    """Totals: each group's (and the whole form's) weighted mean × its number of criteria,
    so with equal weights the total is the plain sum out of 10 per criterion. Criteria not
    scored yet count as 0 and are reported."""
    rows = []
    for c in catalogue.criteria:
        s = scores.get(c.key)
        if s is not None and not (0 <= s <= MAX_SCORE):
            raise CrmError("error.scenario_score", criterion=c.key, value=str(s))
        rows.append(
            {"key": c.key, "group": c.group, "score": s, "weight": c.weight, "band": band(s), "addition": c.addition}
        )
    frame = pd.DataFrame(rows)
    filled = frame["score"].astype("float64").fillna(0.0)
    weighted = filled * frame["weight"]

    def scaled(mask) -> float:
        w = frame.loc[mask, "weight"].sum()
        return float(mask.sum() * weighted[mask].sum() / w) if w > 0 else 0.0

    total = scaled(pd.Series(True, index=frame.index))
    groups = []
    for g, _, _ in catalogue.groups:
        mask = frame["group"] == g
        if mask.any():
            sub = scaled(mask)
            groups.append(
                {
                    "group": g,
                    "criteria": int(mask.sum()),
                    "subtotal": sub,
                    "max": MAX_SCORE * int(mask.sum()),
                    "percent": 100 * sub / (MAX_SCORE * mask.sum()),
                }
            )
    order = frame.assign(v=filled, w=-frame["weight"]).sort_values(["v", "w"], kind="stable")
    percent = 100 * total / catalogue.max_total
    return Result(
        total,
        catalogue.max_total,
        percent,
        verdict(percent),
        pd.DataFrame(groups),
        frame,
        order["key"].tolist(),
        int(frame["score"].isna().sum()),
    )
