"""Durations in schedule files: always with a unit, never a bare number.

`"90s"`, `"15m"`, `"1h30m"`, `"2d"`, `"0.5s"`, `"250ms"`. A bare `600` is refused: is
it seconds or minutes? Zero and negative durations are refused by the objects that use
them (a zero interval is an error, not one second).
"""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal, InvalidOperation

_TOKEN = re.compile(r"(\d+(?:\.\d+)?)(ms|d|h|m|s)")
_MICROS = {"d": 86_400_000_000, "h": 3_600_000_000, "m": 60_000_000, "s": 1_000_000,
           "ms": 1_000}


def parse_duration(value: object) -> timedelta:
    """`"1h30m"` -> timedelta(hours=1, minutes=30); ValueError on anything else."""
    if not isinstance(value, str):
        raise ValueError(f"expected a duration with a unit such as '90s', '15m' or '1h30m', "
                         f"got {value!r}")
    text = value.strip().replace(" ", "")
    position, micros = 0, Decimal(0)
    for match in _TOKEN.finditer(text):
        if match.start() != position:
            break
        try:
            micros += Decimal(match.group(1)) * _MICROS[match.group(2)]
        except InvalidOperation:
            break
        position = match.end()
    if not text or position != len(text):
        raise ValueError(f"{value!r} is not a duration: write e.g. '90s', '15m', '1h30m', '2d'")
    if micros != micros.to_integral_value():
        raise ValueError(f"{value!r}: durations are counted in whole microseconds")
    return timedelta(microseconds=int(micros))


def format_duration(value: timedelta) -> str:
    """The inverse of parse_duration, in the largest units: 5400 s -> "1h30m"."""
    micros = (value.days * 86_400 + value.seconds) * 1_000_000 + value.microseconds
    if micros == 0:
        return "0s"
    sign = "-" if micros < 0 else ""
    micros = abs(micros)
    parts: list[str] = []
    for unit in ("d", "h", "m"):
        count, micros = divmod(micros, _MICROS[unit])
        if count:
            parts.append(f"{count}{unit}")
    if micros:
        seconds = Decimal(micros) / 1_000_000
        parts.append(f"{seconds.normalize():f}s")
    return sign + "".join(parts)
