"""Checkpoints on a schedule: the housekeeping leader exports the audit chain's head to a
folder and/or POSTs it to a webhook every `RPA_AUDIT__CHECKPOINT_EVERY_MINUTES`, so an
anchor outside the database exists without a person remembering to make one.

Settings: `RPA_AUDIT__CHECKPOINT_DIR`, `RPA_AUDIT__CHECKPOINT_WEBHOOK_URL`. A webhook
that is down is logged and tried again next interval; it never stops the housekeeping.
"""

from __future__ import annotations

import json
import urllib.request
from datetime import datetime, timedelta
from typing import Any

from loguru import logger
from sqlalchemy.engine import Engine

from bots.audit import checkpoint_mark, export_checkpoint
from bots.clock import as_utc
from bots.redaction import redact
from bots.settings import AuditSettings

TIMEOUT_SECONDS = 10.0


class CheckpointExporter:
    def __init__(self, settings: AuditSettings) -> None:
        self.settings = settings
        self.every = timedelta(minutes=settings.checkpoint_every_minutes)
        self._last: datetime | None = None

    @property
    def enabled(self) -> bool:
        return bool(self.settings.checkpoint_dir or self.settings.checkpoint_webhook_url)

    def maybe_export(self, engine: Engine, now: datetime) -> dict[str, Any] | None:
        """Export when the interval has passed since the last export; returns the mark."""
        if not self.enabled or (self._last is not None and now - self._last < self.every):
            return None
        self._last = now
        return self.export(engine, now)

    def export(self, engine: Engine, now: datetime) -> dict[str, Any]:
        stamp = as_utc(now).strftime("%Y%m%dT%H%M%SZ")  # type: ignore[union-attr]
        folder = self.settings.checkpoint_dir
        target = (folder / f"checkpoint-{stamp}.json") if folder else None
        if target is not None:
            mark = export_checkpoint(engine, target, now=now)
            logger.info("audit checkpoint written to {}: {} events", target, mark["count"])
        else:
            mark = checkpoint_mark(engine, now=now)
        url = self.settings.checkpoint_webhook_url
        if url:
            _post(url, mark)
        return mark


def _post(url: str, mark: dict[str, Any]) -> None:
    body = json.dumps({"event": "audit_checkpoint", **mark}).encode()
    request = urllib.request.Request(url, data=body, method="POST",
                                     headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:
            response.read()
    except OSError as exc:
        logger.warning("audit checkpoint not posted: {}", redact(str(exc)))
