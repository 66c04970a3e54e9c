"""JSON Schemas of the files users hand the app — segment rules, Bullseye catalogues and
scenarios — and the one function that reads such a file.

A file is parsed, its nesting bounded, then checked against its schema (shape, types, finite
numbers, lengths and counts from :mod:`crm_core.limits`) before any code looks inside it. The
first problem becomes a :class:`CrmError` naming the field (``rules[3].label.en``) and what is
wrong with it, in the user's language. What the schema cannot say (two rules overlapping, a
duplicate key) is checked by the parsers in :mod:`crm_core.segments` and
:mod:`crm_core.bullseye`.
"""

from __future__ import annotations

import json
import math

from crm_core import limits as L
from crm_core.errors import CrmError

_NAME = {"type": "string", "maxLength": L.MAX_NAME_CHARS}
_TEXT = {"type": "string", "maxLength": L.MAX_TEXT_CHARS}
# A label: one text for both languages, or {"en": …, "zh": …}.
_LABEL = {
    "anyOf": [
        _NAME,
        {"type": "object", "properties": {"en": _NAME, "zh": _NAME}, "additionalProperties": False},
    ]
}
_ACTION = {
    "anyOf": [
        _TEXT,
        {"type": "object", "properties": {"en": _TEXT, "zh": _TEXT}, "additionalProperties": False},
    ]
}
_SCORE_RANGE = {
    "type": "array",
    "items": {"type": "integer", "minimum": 1, "maximum": 5},
    "minItems": 2,
    "maxItems": 2,
}
_FLAG = {"enum": ["high", "low"]}

SCHEME = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": "segment rules",
    "type": "object",
    "required": ["rules"],
    "properties": {
        "key": _NAME,
        "name": _LABEL,
        "uses": {"enum": ["flags", "scores"]},
        "bins": {"enum": [3, 4, 5]},
        "rules": {
            "type": "array",
            "minItems": 1,
            "maxItems": L.MAX_RULES,
            "items": {
                "type": "object",
                "required": ["key", "when"],
                "properties": {
                    "key": {**_NAME, "minLength": 1, "not": {"enum": ["unassigned", "_new"]}},
                    "when": {
                        "type": "object",
                        "minProperties": 1,
                        "properties": {
                            "r": _FLAG,
                            "f": _FLAG,
                            "m": _FLAG,
                            "r_score": _SCORE_RANGE,
                            "f_score": _SCORE_RANGE,
                            "m_score": _SCORE_RANGE,
                        },
                        "additionalProperties": False,
                    },
                    "label": _LABEL,
                    "action": _ACTION,
                    "rank": {"type": "integer", "minimum": 1, "maximum": L.MAX_RULES},
                },
                "additionalProperties": False,
            },
        },
    },
    "additionalProperties": False,
}

_WEIGHT = {"type": ["number", "null"], "minimum": 0, "maximum": L.MAX_WEIGHT}
CATALOGUE = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": "Bullseye catalogue",
    "type": "object",
    "required": ["criteria"],
    "properties": {
        "key": _NAME,
        "title": _LABEL,
        "source": _TEXT,
        "groups": {
            "type": "array",
            "maxItems": L.MAX_GROUPS,
            "items": {
                "anyOf": [
                    {**_NAME, "minLength": 1},
                    {
                        "type": "object",
                        "required": ["key"],
                        "properties": {"key": {**_NAME, "minLength": 1}, "label": _LABEL},
                        "additionalProperties": False,
                    },
                ]
            },
        },
        "criteria": {
            "type": "array",
            "minItems": 1,
            "maxItems": L.MAX_CRITERIA,
            "items": {
                "type": "object",
                "required": ["key", "group"],
                "properties": {
                    "key": {**_NAME, "minLength": 1},
                    "group": {**_NAME, "minLength": 1},
                    "label": _LABEL,
                    "low": {"type": ["string", "null"], "maxLength": L.MAX_TEXT_CHARS},
                    "high": {"type": ["string", "null"], "maxLength": L.MAX_TEXT_CHARS},
                    "weight": _WEIGHT,
                    "addition": {"type": "boolean"},
                },
                "additionalProperties": False,
            },
        },
    },
    "additionalProperties": False,
}

SCENARIO = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": "Bullseye scenario",
    "type": "object",
    "required": ["scores"],
    "properties": {
        "name": _NAME,
        "name_zh": _NAME,
        "catalogue": _NAME,  # the key of the catalogue it was scored on
        "scores": {
            "type": "object",
            "maxProperties": L.MAX_CRITERIA,
            "propertyNames": {"maxLength": L.MAX_NAME_CHARS},
            # whole points 0–10, as on the form (7.0 is whole; 7.5 is refused, not rounded)
            "additionalProperties": {"type": ["integer", "null"], "minimum": 0, "maximum": L.MAX_SCORE},
        },
        "notes": {
            "type": "object",
            "maxProperties": L.MAX_CRITERIA,
            "propertyNames": {"maxLength": L.MAX_NAME_CHARS},
            "additionalProperties": _TEXT,
        },
    },
    "additionalProperties": False,
}

SCHEMAS = {"scheme": SCHEME, "catalogue": CATALOGUE, "scenario": SCENARIO}
# The label of the "not valid JSON" message for each kind of file.
SYNTAX_KEYS = {"scheme": "error.scheme_json", "catalogue": "error.bullseye_json", "scenario": "error.bullseye_json"}


