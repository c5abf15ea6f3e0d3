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


@functools.cache
def insert_unnested(table: sa.Table, columns: tuple[str, ...]) -> sa.Insert:
    """``INSERT INTO table (columns) SELECT unnest(:a_<column>), …``: many rows in one
    statement of fixed text, one array parameter per column, so that PostgreSQL
    prepares it once, whatever the number of rows (a multi-row ``VALUES`` is new text,
    compiled and prepared anew, for every row count).

    A text-array column's values come joined by ``ITEM_SEPARATOR`` (``join_items``)
    and are split again by ``string_to_array``."""
    arrays: list[Any] = []
    for name in columns:
        column = table.c[name]
        if is_array(column):
            joined = sa.func.unnest(sa.bindparam(f"a_{name}", type_=postgresql.ARRAY(sa.Text())))
            arrays.append(
                sa.func.string_to_array(joined, sa.literal(ITEM_SEPARATOR), type_=column.type)
            )
        else:
            arrays.append(
                sa.func.unnest(sa.bindparam(f"a_{name}", type_=postgresql.ARRAY(column.type)))
            )
    return sa.insert(table).from_select(list(columns), sa.select(*arrays))


def join_items(items: Sequence[str]) -> str:
    """One value of a text-array column for ``insert_unnested``."""
    if any(ITEM_SEPARATOR in item for item in items):
        raise ValueError("an array item holds the separator")
    return ITEM_SEPARATOR.join(items)
