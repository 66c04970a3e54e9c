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