def read_json(text: str | bytes, kind: str) -> object:
    """Parse a user's ``kind`` file ("scheme", "catalogue" or "scenario") and check it against
    its schema; every problem raises :class:`CrmError` with a message naming the field."""
    data = _parse(text, SYNTAX_KEYS[kind])
    _check_depth(data, kind)
    validate(data, kind)
    return data


def _parse(text: str | bytes, key: str) -> object:
    if len(text) > L.MAX_JSON_BYTES:
        raise CrmError(key, detail=f"larger than {L.MAX_JSON_BYTES // 1024} kB")
    try:
        # NaN, Infinity and -Infinity are not JSON; Python's parser accepts them unless told not to.
        return json.loads(text, parse_constant=_refuse_constant)
    except _NonFinite as exc:
        raise CrmError(key, detail=f"{exc.args[0]} is not a number JSON allows") from exc
    except (ValueError, UnicodeDecodeError) as exc:  # JSONDecodeError is a ValueError
        raise CrmError(key, detail=str(exc)[:200]) from exc
    except RecursionError as exc:
        raise CrmError(key, detail=f"nested more than {L.MAX_JSON_DEPTH} levels deep") from exc


class _NonFinite(ValueError):
    pass


def _refuse_constant(name: str) -> float:
    raise _NonFinite(name)


def _check_depth(data: object, kind: str) -> None:
    """Refuse nesting deeper than MAX_JSON_DEPTH (iteratively: no recursion to exhaust)."""
    stack = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if depth > L.MAX_JSON_DEPTH:
            raise CrmError(SYNTAX_KEYS[kind], detail=f"nested more than {L.MAX_JSON_DEPTH} levels deep")
        if isinstance(value, dict):
            stack.extend((v, depth + 1) for v in value.values())
        elif isinstance(value, list):
            stack.extend((v, depth + 1) for v in value)


def validate(data: object, kind: str) -> None:
    """Check parsed JSON against the ``kind`` schema; the most relevant problem is raised."""
    import jsonschema

    validator = jsonschema.Draft202012Validator(SCHEMAS[kind])
    error = jsonschema.exceptions.best_match(validator.iter_errors(data))
    if error is None:
        return
    # For "one text or an object" fields, say what the object form got wrong.
    while error.context:
        error = jsonschema.exceptions.best_match(error.context)
    path = field_path(error.absolute_path)
    raise CrmError(
        "error.json_field",
        file=lambda lang: _file_name(kind, lang),
        field=lambda lang: path or _top(lang),
        problem=lambda lang, e=error: problem(e, lang),
    )


def field_path(path) -> str:
    """``rules[3].label.en`` from a jsonschema path (list positions counted from 1)."""
    out = ""
    for part in path:
        out += f"[{part + 1}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _top(lang: str) -> str:
    from crm_core.i18n import t

    return t("json.top", lang)


def _file_name(kind: str, lang: str) -> str:
    from crm_core.i18n import t

    return t(f"json.kind.{kind}", lang)


_TYPE_NAMES = {"string", "number", "integer", "object", "array", "boolean", "null"}


def problem(error, lang: str) -> str:
    """What is wrong, in ``lang``, from one jsonschema error."""
    from crm_core.i18n import t

    v, want, got = error.validator, error.validator_value, error.instance
    if v == "type":
        kinds = [want] if isinstance(want, str) else list(want)
        names = " / ".join(t(f"json.type.{k}", lang) for k in kinds if k in _TYPE_NAMES)
        return t("json.problem.type", lang, expected=names, got=t(f"json.type.{_type_of(got)}", lang))
    if v in ("maxLength", "minLength"):
        return t(f"json.problem.{v}", lang, limit=want, length=len(got))
    if v in ("maxItems", "minItems", "maxProperties", "minProperties"):
        return t(f"json.problem.{v}", lang, limit=want, count=len(got))
    if v in ("minimum", "maximum"):
        return t(f"json.problem.{v}", lang, limit=_num(want), value=_num(got))
    if v == "required":
        missing = next((k for k in want if isinstance(got, dict) and k not in got), want[0])
        return t("json.problem.required", lang, name=missing)
    if v == "additionalProperties":
        extra = sorted(k for k in got if k not in (error.schema.get("properties") or {}))
        return t("json.problem.unknown", lang, names=", ".join(extra[:5])[:200])
    if v == "enum":
        return t("json.problem.enum", lang, allowed=", ".join(map(json.dumps, want)), value=_short(got))
    if v == "not":
        return t("json.problem.reserved", lang, value=_short(got))
    return error.message[:200]


def _type_of(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "object"


def _num(value: object) -> str:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return _short(value)
    if isinstance(value, int):
        if abs(value) < 10**15:
            return str(value)
        digits = str(abs(value))  # JSON's parser refuses ints over 4,300 digits, so this is safe
        return f"{'-' if value < 0 else ''}{digits[0]}.{digits[1:4]}e+{len(digits) - 1}"
    if math.isfinite(value) and value == int(value) and abs(value) < 1e15:
        return str(int(value))
    return f"{value:g}"


def _short(value: object) -> str:
    text = json.dumps(value, ensure_ascii=False) if not isinstance(value, str) else value
    return text if len(text) <= 50 else text[:47] + "…"
