"""The INSZ: a national register number or a BIS number (R-DATA, C-REGISTRY)."""

from __future__ import annotations

import datetime as dt

from attrs import frozen
from stdnum.be import bis, nn
from stdnum.exceptions import ValidationError

from lmb.domain.errors import InvalidInsz

#: Sort key of a person whose birth date is wholly unknown: after every known one.
UNKNOWN_BIRTH_KEY = 99_999_999


@frozen
class Insz:
    """A validated INSZ, kept as its 11 digits.

    The checksum (including the rule for people born from 2000 on) is python-stdnum's.
    """

    digits: str

    @classmethod
    def parse(cls, text: object) -> Insz:
        """Accept ``85073003328``, ``85.07.30-033.28`` and similar spellings.

        Raises:
            InvalidInsz: not a valid national register number nor BIS number.
        """
        if not isinstance(text, str):
            raise InvalidInsz("an INSZ is a string of 11 digits")
        compact = nn.compact(text)
        if len(compact) != 11 or not compact.isdigit():
            raise InvalidInsz("an INSZ has 11 digits")
        for module in (nn, bis):
            try:
                return cls(module.validate(compact))
            except ValidationError:
                continue
        raise InvalidInsz("not a valid national register number or BIS number")

    @property
    def is_bis(self) -> bool:
        """True for a BIS number (people not in the national register)."""
        return int(self.digits[2:4]) >= 20

    @property
    def birth_date(self) -> dt.date | None:
        """The birth date the number encodes, or None where it is (partly) unknown."""
        module = bis if self.is_bis else nn
        result: dt.date | None = module.get_birth_date(self.digits)
        return result

    @property
    def birth_key(self) -> int:
        """A sortable ``YYYYMMDD`` number: smaller is older (R-RANK).

        An unknown day counts as the month's last day and an unknown month as December,
        so that nobody gains priority from a missing birth date; an unknown year sorts
        after everyone.
        """
        module = bis if self.is_bis else nn
        try:
            year = module.get_birth_year(self.digits)
        except ValidationError:  # pragma: no cover - validated at construction
            return UNKNOWN_BIRTH_KEY
        if year is None:
            return UNKNOWN_BIRTH_KEY
        month: int = module.get_birth_month(self.digits) or 12
        exact = self.birth_date
        day = exact.day if exact is not None else 31
        return int(year) * 10_000 + month * 100 + day

    def age_on(self, day: dt.date) -> int | None:
        """Age in whole years on ``day``, or None if the birth date is unknown."""
        born = self.birth_date
        if born is None:
            return None
        return day.year - born.year - ((day.month, day.day) < (born.month, born.day))

    def masked(self) -> str:
        """Display form that hides the serial and checksum: ``85.07.30-***.**``."""
        d = self.digits
        return f"{d[0:2]}.{d[2:4]}.{d[4:6]}-***.**"

    def formatted(self) -> str:
        """The official spelling ``85.07.30-033.28`` (never for logs)."""
        d = self.digits
        return f"{d[0:2]}.{d[2:4]}.{d[4:6]}-{d[6:9]}.{d[9:11]}"

    def __repr__(self) -> str:
        # Keeps national numbers out of tracebacks and logs.
        return f"Insz({self.masked()!r})"

    __str__ = masked
