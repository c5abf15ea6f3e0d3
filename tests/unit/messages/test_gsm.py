"""GSM-7 text for SMS: what counts, and how other characters are spelled."""

from __future__ import annotations

import pytest

from lmb.adapters.messages.gsm import is_gsm7, septets, to_gsm7


@pytest.mark.parametrize(
    ("text", "gsm"),
    [
        ("Réservez avant 15:30", "Réservez avant 15:30"),
        ("Centre et jour non modifiés – même là", "Centre et jour non modifiés - meme là"),  # noqa: RUF001
        ("Boek vóór 15:30, geïnteresseerd", "Boek voor 15:30, geinteresseerd"),
        ("Grüße aus Eupen", "Grüße aus Eupen"),
        ("l’équipe « vaccination »", 'l\'équipe " vaccination "'),  # noqa: RUF001
        ("ça, cœur", "ca, coeur"),
        ("dag…", "dag..."),
        ("日本", "??"),
    ],
)
def test_text_is_spelled_in_gsm7(text: str, gsm: str) -> None:
    assert to_gsm7(text) == gsm
    assert is_gsm7(to_gsm7(text))


def test_extension_characters_count_twice() -> None:
    assert septets("a€[]") == 7


def test_other_characters_cannot_be_counted() -> None:
    with pytest.raises(ValueError, match="GSM-7"):
        septets("ê")
