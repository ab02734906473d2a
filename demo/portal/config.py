"""The portal's configuration, and the subset of it (the faults) that can change at run time."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

DEFAULT_USERS: dict[str, str] = {"robot": "robot-pass", "agent": "agent-pass"}


@dataclass(frozen=True)
class PortalConfig:
    """Everything the portal needs to start. Faults are the initial values only:
    `POST /_admin/faults` changes them on the running server."""

    db_path: Path
    host: str = "127.0.0.1"
    port: int = 0
    users: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_USERS))
    seed: int = 7
    session_idle_seconds: float = 600
    session_max_requests: int | None = None
    admin_token: str = "demo-admin"
    latency_ms: int = 0
    error_before_save_rate: float = 0
    error_after_save_rate: float = 0
    slow_rate: float = 0
    slow_seconds: float = 30
    drop_session_rate: float = 0

    def __post_init__(self) -> None:
        object.__setattr__(self, "db_path", Path(self.db_path))
        FaultSettings.from_config(self)  # refuses bad fault values at construction


_RATES = ("error_before_save_rate", "error_after_save_rate", "slow_rate", "drop_session_rate")


@dataclass
class FaultSettings:
    """The knobs that tests turn on a running portal. Mutated only under the injector's lock."""

    latency_ms: int = 0
    error_before_save_rate: float = 0
    error_after_save_rate: float = 0
    slow_rate: float = 0
    slow_seconds: float = 30
    drop_session_rate: float = 0
    session_idle_seconds: float = 600
    session_max_requests: int | None = None

    @classmethod
    def from_config(cls, config: PortalConfig) -> FaultSettings:
        names = [f.name for f in dataclasses.fields(cls)]
        return cls(**{name: getattr(config, name) for name in names}).checked()

    def checked(self) -> FaultSettings:
        for name in _RATES:
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1:
                raise ValueError(f"{name} must be a number between 0 and 1, got {value!r}")
        if isinstance(self.latency_ms, bool) or not isinstance(self.latency_ms, int) \
                or self.latency_ms < 0:
            raise ValueError(f"latency_ms must be an integer >= 0, got {self.latency_ms!r}")
        for name in ("slow_seconds", "session_idle_seconds"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
                raise ValueError(f"{name} must be a number >= 0, got {value!r}")
        limit = self.session_max_requests
        if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int)
                                  or limit < 1):
            raise ValueError(f"session_max_requests must be null or an integer >= 1, got {limit!r}")
        return self

    def updated(self, changes: dict[str, Any]) -> FaultSettings:
        """A copy with `changes` applied; unknown names and bad values raise ValueError."""
        known = {f.name for f in dataclasses.fields(self)}
        unknown = sorted(set(changes) - known)
        if unknown:
            raise ValueError(f"unknown fault setting(s): {', '.join(unknown)}")
        return dataclasses.replace(self, **changes).checked()

    def as_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)
