"""GSM 03.38 (GSM-7) text: what fits in an SMS without switching to UCS-2."""

from __future__ import annotations

import unicodedata

#: The basic character set; each counts as one septet.
BASIC = (
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
#: The extension table; each costs an escape, so two septets.
EXTENSION = "^{}\\[~]|€\f"
#: Septets in a two-part concatenated SMS (153 per part).
TWO_PARTS = 306

_BASIC = frozenset(BASIC)
_EXTENSION = frozenset(EXTENSION)
_REPLACEMENTS = {
    "\u2018": "'",
    "\u2019": "'",
    "\u201a": "'",
    "\u201c": '"',
    "\u201d": '"',
    "\u201e": '"',
    "\u00ab": '"',
    "\u00bb": '"',
    "\u2013": "-",
    "\u2014": "-",
    "\u2010": "-",
    "\u2011": "-",
    "\u2026": "...",
    "\u00a0": " ",
    "\u202f": " ",
    "\u2009": " ",
    "\t": " ",
    "\u00b7": ".",
    "\u0153": "oe",
    "\u0152": "OE",
    "\u00e7": "c",  # the table has only the capital Ç
    "\u0142": "l",
    "\u0141": "L",
    "\u00f0": "d",
    "\u00fe": "th",
}


def to_gsm7(text: str) -> str:
    """Replace every character outside GSM-7 by its closest GSM-7 spelling.

    Accented letters the table lacks lose their accent (``ê`` → ``e``), typographic
    quotes and dashes become plain ones; anything else left becomes ``?``.
    """
    out: list[str] = []
    for ch in text:
        if ch in _BASIC or ch in _EXTENSION:
            out.append(ch)
        elif ch in _REPLACEMENTS:
            out.append(_REPLACEMENTS[ch])
        else:
            base = "".join(
                c for c in unicodedata.normalize("NFKD", ch) if not unicodedata.combining(c)
            )
            if base and all(c in _BASIC or c in _EXTENSION for c in base):
                out.append(base)
            else:
                out.append("?")
    return "".join(out)


def is_gsm7(text: str) -> bool:
    return all(ch in _BASIC or ch in _EXTENSION for ch in text)


def septets(text: str) -> int:
    """Length in GSM-7 septets: extension characters count twice.

    Raises:
        ValueError: the text has a character outside GSM-7.
    """
    total = 0
    for ch in text:
        if ch in _BASIC:
            total += 1
        elif ch in _EXTENSION:
            total += 2
        else:
            raise ValueError("not GSM-7 text")
    return total
