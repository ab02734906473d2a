"""Submissions to a portal go into the run's hash-chained audit trail with their reference."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bots import Run
from bots import audit as chain

AuditHook = Callable[[str, str, dict[str, Any]], None]


def run_audit(run: Run, actor: str) -> AuditHook:
    """A hook writing `(action, subject, data)` events as `actor`, stamped by the run's clock."""

    def record(action: str, subject: str, data: dict[str, Any]) -> None:
        with run.engine.begin() as conn:
            chain.append(conn, ts=run.clock.now(), actor=actor, action=action, subject=subject,
                         data={**data, "run_id": run.id})

    return record
