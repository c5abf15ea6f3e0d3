"""Contact values: names, e-mail addresses, mobile and landline numbers (R-DATA)."""

from __future__ import annotations

import unicodedata

import phonenumbers
from attrs import frozen
from email_validator import EmailNotValidError, validate_email

from lmb.domain.errors import InvalidEmail, InvalidMobile, InvalidName, InvalidPhone

MAX_NAME_LENGTH = 100

_MOBILE_TYPES = {
    phonenumbers.PhoneNumberType.MOBILE,
    phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
}


def parse_name(text: object, *, what: str = "name") -> str:
    """A person's name: trimmed, NFC, 1-100 characters, no control characters."""
    if not isinstance(text, str):
        raise InvalidName(f"the {what} is missing")
    value = unicodedata.normalize("NFC", " ".join(text.split()))
    if not value:
        raise InvalidName(f"the {what} is empty")
    if len(value) > MAX_NAME_LENGTH:
        raise InvalidName(f"the {what} is too long", params={"max": MAX_NAME_LENGTH})
    if any(unicodedata.category(ch).startswith("C") for ch in value):
        raise InvalidName(f"the {what} has control characters")
    return value


@frozen
class Email:
    """A syntactically valid e-mail address, normalised (no DNS look-up)."""

    address: str

    @classmethod
    def parse(cls, text: object) -> Email:
        if not isinstance(text, str) or not text.strip():
            raise InvalidEmail("the e-mail address is missing")
        try:
            result = validate_email(text.strip(), check_deliverability=False)
        except EmailNotValidError as exc:
            raise InvalidEmail("not a valid e-mail address") from exc
        return cls(result.normalized)

    def __repr__(self) -> str:
        return "Email(***)"


def _parse_phone(text: object) -> phonenumbers.PhoneNumber | None:
    if not isinstance(text, str) or not text.strip() or len(text) > 32:
        return None
    try:
        number = phonenumbers.parse(text, "BE")
    except phonenumbers.NumberParseException:
        return None
    return number if phonenumbers.is_valid_number(number) else None


@frozen
class Mobile:
    """A mobile number in E.164 (``+32470123456``); Belgian numbers may be written locally."""

    e164: str

    @classmethod
    def parse(cls, text: object) -> Mobile:
        number = _parse_phone(text)
        if number is None or phonenumbers.number_type(number) not in _MOBILE_TYPES:
            raise InvalidMobile("not a valid mobile number")
        return cls(phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164))

    def __repr__(self) -> str:
        return "Mobile(***)"


@frozen
class Phone:
    """Any valid phone number in E.164, e.g. a centre's call-back number (C-ONBOARD)."""

    e164: str

    @classmethod
    def parse(cls, text: object) -> Phone:
        number = _parse_phone(text)
        if number is None:
            raise InvalidPhone("not a valid phone number")
        return cls(phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164))

    def national(self) -> str:
        """The number as people dial it in Belgium (``09 123 45 67``)."""
        number = phonenumbers.parse(self.e164)
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
