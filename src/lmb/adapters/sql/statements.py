"""Core statements of the hot paths, built once and reused (compiled and prepared once).

Building a Core statement costs more than running a cached one; these are built on
first use and only their parameters change. ``add_registration`` is PostgreSQL only.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from lmb.adapters.sql import tables as t
from lmb.domain.invitation import InvitationStatus

PERSON_COLUMNS = tuple(c.name for c in t.persons.c)


@functools.cache
def add_registration() -> sa.Insert:
    """``INSERT`` of a registration with its persons, centres and availability.

    Children come as one array per column (``p_<column>``, ``c_centre_id``, ``a_date``,
    ``a_half_day``) and are unnested in data-modifying CTEs; the registration's
    columns are ``r_<column>``. Foreign keys are checked at the end of the statement.
    """
    rid = sa.bindparam("r_id", type_=t.registrations.c.id.type)

    def array(name: str, column: sa.Column[Any]) -> Any:
        return sa.func.unnest(sa.bindparam(name, type_=postgresql.ARRAY(column.type)))

    persons = sa.insert(t.persons).from_select(
        list(PERSON_COLUMNS),
        sa.select(*(array(f"p_{name}", t.persons.c[name]) for name in PERSON_COLUMNS)),
    )
    rc = t.registration_centres.c
    centres = sa.insert(t.registration_centres).from_select(
        ["registration_id", "centre_id"], sa.select(rid, array("c_centre_id", rc.centre_id))
    )
    av = t.availability.c
    availability = sa.insert(t.availability).from_select(
        ["registration_id", "date", "half_day"],
        sa.select(rid, array("a_date", av.date), array("a_half_day", av.half_day)),
    )
    columns = [c for c in t.registrations.c if c.name != "id"]
    return (
        sa.insert(t.registrations)
        .values(
            id=rid,
            **{c.name: sa.bindparam(f"r_{c.name}", type_=c.type) for c in columns},
        )
        .add_cte(
            persons.cte("new_persons"),
            centres.cte("new_centres"),
            availability.cte("new_availability"),
        )
    )


@functools.cache
def listed_with_insz() -> sa.Select[Any]:
    """The oldest registration not withdrawn holding a person with INSZ digest ``digest``."""
    r = t.registrations.c
    return (
        sa.select(r.id)
        .join_from(t.registrations, t.persons, t.persons.c.registration_id == r.id)
        .where(
            t.persons.c.insz_digest == sa.bindparam("digest", type_=t.persons.c.insz_digest.type),
            r.withdrawn_at.is_(None),
        )
        .order_by(r.created_at, r.id)
        .limit(1)
    )


_POSTGRES = postgresql.dialect()  # type: ignore[no-untyped-call]


def is_array(column: sa.Column[Any]) -> bool:
    """Whether ``column`` is an array on PostgreSQL."""
    return isinstance(column.type.dialect_impl(_POSTGRES), postgresql.ARRAY)


#: Joins the items of an array column's values in ``insert_unnested``: PostgreSQL's
#: ``unnest`` would flatten an array of arrays, so each value travels as one text.
ITEM_SEPARATOR = "\x1f"


def unnested(table: sa.Table, columns: Sequence[str]) -> list[Any]:
    """``unnest(:a_<column>)`` for each column: the rows of one array per column.

    A text-array column's values come joined by ``ITEM_SEPARATOR`` (``join_items``)
    and are split again by ``string_to_array``."""
    arrays: list[Any] = []
    for name in columns:
        column = table.c[name]
        if is_array(column):
            joined = sa.func.unnest(sa.bindparam(f"a_{name}", type_=postgresql.ARRAY(sa.Text())))
            value = sa.func.string_to_array(joined, sa.literal(ITEM_SEPARATOR), type_=column.type)
        else:
            value = sa.func.unnest(
                sa.bindparam(f"a_{name}", type_=postgresql.ARRAY(column.type)), type_=column.type
            )
        arrays.append(value.label(name))
    return arrays


@functools.cache
def insert_unnested(table: sa.Table, columns: tuple[str, ...]) -> sa.Insert:
    """``INSERT INTO table (columns) SELECT unnest(:a_<column>), …``: many rows in one
    statement of fixed text, one array parameter per column, so that PostgreSQL
    prepares it once, whatever the number of rows (a multi-row ``VALUES`` is new text,
    compiled and prepared anew, for every row count)."""
    return sa.insert(table).from_select(list(columns), sa.select(*unnested(table, columns)))


@functools.cache
def update_unnested(
    table: sa.Table, key: str, columns: tuple[str, ...], *, all_or_none: bool = False
) -> sa.Update:
    """``UPDATE table SET column = u.column, … FROM (SELECT unnest(:a_<column>), …) AS u
    WHERE table.key = u.key``: many rows by key in one statement (as ``insert_unnested``).

    ``all_or_none``: nothing is updated unless every key is stored (the keys must be
    distinct); the count of updated rows tells which happened."""
    u = sa.select(*unnested(table, columns)).subquery("u")
    stmt = (
        sa.update(table)
        .where(table.c[key] == u.c[key])
        .values({name: u.c[name] for name in columns if name != key})
    )
    if all_or_none:
        keys = sa.bindparam(f"a_{key}", type_=postgresql.ARRAY(table.c[key].type))
        stored = table.alias("stored")
        count = sa.select(sa.func.count()).where(stored.c[key] == sa.any_(keys)).scalar_subquery()
        stmt = stmt.where(count == sa.func.cardinality(keys))
    return stmt


def join_items(items: Sequence[str]) -> str:
    """One value of a text-array column for ``insert_unnested``."""
    if any(ITEM_SEPARATOR in item for item in items):
        raise ValueError("an array item holds the separator")
    return ITEM_SEPARATOR.join(items)


def invites(person_id: sa.ColumnElement[str], *, postgres: bool) -> sa.ColumnElement[bool]:
    """Whether ``invitations.person_ids`` holds ``person_id``."""
    person_ids = t.invitations.c.person_ids
    if postgres:
        return person_id == sa.any_(person_ids)
    item = sa.func.json_each(person_ids).table_valued("value")
    return sa.exists(
        sa.select(1).select_from(item).where(item.c.value == person_id).correlate_except(item)
    )


#: DEFAULT_POLICY's order over ``candidate_units`` (CompanionsFirst, OldestFirst,
#: FirstListed, then the registration and its first person for a total order)
RANK_ORDER = (
    t.candidate_units.c.rank_class,
    t.candidate_units.c.birth_key,
    t.candidate_units.c.listed_at,
    t.candidate_units.c.registration_id,
    t.candidate_units.c.first_person_id,
)


@functools.cache
def best_units(postgres: bool) -> sa.Select[Any]:
    """The best ``:limit`` units of one size a session may invite, locked (the shape
    and its reasons: ``SqlRegistrationRepository.candidates``).

    Parameters: ``now``, ``session_id``, ``limit``, and on PostgreSQL ``keys`` (the
    slot keys of one tier window), on SQLite ``centre_id``, ``date``, ``half_days``
    and ``seats``.
    """
    cu, inv = t.candidate_units.c, t.invitations.c
    rc, av = t.registration_centres.c, t.availability.c
    where: sa.ColumnElement[bool]
    if postgres:
        # The keys name the size: no filter on ``seats``, which would only tempt the
        # planner into also reading the rank index for it.
        where = cu.slot_keys.bool_op("&&")(sa.bindparam("keys", type_=postgresql.ARRAY(sa.Text())))
    else:
        where = sa.and_(
            sa.exists().where(
                rc.registration_id == cu.registration_id,
                rc.centre_id == sa.bindparam("centre_id", type_=rc.centre_id.type),
            ),
            sa.exists().where(
                av.registration_id == cu.registration_id,
                av.date == sa.bindparam("date", type_=av.date.type),
                av.half_day.in_(sa.bindparam("half_days", expanding=True)),
            ),
            cu.seats == sa.bindparam("seats", type_=cu.seats.type),
        )
    ranked = (
        sa.select(*(c for c in t.candidate_units.c if c.name not in ("slot_keys", "held")))
        .where(
            where,
            cu.lapses_at > sa.bindparam("now", type_=cu.lapses_at.type),
            cu.held.is_(False),
        )
        .order_by(*RANK_ORDER)
        .offset(0)
        .subquery("ranked")
    )
    u = ranked.c
    # A unit held by an open invitation is flagged ``held`` and left out above. The
    # invitations of the unit's registration (an index probe; most have none) are
    # checked too: a unit invited by this session before is not offered the same
    # seats again, and an open invitation counts even if the store has not recorded
    # it. A unit is invited whole, so its first person stands for it. The status and
    # session are tested in a CASE, which no index can serve: an OR of the two would
    # tempt the planner into reading every open invitation (thousands, in a cascade)
    # through their indexes for each probe.
    counts = sa.case(
        (inv.status == InvitationStatus.SENT.value, sa.true()),
        else_=inv.session_id == sa.bindparam("session_id", type_=inv.session_id.type),
    )
    # ``registration_id`` sorts bytewise ("C"); compared in the default collation, the
    # joins can probe the primary key of ``registrations`` and the index of
    # ``invitations``.
    rid = u.registration_id.collate("default") if postgres else u.registration_id
    offered = (
        sa.select(sa.literal(1))
        .where(inv.registration_id == rid, counts, invites(u.first_person_id, postgres=postgres))
        .offset(0)
    )
    stmt = (
        sa.select(*ranked.c)
        .join_from(ranked, t.registrations, t.registrations.c.id == rid)
        .where(~sa.exists(offered))
        .order_by(*(u[c.name] for c in RANK_ORDER))
        .limit(sa.bindparam("limit", type_=sa.Integer()))
    )
    if postgres:
        stmt = stmt.with_for_update(of=t.registrations, skip_locked=True)
    return stmt
