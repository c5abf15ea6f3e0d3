"""Core statements of the hot paths, built once and reused (compiled and prepared once).

Building a Core statement costs more than running a cached one; these are built on
first use and only their parameters change. ``add_registration`` is PostgreSQL only.
"""

from __future__ import annotations

import functools
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


@functools.cache
def insert_unnested(table: sa.Table, columns: tuple[str, ...]) -> sa.Insert:
    """``INSERT INTO table (columns) SELECT unnest(:a_<column>), …``: many rows in one
    statement of fixed text, one array parameter per column, so that PostgreSQL
    prepares it once, whatever the number of rows (a multi-row ``VALUES`` is new text,
    compiled and prepared anew, for every row count). Columns hold scalars only."""
    arrays = [
        sa.func.unnest(sa.bindparam(f"a_{name}", type_=postgresql.ARRAY(table.c[name].type)))
        for name in columns
    ]
    return sa.insert(table).from_select(list(columns), sa.select(*arrays))
