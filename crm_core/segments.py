"""Segment schemes as data: rules over high/low flags and scores, validated and compiled.

A scheme is a list of rules; each rule names a segment key, its labels and action in both
languages, and a ``when`` condition on any of ``r``/``f``/``m`` ("high" or "low") and
``r_score``/``f_score``/``m_score`` ([lowest, highest], inclusive). Compiling a scheme fills
a lookup table over every possible combination, which both proves that no two rules
overlap and makes assigning a million customers one array lookup. Customers that no rule
matches go to ``unassigned``, never away.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from crm_core.errors import CrmError
from crm_core.params import BINS
from crm_core.schemas import read_json

HERE = Path(__file__).resolve().parent / "schemes"
BUILTIN = ("cn8", "en10")
UNASSIGNED = "unassigned"
NEW_SINCE = "_new"  # the over-time matrix's "new since date A" row; reserved like unassigned
FLAG_DIMS = ("r", "f", "m")
SCORE_DIMS = ("r_score", "f_score", "m_score")
MAX_BINS = 5


@dataclass(frozen=True)
class Rule:
    key: str
    when: tuple[tuple[str, object], ...]
    label: tuple[tuple[str, str], ...]
    action: tuple[tuple[str, str], ...]
    rank: int | None = None  # 1 = most valuable (over-time moves up/down); None: the rule's position


@dataclass(frozen=True)
class Scheme:
    key: str
    name: tuple[tuple[str, str], ...]
    rules: tuple[Rule, ...]
    bins: int | None = None  # the number of score points the rules are written for

    @property
    def keys(self) -> list[str]:
        """Segment keys in rule order, ``unassigned`` last."""
        return [r.key for r in self.rules] + [UNASSIGNED]

    @property
    def ranked_keys(self) -> list[str]:
        """Segment keys from most to least valuable (declared ranks, else rule order), ``unassigned`` last."""
        order = sorted(range(len(self.rules)), key=lambda i: (self.rules[i].rank or i + 1, i))
        return [self.rules[i].key for i in order] + [UNASSIGNED]

    @property
    def uses_scores(self) -> bool:
        return any(k in SCORE_DIMS for r in self.rules for k, _ in r.when)

    def label(self, key: str, lang: str) -> str:
        for r in self.rules:
            if r.key == key:
                return dict(r.label).get(lang) or dict(r.label).get("en") or key
        return {"en": "Unassigned", "zh": "未归类"}.get(lang, "Unassigned") if key == UNASSIGNED else key

    def action(self, key: str, lang: str) -> str:
        for r in self.rules:
            if r.key == key:
                return dict(r.action).get(lang) or dict(r.action).get("en") or ""
        return ""

    def title(self, lang: str) -> str:
        return dict(self.name).get(lang) or dict(self.name).get("en") or self.key

    def to_dict(self) -> dict:
        out: dict = {"key": self.key, "name": dict(self.name), "rules": []}
        if self.bins:
            out["bins"] = self.bins
        for r in self.rules:
            when = {k: list(v) if isinstance(v, tuple) else v for k, v in r.when}
            rule = {"key": r.key, "when": when, "label": dict(r.label), "action": dict(r.action)}
            if r.rank is not None:
                rule["rank"] = r.rank
            out["rules"].append(rule)
        return out

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=2)


def builtin(key: str) -> Scheme:
    """The bundled ``cn8`` (Chinese 8-segment model) or ``en10`` (R×F named segments)."""
    if key not in BUILTIN:
        raise CrmError("error.scheme_unknown", scheme=key, known=", ".join(BUILTIN))
    return parse_scheme(json.loads((HERE / f"{key}.json").read_text(encoding="utf-8")))


def load_scheme(text: str | bytes) -> Scheme:
    """A scheme from JSON text (a user's saved file); every problem raises CrmError."""
    return parse_scheme(read_json(text, "scheme"))


def parse_scheme(data: object) -> Scheme:
    if not isinstance(data, dict) or not isinstance(data.get("rules"), list) or not data["rules"]:
        raise CrmError("error.scheme_shape")
    bins = data.get("bins")
    if bins is not None and bins not in BINS:
        raise CrmError("error.scheme_bins", bins=bins)
    rules, seen = [], set()
    for i, raw in enumerate(data["rules"], start=1):
        if not isinstance(raw, dict):
            raise CrmError("error.rule_shape", rule=f"#{i}")
        key = raw.get("key")
        if not isinstance(key, str) or not key.strip() or key in (UNASSIGNED, NEW_SINCE):
            raise CrmError("error.rule_key", rule=f"#{i}")
        if key in seen:
            raise CrmError("error.rule_duplicate", rule=key)
        seen.add(key)
        when = raw.get("when")
        if not isinstance(when, dict) or not when:
            raise CrmError("error.rule_when", rule=key)
        conds = []
        for dim, cond in when.items():
            if dim in FLAG_DIMS and cond in ("high", "low"):
                conds.append((dim, cond))
            elif dim in SCORE_DIMS and _is_range(cond):
                lo, hi = int(cond[0]), int(cond[1])
                if not 1 <= lo <= hi <= MAX_BINS:
                    raise CrmError("error.rule_range", rule=key, dim=dim, lo=lo, hi=hi)
                conds.append((dim, (lo, hi)))
            else:
                raise CrmError("error.rule_condition", rule=key, dim=str(dim), cond=str(cond)[:50])
        rank = raw.get("rank")
        if rank is not None and (not isinstance(rank, int) or isinstance(rank, bool) or rank < 1):
            raise CrmError("error.rule_rank", rule=key)
        if rank is not None and rank in {r.rank for r in rules}:  # a tie would make a move both up and down
            raise CrmError("error.rule_rank", rule=key)
        rules.append(Rule(key, tuple(conds), _texts(raw.get("label"), key), _texts(raw.get("action"), ""), rank))
    scheme = Scheme(str(data.get("key") or "custom"), _texts(data.get("name"), "custom"), tuple(rules), bins)
    compile_scheme(scheme)  # proves there is no overlap
    return scheme


def _is_range(cond: object) -> bool:
    return (
        isinstance(cond, (list, tuple))
        and len(cond) == 2
        and all(isinstance(v, int) and not isinstance(v, bool) for v in cond)
    )


def _texts(value: object, default: str) -> tuple[tuple[str, str], ...]:
    if isinstance(value, str):
        return (("en", value), ("zh", value))
    if isinstance(value, dict):
        return tuple((k, str(v)) for k, v in value.items() if k in ("en", "zh"))
    return (("en", default), ("zh", default))


def compile_scheme(scheme: Scheme) -> np.ndarray:
    """Lookup table [r_high, f_high, m_high, r_score-1, f_score-1, m_score-1] → rule index
    (−1 = unassigned). Raises CrmError naming both rules where two rules overlap."""
    shape = (2, 2, 2, MAX_BINS, MAX_BINS, MAX_BINS)
    table = np.full(shape, -1, dtype=np.int16)
    for i, rule in enumerate(scheme.rules):
        mask = np.ones(shape, dtype=bool)
        for dim, cond in rule.when:
            if dim in FLAG_DIMS:
                axis = FLAG_DIMS.index(dim)
                sel = np.zeros(2, bool)
                sel[1 if cond == "high" else 0] = True
            else:
                axis = 3 + SCORE_DIMS.index(dim)
                sel = np.zeros(MAX_BINS, bool)
                sel[cond[0] - 1 : cond[1]] = True
            mask &= np.expand_dims(sel, [a for a in range(6) if a != axis])
        clash = mask & (table >= 0)
        if clash.any():
            other = scheme.rules[int(table[clash][0])].key
            raise CrmError("error.rule_overlap", rule=rule.key, other=other)
        table[mask] = i
    return table


def assign(table: np.ndarray, flags: np.ndarray, scores: np.ndarray) -> np.ndarray:
    """Rule index per customer (−1 = unassigned). ``flags`` n×3 bool, ``scores`` n×3 in 1..5."""
    s = np.clip(scores, 1, MAX_BINS).astype(np.intp) - 1
    f = flags.astype(np.intp)  # booleans would be read as masks, not as indices 0/1
    return table[f[:, 0], f[:, 1], f[:, 2], s[:, 0], s[:, 1], s[:, 2]]
