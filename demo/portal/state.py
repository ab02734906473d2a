"""The per-app state every view reaches: configuration, faults, sessions, the request's DB."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from flask import current_app, g

from demo.portal.config import PortalConfig
from demo.portal.db import connect
from demo.portal.faults import FaultInjector
from demo.portal.sessions import Session, SessionStore

EXTENSION = "demo_portal"


@dataclass
class PortalState:
    config: PortalConfig
    faults: FaultInjector
    sessions: SessionStore


def portal_state() -> PortalState:
    state: PortalState = current_app.extensions[EXTENSION]
    return state


def db() -> sqlite3.Connection:
    """One connection per request, opened on first use and closed when the request ends."""
    if "db" not in g:
        g.db = connect(portal_state().config.db_path)
    conn: sqlite3.Connection = g.db
    return conn


def close_db(_exc: BaseException | None = None) -> None:
    conn = g.pop("db", None)
    if conn is not None:
        conn.close()


def current_session() -> Session:
    session: Session = g.portal_session
    return session
