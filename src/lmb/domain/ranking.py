"""Who is invited first: composable priority rules and top-N selection (R-RANK)."""

from __future__ import annotations

import datetime as dt
import heapq
from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Protocol

from attrs import field, frozen

from lmb.domain.availability import HalfDay
from lmb.domain.invitation import Invitation
from lmb.domain.registration import Kind, Registration


@frozen
class Candidate:
    """One unit that can be invited: a person, or a whole group (never split).

    ``birth_key`` is the oldest member's (``GroupRankedByOldestMember``): smaller is older.
    """

    registration_id: str
    person_ids: tuple[str, ...]
    birth_key: int
    is_companion: bool
    listed_at: dt.datetime
    seats: int = field(init=False)

    def __attrs_post_init__(self) -> None:
        object.__setattr__(self, "seats", len(self.person_ids))

    @classmethod
    def for_unit(
        cls,
        registration: Registration,
        unit: Sequence[str],
    ) -> Candidate:
        """GroupRankedByOldestMember: a unit ranks by the oldest person in it."""
        keys = [registration.person(pid).person.birth_key for pid in unit]
        listed = registration.listed_at or registration.confirmed_at or registration.created_at
        return cls(
            registration_id=registration.id,
            person_ids=tuple(unit),
            birth_key=min(keys),
            is_companion=registration.kind is Kind.COMPANION,
            listed_at=listed,
        )


class PriorityRule(Protocol):
    """One ordering criterion: a smaller key is invited earlier."""

    def key(self, candidate: Candidate) -> int | float | str | dt.datetime: ...


@frozen
class CompanionsFirst:
    """R-RANK 1: who accompanies someone with a (pre-)booking comes first."""

    def key(self, candidate: Candidate) -> int:
        return 0 if candidate.is_companion else 1


@frozen
class OldestFirst:
    """R-RANK 2: then by age, oldest first (a group by its oldest member)."""

    def key(self, candidate: Candidate) -> int:
        return candidate.birth_key


@frozen
class EarliestListedFirst:
    """Tie-break: the registration listed earlier goes first."""

    def key(self, candidate: Candidate) -> dt.datetime:
        return candidate.listed_at


@frozen
class RankingPolicy:
    """Rules applied in order; the registration and person ids settle the rest.

    The final id tie-break makes the ranking a total order, so that the result does
    not depend on the order candidates arrive in.
    """

    rules: tuple[PriorityRule, ...]

    def key(self, candidate: Candidate) -> tuple[object, ...]:
        return (
            *(rule.key(candidate) for rule in self.rules),
            candidate.registration_id,
            candidate.person_ids,
        )

    def rank(self, candidates: Iterable[Candidate]) -> list[Candidate]:
        """All candidates in invitation order (for display and tests: sorts everything)."""
        return sorted(candidates, key=self.key)

    def select(self, candidates: Iterable[Candidate], seats: int) -> list[Candidate]:
        """The units to invite for ``seats`` free seats, in invitation order.

        Walks the ranking and takes every unit that still fits; a unit needing more
        seats than are left is passed over for the next that fits. No person is taken
        twice. Runs in O(M log N): a unit of size s can only be chosen among the best
        ``seats // s`` units of that size, so only those are kept (in a heap per size).
        A unit passed over because one of its persons was already taken does not
        count towards that bound, so then the shortlist is widened and walked again.
        """
        if seats <= 0:
            return []
        by_size: dict[int, list[Candidate]] = defaultdict(list)
        for candidate in candidates:
            if 0 < candidate.seats <= seats:
                by_size[candidate.seats].append(candidate)
        keep = {size: seats // size for size in by_size}
        while True:
            shortlist: list[Candidate] = []
            for size, pool in by_size.items():
                shortlist.extend(heapq.nsmallest(keep[size], pool, key=self.key))
            shortlist.sort(key=self.key)
            chosen, overlapping = self._walk(shortlist, seats)
            wider = {
                size: seats // size + count
                for size, count in overlapping.items()
                if keep[size] < seats // size + count and keep[size] < len(by_size[size])
            }
            if not wider:
                return chosen
            keep.update(wider)

    @staticmethod
    def _walk(shortlist: list[Candidate], seats: int) -> tuple[list[Candidate], dict[int, int]]:
        """Greedy walk; also counts, per size, the units passed over for a taken person."""
        chosen: list[Candidate] = []
        overlapping: dict[int, int] = defaultdict(int)
        taken: set[str] = set()
        left = seats
        for candidate in shortlist:
            if left == 0:
                break
            if candidate.seats > left:
                continue
            if taken.intersection(candidate.person_ids):
                overlapping[candidate.seats] += 1
                continue
            chosen.append(candidate)
            taken.update(candidate.person_ids)
            left -= candidate.seats
        return chosen, overlapping


#: R-RANK as written: companions first, then oldest first, then first listed.
DEFAULT_POLICY = RankingPolicy((CompanionsFirst(), OldestFirst(), EarliestListedFirst()))


def is_candidate_for(
    registration: Registration,
    *,
    centre_id: str,
    date: dt.date,
    half_days: frozenset[HalfDay],
    now: dt.datetime,
    already_offered: frozenset[str] = frozenset(),
) -> bool:
    """R-RANK selection filter for a session at ``centre_id`` on ``date``.

    Listed (confirmed, eligible, not lapsed), chose the centre, free on an overlapping
    half-day, and holding no open invitation. ``already_offered`` holds the person ids
    this session invited before: they are not offered the same session twice.
    """
    if not registration.is_listable or centre_id not in registration.centre_ids:
        return False
    availability = registration.availability
    if availability is None or availability.is_lapsed(now):
        return False
    return availability.covers(date, half_days) and bool(
        [u for u in registration.units() if not already_offered.intersection(u)]
    )


def candidates_for(
    registrations: Iterable[Registration],
    *,
    centre_id: str,
    date: dt.date,
    half_days: frozenset[HalfDay],
    now: dt.datetime,
    already_offered: frozenset[str] = frozenset(),
) -> list[Candidate]:
    """Every candidate unit for a session, unranked."""
    result: list[Candidate] = []
    for registration in registrations:
        if not is_candidate_for(
            registration,
            centre_id=centre_id,
            date=date,
            half_days=half_days,
            now=now,
            already_offered=already_offered,
        ):
            continue
        result.extend(
            Candidate.for_unit(registration, unit)
            for unit in registration.units()
            if not already_offered.intersection(unit)
        )
    return result


def seats_taken(invitations: Iterable[Invitation]) -> int:
    """Seats held by invitations that are open or booked."""
    return sum(i.seats for i in invitations if i.holds_seats)
