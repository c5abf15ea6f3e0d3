"""Typed domain errors with stable codes; the HTTP layer maps each code to a 4xx status."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, ClassVar


class DomainError(Exception):
    """A business rule was broken. ``code`` is stable and translated at the edge.

    Args:
        detail: an English explanation for logs and developers (never personal data).
        field: the input field at fault, as a dotted path (``persons[1].insz``), if any.
        params: values the translated message may show (limits, counts).
    """

    code: ClassVar[str] = "domain.error"

    def __init__(
        self, detail: str, *, field: str | None = None, params: Mapping[str, Any] | None = None
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        self.field = field
        self.params: dict[str, Any] = dict(params or {})

    def at(self, field: str) -> DomainError:
        """Return the same error placed at ``field`` (prefixing any nested field)."""
        if self.field is None:
            self.field = field
        elif self.field.startswith("["):
            self.field = f"{field}{self.field}"
        else:
            self.field = f"{field}.{self.field}"
        return self


class ValidationFailed(DomainError):
    """Input that can never be valid (bad format, out of range)."""

    code = "validation.failed"


class InvalidFields(ValidationFailed):
    """Several fields of one object are wrong at once; ``errors`` names each."""

    code = "validation.fields"

    def __init__(self, errors: list[DomainError]) -> None:
        super().__init__("; ".join(f"{e.field}: {e.detail}" for e in errors))
        self.errors = errors

    def at(self, field: str) -> DomainError:
        for error in self.errors:
            error.at(field)
        return self


def collect(checks: Mapping[str, Callable[[], Any]]) -> dict[str, Any]:
    """Run every check, naming each failure by its field; raise them all together.

    Raises:
        DomainError: the one failure, or InvalidFields for several.
    """
    values: dict[str, Any] = {}
    errors: list[DomainError] = []
    for name, check in checks.items():
        try:
            values[name] = check()
        except DomainError as exc:
            errors.append(exc.at(name))
    if len(errors) == 1:
        raise errors[0]
    if errors:
        raise InvalidFields(errors)
    return values


class InvalidInsz(ValidationFailed):
    code = "insz.invalid"


class InvalidName(ValidationFailed):
    code = "name.invalid"


class UnknownPostcode(ValidationFailed):
    code = "postcode.unknown"


class InvalidEmail(ValidationFailed):
    code = "email.invalid"


class InvalidMobile(ValidationFailed):
    code = "mobile.invalid"


class InvalidPhone(ValidationFailed):
    code = "phone.invalid"


class InvalidVaccinationCode(ValidationFailed):
    code = "vaccination_code.invalid"


class AvailabilityOutOfHorizon(ValidationFailed):
    code = "availability.out_of_horizon"


class AvailabilityEmpty(ValidationFailed):
    code = "availability.empty"


class InvalidTimeRange(ValidationFailed):
    code = "time_range.invalid"


class DateOutOfRange(ValidationFailed):
    code = "date.out_of_range"


class InvalidSlotCount(ValidationFailed):
    code = "slots.invalid"


class InvalidCentre(ValidationFailed):
    code = "centre.invalid"


class InvalidShortCode(ValidationFailed):
    code = "short_code.invalid"


class InvalidRegistration(ValidationFailed):
    code = "registration.invalid"


class GroupSizeInvalid(InvalidRegistration):
    code = "group.size"


class GroupsDisabled(InvalidRegistration):
    code = "group.disabled"


class DuplicatePerson(InvalidRegistration):
    code = "registration.duplicate_person"


class CompanionRulesBroken(InvalidRegistration):
    code = "companion.invalid"


class ContactMissing(InvalidRegistration):
    code = "contact.missing"


class CentreNotServing(InvalidRegistration):
    code = "centre.not_serving"


class StateConflict(DomainError):
    """The request is valid but the current state forbids it (HTTP 409)."""

    code = "state.conflict"


class NoSlotLeft(StateConflict):
    code = "slot.none_left"


class InvitationClosed(StateConflict):
    code = "invitation.closed"


class RegistrationClosed(StateConflict):
    code = "registration.closed"
