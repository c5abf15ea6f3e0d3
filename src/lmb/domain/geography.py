"""Belgian postcodes, provinces and regions (R-DATA, R-CENTRES, N-REPORT)."""

from __future__ import annotations

import enum

from attrs import frozen

from lmb.domain._postcodes import POSTCODES
from lmb.domain.errors import UnknownPostcode


class Region(enum.StrEnum):
    """The four regions of C-ONBOARD."""

    VLG = "VLG"
    BRU = "BRU"
    WAL = "WAL"
    OOS = "OOS"


@frozen(order=True)
class Postcode:
    """A postcode that exists in Belgium (bpost's list)."""

    code: str

    @classmethod
    def parse(cls, text: object) -> Postcode:
        """Raises:
        UnknownPostcode: not one of Belgium's postcodes.
        """
        value = str(text).strip() if isinstance(text, str | int) else ""
        if value not in POSTCODES:
            raise UnknownPostcode("not a Belgian postcode", params={"postcode": value[:10]})
        return cls(value)

    @property
    def region(self) -> Region:
        return Region(POSTCODES[self.code][1])

    @property
    def province(self) -> str:
        """ISO 3166-2:BE province code (``VOV``, ``WLG``…); ``BRU`` for Brussels."""
        return POSTCODES[self.code][0]

    def __str__(self) -> str:
        return self.code


def all_postcodes() -> list[Postcode]:
    """Every known postcode, in order."""
    return [Postcode(code) for code in sorted(POSTCODES)]
