"""The one error type crm_core raises for bad input: it carries a label key, so a page can
show the message in the user's language while the CLI and logs get English."""

from __future__ import annotations


class CrmError(ValueError):
    """Bad input. ``key`` names a label in :mod:`crm_core.i18n`; ``params`` fill it in."""

    def __init__(self, key: str, **params: object) -> None:
        self.key = key
        self.params = params
        super().__init__(self.message("en"))

    def message(self, lang: str) -> str:
        """The message in ``lang`` ("en" or "zh")."""
        from crm_core.i18n import t

        return t(key=self.key, lang=lang, **self.params)
