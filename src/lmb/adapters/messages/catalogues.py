"""Gettext catalogues read from the committed ``.po`` files, compiled in memory (no build step)."""

from __future__ import annotations

import gettext
import io
from importlib import resources

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

#: The languages lmb writes to citizens in (N-I18N).
LANGUAGES = ("nl", "fr", "de")
DOMAIN = "messages"


def locale_dir() -> resources.abc.Traversable:
    return resources.files("lmb.adapters.messages").joinpath("locale")


def load_translations(language: str) -> gettext.NullTranslations:
    """The compiled catalogue for ``language``; the English msgids for any other.

    Fuzzy entries are left out, so an unreviewed translation never reaches a citizen.
    """
    if language not in LANGUAGES:
        return gettext.NullTranslations()
    po = locale_dir().joinpath(language, "LC_MESSAGES", f"{DOMAIN}.po")
    with po.open("rb") as source:
        catalog = read_po(source, locale=language, domain=DOMAIN)
    compiled = io.BytesIO()
    write_mo(compiled, catalog, use_fuzzy=False)
    compiled.seek(0)
    return Translations(fp=compiled, domain=DOMAIN)
