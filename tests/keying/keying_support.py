"""Handles on a running demo portal for the keying tests: its database is the truth."""

from __future__ import annotations

import json
import sqlite3
import urllib.request
from pathlib import Path
from typing import Any

from demo.portal import PortalServer

ADMIN_TOKEN = "demo-admin"


class DemoPortal:
    """A running demo portal with handles on its truth (the DB) and its admin hooks."""

    def __init__(self, server: PortalServer, db_path: Path) -> None:
        self.server, self.db_path = server, db_path

    @property
    def url(self) -> str:
        return self.server.url

    def rows(self, sql: str = "SELECT external_id, reference FROM sales ORDER BY id",
             *args: Any) -> list[tuple[Any, ...]]:
        with sqlite3.connect(self.db_path) as conn:
            return [tuple(row) for row in conn.execute(sql, args)]

    def count(self) -> int:
        return int(self.rows("SELECT count(*) FROM sales")[0][0])

    def duplicates(self) -> dict[str, int]:
        found = self.rows("SELECT external_id, count(*) FROM sales GROUP BY external_id"
                          " HAVING count(*) > 1")
        return {key: n for key, n in found}

    def references(self) -> dict[str, str]:
        return dict(self.rows())  # type: ignore[arg-type]

    def admin(self, path: str, payload: dict[str, Any] | None = None) -> Any:
        data = json.dumps(payload or {}).encode()
        request = urllib.request.Request(self.url + path, data=data, method="POST", headers={
            "X-Admin-Token": ADMIN_TOKEN, "Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=10) as reply:
            return json.loads(reply.read())

    def faults(self, **changes: Any) -> Any:
        return self.admin("/_admin/faults", changes)

    def drop_sessions(self) -> int:
        return int(self.admin("/_admin/drop-sessions")["dropped"])
