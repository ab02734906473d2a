"""Retry policies as small frozen objects that refuse bad values when built."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import timedelta


@dataclass(frozen=True)
class RetryPolicy:
    """How a system error is retried: `attempts` in all, exponential back-off between.

    The delay before retry n (1-based) is min(initial * multiplier**(n-1), maximum),
    spread by +/- `jitter` (a fraction) so that many bots do not retry in step.
    """

    attempts: int = 3
    initial: timedelta = timedelta(seconds=2)
    multiplier: float = 2.0
    maximum: timedelta = timedelta(minutes=5)
    jitter: float = 0.0

    def __post_init__(self) -> None:
        if self.attempts < 1:
            raise ValueError(f"attempts must be at least 1, got {self.attempts}")
        if self.initial < timedelta(0) or self.maximum < timedelta(0):
            raise ValueError("back-off delays cannot be negative")
        if self.multiplier < 1:
            raise ValueError(f"multiplier must be >= 1, got {self.multiplier}")
        if not 0 <= self.jitter < 1:
            raise ValueError(f"jitter must be a fraction in [0, 1), got {self.jitter}")

    @classmethod
    def none(cls) -> RetryPolicy:
        return cls(attempts=1)

    def delay(self, retry_number: int, rng: random.Random | None = None) -> float:
        """Seconds to wait before retry `retry_number` (1 = the first retry)."""
        if retry_number < 1:
            raise ValueError("retry numbers start at 1")
        base = self.initial.total_seconds() * self.multiplier ** (retry_number - 1)
        base = min(base, self.maximum.total_seconds())
        if self.jitter:
            base *= 1 + (rng or random).uniform(-self.jitter, self.jitter)
        return base
