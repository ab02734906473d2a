"""Server-side sessions, so that the portal can end them whenever it likes.

The cookie holds only a random id. A session starts anonymous (the login form needs a CSRF
token too) and a fresh one is issued at login, so an id seen before login is useless after.
"""

from __future__ import annotations

import secrets
import threading
import time
from dataclasses import dataclass, field
from enum import Enum

COOKIE_NAME = "LEGACYSESSID"
# Anonymous sessions are created by every visit to /login; bound their number.
_MAX_ANONYMOUS = 10_000


@dataclass
class Session:
    id: str
    csrf_token: str
    user: str | None = None
    last_seen: float = field(default_factory=time.monotonic)
    requests: int = 0


class Verdict(Enum):
    VALID = "valid"
    MISSING = "missing"  # no cookie, or a session that never logged in
    EXPIRED = "expired"  # idle too long, used for too many requests, dropped, or unknown


class SessionStore:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._sessions: dict[str, Session] = {}

    def new(self, user: str | None = None) -> Session:
        session = Session(id=secrets.token_urlsafe(24), csrf_token=secrets.token_urlsafe(24),
                          user=user)
        with self._lock:
            if len(self._sessions) >= _MAX_ANONYMOUS:
                self._forget_anonymous()
            self._sessions[session.id] = session
        return session

    def _forget_anonymous(self) -> None:
        for key in [k for k, s in self._sessions.items() if s.user is None]:
            del self._sessions[key]

    def peek(self, session_id: str | None, idle_seconds: float) -> Session | None:
        """The session if it exists and is not idle-expired, without counting a request."""
        if not session_id:
            return None
        now = time.monotonic()
        with self._lock:
            session = self._sessions.get(session_id)
            if session is None or now - session.last_seen > idle_seconds:
                return None
            session.last_seen = now
            return session

    def use(self, session_id: str | None, idle_seconds: float,
            max_requests: int | None) -> tuple[Verdict, Session | None]:
        """Count one authenticated request on the session, ending it if it has run out."""
        if not session_id:
            return Verdict.MISSING, None
        now = time.monotonic()
        with self._lock:
            session = self._sessions.get(session_id)
            if session is None:
                return Verdict.EXPIRED, None
            if session.user is None:
                return Verdict.MISSING, None
            idle = now - session.last_seen > idle_seconds
            exhausted = max_requests is not None and session.requests >= max_requests
            if idle or exhausted:
                del self._sessions[session_id]
                return Verdict.EXPIRED, None
            session.requests += 1
            session.last_seen = now
            return Verdict.VALID, session

    def end(self, session_id: str) -> None:
        with self._lock:
            self._sessions.pop(session_id, None)

    def end_all(self) -> int:
        with self._lock:
            count = sum(1 for s in self._sessions.values() if s.user is not None)
            self._sessions.clear()
            return count
