"""Reading what a run of order_requests left: the portal's tables, the items, the outbox."""

from __future__ import annotations

import email
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from bots.store.outbox_schema import outbox_messages
from bots.store.schema import work_items
from demo.portal.db import connect

CHROMIUM = Path("/usr/bin/chromium")
REVIEWED = ("four_eyes_required", "sender_not_customer")  # a person decides; nobody told yet


def items(store_url: str) -> dict[str, dict[str, Any]]:
    engine = sa.create_engine(store_url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(sa.select(work_items).where(
                work_items.c.queue == "order_requests")).mappings().all()
        return {row["key"]: dict(row) for row in rows}
    finally:
        engine.dispose()


def outcome(item: dict[str, Any]) -> tuple[str, str]:
    if item["state"] == "done":
        return (item["output"] or {}).get("outcome", "done"), ""
    if item["state"] == "business_exception":
        told = "to review" if item["reason"] in REVIEWED else "refused"
        return told, item["reason"] or ""
    return item["state"], item["reason"] or ""


def history(db: Path, keys: Iterable[str] | None = None) -> dict[str, list[dict[str, Any]]]:
    """Portal history rows by request reference (the truth about what was applied)."""
    conn = connect(db)
    try:
        rows = conn.execute("SELECT * FROM order_history WHERE request_reference != ''"
                            " ORDER BY id").fetchall()
    finally:
        conn.close()
    found: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        found.setdefault(row["request_reference"], []).append(dict(row))
    return found if keys is None else {k: found.get(k, []) for k in keys}


def messages(store_url: str) -> list[dict[str, Any]]:
    engine = sa.create_engine(store_url)
    try:
        with engine.connect() as conn:
            return [dict(r) for r in conn.execute(sa.select(outbox_messages)).mappings().all()]
    finally:
        engine.dispose()


def body_of(message: dict[str, Any]) -> str:
    parsed = email.message_from_string(message["content"])
    part = next(p for p in parsed.walk() if p.get_content_type() == "text/plain")
    return part.get_payload(decode=True).decode("utf-8")  # type: ignore[union-attr]
