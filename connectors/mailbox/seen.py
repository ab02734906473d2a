"""What the store knows of a mailbox's UIDs (table `mail_seen`, bots/store/mail_schema.py).

A UID is only meaningful with its folder's UIDVALIDITY: after a reset every UID is new
again, and the mails behind them are matched by their Message-ID (the item key), so a
mail seen before is not a second case.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine

from bots.store.mail_schema import mail_seen

CHUNK = 900  # bound parameters per statement stay under SQLite's limit


@dataclass(frozen=True)
class Seen:
    uid: int
    item_key: str
    filed_to: str | None


@dataclass(frozen=True)
class Place:
    account: str
    folder: str
    uidvalidity: int


@dataclass(frozen=True)
class Moving:
    """A move begun and not seen to its end: the target, and its UIDVALIDITY and UIDNEXT
    before the move (every copy the move made has a UID from there on)."""

    target: str
    uidvalidity: int
    uidnext: int


def known(engine: Engine, place: Place, uids: Sequence[int]) -> dict[int, Seen]:
    found: dict[int, Seen] = {}
    c = mail_seen.c
    with engine.connect() as conn:
        for start in range(0, len(uids), CHUNK):
            rows = conn.execute(sa.select(c.uid, c.item_key, c.filed_to).where(
                c.account == place.account, c.folder == place.folder,
                c.uidvalidity == place.uidvalidity, c.uid.in_(uids[start:start + CHUNK])))
            found.update({r.uid: Seen(r.uid, r.item_key, r.filed_to) for r in rows})
    return found


def record(engine: Engine, place: Place, entries: Iterable[tuple[int, str, str]],
           now: datetime) -> None:
    """(uid, item_key, message_id) seen now; a UID recorded before is left as it was."""
    rows = [dict(account=place.account, folder=place.folder, uidvalidity=place.uidvalidity,
                 uid=uid, item_key=key, message_id=message_id[:1000], seen_at=now)
            for uid, key, message_id in entries]
    if not rows:
        return
    with engine.begin() as conn:
        insert = {"sqlite": sqlite.insert, "postgresql": postgresql.insert}[conn.dialect.name]
        for start in range(0, len(rows), 200):
            conn.execute(insert(mail_seen).on_conflict_do_nothing(), rows[start:start + 200])


def mark_filed(engine: Engine, place: Place, uids: Iterable[int], folder: str,
               now: datetime) -> None:
    _update(engine, place, sorted(set(uids)), filed_to=folder, filed_at=now, moving_to=None,
            moving_uidvalidity=None, moving_uidnext=None)


def mark_moving(engine: Engine, place: Place, uids: Sequence[int], moving: Moving) -> None:
    """Said before the MOVE is sent: a run killed while the server copies leaves the copies
    made and the originals still here, and the next run must know to look for them."""
    _update(engine, place, uids, moving_to=moving.target,
            moving_uidvalidity=moving.uidvalidity, moving_uidnext=moving.uidnext)


def _update(engine: Engine, place: Place, uids: Sequence[int], **values: object) -> None:
    c = mail_seen.c
    with engine.begin() as conn:
        for start in range(0, len(uids), CHUNK):
            conn.execute(mail_seen.update().where(
                c.account == place.account, c.folder == place.folder,
                c.uidvalidity == place.uidvalidity, c.uid.in_(uids[start:start + CHUNK]),
            ).values(**values))


def clear_moving(engine: Engine, place: Place, uids: Sequence[int]) -> None:
    """The move of these UIDs is known not to have copied them (the server refused it, or
    the next run looked): no intent is left for a later run to find copies of, where mail
    moved meanwhile from another folder (the same bytes) would be taken for them."""
    _update(engine, place, sorted(set(uids)), moving_to=None, moving_uidvalidity=None,
            moving_uidnext=None)


def moving(engine: Engine, place: Place) -> dict[int, Moving]:
    """The UIDs here whose move was begun and not recorded as done."""
    c = mail_seen.c
    with engine.connect() as conn:
        rows = conn.execute(sa.select(
            c.uid, c.moving_to, c.moving_uidvalidity, c.moving_uidnext).where(
            c.account == place.account, c.folder == place.folder,
            c.uidvalidity == place.uidvalidity, c.filed_to.is_(None),
            c.moving_to.is_not(None)))
        return {r.uid: Moving(r.moving_to, r.moving_uidvalidity, r.moving_uidnext)
                for r in rows}


def unfiled(engine: Engine, place: Place) -> list[tuple[int, str]]:
    """(uid, item_key) of the mails seen here and not yet moved out."""
    c = mail_seen.c
    with engine.connect() as conn:
        rows = conn.execute(sa.select(c.uid, c.item_key).where(
            c.account == place.account, c.folder == place.folder,
            c.uidvalidity == place.uidvalidity, c.filed_to.is_(None)).order_by(c.uid))
        return [(r.uid, r.item_key) for r in rows]
