"""The few SQL expressions whose spelling differs between SQLite and PostgreSQL.

Reports aggregate in the database; these keep each query written once. Only the two
dialects the store supports are spelled out: anything else is refused by name.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from bots.reports.period import Period

Expr = sa.ColumnElement[Any]


def _refuse(dialect: str) -> NotImplementedError:
    return NotImplementedError(f"reports support SQLite and PostgreSQL stores, not {dialect!r}")


def local_day(column: Expr, period: Period, dialect: str) -> Expr:
    """The local calendar day ('YYYY-MM-DD') of a UTC timestamp inside the period."""
    if dialect == "postgresql":
        return sa.func.to_char(sa.func.timezone(period.tz.key, column), "YYYY-MM-DD")
    if dialect != "sqlite":
        raise _refuse(dialect)
    # SQLite has no zones: add the offset in force at that instant (a CASE over the
    # zone's few changes inside the period) and take the date.
    segments = period.offset_segments()
    last_offset = segments[-1][1]
    if len(segments) == 1:
        modifier: Expr = sa.literal(f"{last_offset:+d} seconds")
    else:
        modifier = sa.case(
            *[(column < until, f"{offset:+d} seconds") for until, offset in segments[:-1]],
            else_=f"{last_offset:+d} seconds",
        )
    return sa.func.date(column, modifier)


def seconds_between(start: Expr, end: Expr, dialect: str) -> Expr:
    """`end - start` in seconds, as a float."""
    if dialect == "postgresql":
        return sa.extract("epoch", end - start)
    if dialect != "sqlite":
        raise _refuse(dialect)
    return (sa.func.julianday(end) - sa.func.julianday(start)) * 86400.0


def json_integer(column: Expr, key: str, dialect: str) -> Expr:
    """The integer at `column[key]` (`key` may be a dotted path: `outcomes.to_review`),
    or NULL when it is missing or not a whole number."""
    parts = key.split(".")
    if not all(part.isidentifier() for part in parts):
        raise ValueError(f"not a plain JSON key: {key!r}")
    if dialect == "postgresql":
        where = sa.cast(sa.literal("{" + ",".join(parts) + "}"), postgresql.ARRAY(sa.Text))
        value = column.op("#>")(where)
        return sa.case(
            (sa.func.json_typeof(value) == "number",
             sa.cast(sa.cast(column.op("#>>")(where), sa.Numeric), sa.BigInteger)),
            else_=None,
        )
    if dialect != "sqlite":
        raise _refuse(dialect)
    path = "$." + ".".join(parts)
    return sa.case(
        (sa.func.json_type(column, path) == "integer", sa.func.json_extract(column, path)),
        else_=None,
    )
