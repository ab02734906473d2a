"""Deterministic fault injection: the failures a real legacy portal throws at a bot.

Each kind of fault draws from its own `random.Random` stream, seeded from the portal's seed
and the fault's name, and every opportunity draws whether or not the fault is enabled.
So the n-th save attempt meets the same fate for the same seed however many pages the bot
read in between and whatever the other rates are.
"""

from __future__ import annotations

import logging
import random
import threading
from enum import StrEnum
from typing import Any

from demo.portal.config import FaultSettings, PortalConfig

log = logging.getLogger(__name__)


class Fault(StrEnum):
    SLOW = "slow"
    DROP_SESSION = "drop_session"
    ERROR_BEFORE_SAVE = "error_before_save"
    ERROR_AFTER_SAVE = "error_after_save"


_RATE_OF = {
    Fault.SLOW: "slow_rate",
    Fault.DROP_SESSION: "drop_session_rate",
    Fault.ERROR_BEFORE_SAVE: "error_before_save_rate",
    Fault.ERROR_AFTER_SAVE: "error_after_save_rate",
}


class FaultInjector:
    def __init__(self, config: PortalConfig) -> None:
        self._lock = threading.Lock()
        self._settings = FaultSettings.from_config(config)
        self._streams: dict[Fault, random.Random] = {}
        self._reseed(config.seed)
        # Set when the server stops, so that injected sleeps end at once.
        self.stopping = threading.Event()

    def _reseed(self, seed: int) -> None:
        self._streams = {fault: random.Random(f"{seed}:{fault.value}") for fault in Fault}

    @property
    def settings(self) -> FaultSettings:
        with self._lock:
            return self._settings

    def update(self, changes: dict[str, Any]) -> FaultSettings:
        """Apply run-time changes; a `seed` key restarts every stream from that seed."""
        changes = dict(changes)
        seed = changes.pop("seed", None)
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int)):
            raise ValueError(f"seed must be an integer, got {seed!r}")
        with self._lock:
            self._settings = self._settings.updated(changes)
            if seed is not None:
                self._reseed(seed)
            log.info("fault settings now %s (reseeded: %s)", self._settings.as_dict(), seed)
            return self._settings

    def roll(self, fault: Fault) -> bool:
        with self._lock:
            rate = getattr(self._settings, _RATE_OF[fault])
            hit = self._streams[fault].random() < rate
        if hit:
            log.warning("injecting fault %s", fault.value)
        return hit

    def pause(self, seconds: float) -> None:
        if seconds > 0:
            self.stopping.wait(seconds)

    def delay_request(self) -> None:
        """The latency every request pays, plus now and then a page slower than any timeout."""
        settings = self.settings
        self.pause(settings.latency_ms / 1000)
        if self.roll(Fault.SLOW):
            self.pause(settings.slow_seconds)
