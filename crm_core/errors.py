"""The one error type crm_core raises for bad input: it carries a label key, so a page can
show the message in the user's language while the CLI and logs get English."""

from __future__ import annotations


class CrmError(ValueError):
    """Bad input. ``key`` names a label in :mod:`crm_core.i18n`; ``params`` fill it in.

    A parameter may be a function of the language (``lambda lang: ...``) when it is itself
    text to translate. ``report`` carries the load report when rows were read but none kept.
    """

    def __init__(self, key: str, report: object = None, **params: object) -> None:
        self.key = key
        self.params = params
        self.report = report
        super().__init__(self.message("en"))

    def message(self, lang: str, escape=None) -> str:
        """The message in ``lang`` ("en" or "zh"); ``escape`` is applied to text parameters."""
        from crm_core.i18n import t

        values = {k: v(lang) if callable(v) else v for k, v in self.params.items()}
        if escape is not None:
            values = {k: escape(v) if isinstance(v, str) else v for k, v in values.items()}
        return t(key=self.key, lang=lang, **values)


MAX_JSON_BYTES = 1024 * 1024  # rules, scenarios and catalogues are a few kB


def load_json(text: str | bytes, key: str) -> object:
    """Parse a user's JSON file; a syntax error, a file over 1 MB or nesting deep enough to
    exhaust the parser becomes CrmError(key) with the detail."""
    import json

    if len(text) > MAX_JSON_BYTES:
        raise CrmError(key, detail=f"larger than {MAX_JSON_BYTES // 1024} kB")
    try:
        return json.loads(text)
    except (ValueError, UnicodeDecodeError) as exc:  # JSONDecodeError is a ValueError
        raise CrmError(key, detail=str(exc)[:200]) from exc
    except RecursionError as exc:
        raise CrmError(key, detail="nested too deeply") from exc
