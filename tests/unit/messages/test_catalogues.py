"""N-I18N: every text lmb sends exists in Dutch, French and German, reviewed and complete."""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

import lmb.adapters.messages
from lmb.adapters.messages import LANGUAGES

PACKAGE = Path(lmb.adapters.messages.__file__).parent
LOCALE = PACKAGE / "locale"


def msgid(value: str | tuple[str, ...] | list[str]) -> str:
    return value if isinstance(value, str) else value[0]


def read(path: Path, locale: str | None = None) -> Catalog:
    with path.open("rb") as source:
        return read_po(source, locale=locale)


def template_ids() -> set[str]:
    extracted = extract_from_dir(
        str(PACKAGE / "templates"),
        method_map=[("**.j2", "jinja2")],
        options_map={"**.j2": {"extensions": "jinja2.ext.i18n", "trimmed": "true"}},
    )
    return {msgid(message[2]) for message in extracted}


def pot_ids() -> set[str]:
    return {msgid(m.id) for m in read(LOCALE / "messages.pot") if m.id}


def test_the_template_catalogue_is_up_to_date() -> None:
    """Re-extract with pybabel (docs/integration.md) when this fails."""
    assert pot_ids() == template_ids()


@pytest.mark.parametrize("language", LANGUAGES)
class TestTranslations:
    def test_every_text_is_translated_and_reviewed(self, language: str) -> None:
        catalog = read(LOCALE / language / "LC_MESSAGES" / "messages.po", language)
        translated = {msgid(m.id): m for m in catalog if m.id}

        assert set(translated) == pot_ids()
        for message in translated.values():
            strings = message.string if isinstance(message.string, tuple) else (message.string,)
            assert all(strings), f"untranslated: {message.id!r}"
            assert not message.fuzzy, f"fuzzy: {message.id!r}"

    def test_placeholders_and_plural_forms_match(self, language: str) -> None:
        catalog = read(LOCALE / language / "LC_MESSAGES" / "messages.po", language)

        assert catalog.num_plurals == 2
        problems = [(m.id, errors) for m, errors in catalog.check() if errors]
        assert problems == []

    def test_the_header_is_not_fuzzy(self, language: str) -> None:
        catalog = read(LOCALE / language / "LC_MESSAGES" / "messages.po", language)

        assert not catalog.fuzzy
        assert str(catalog.locale) == language
