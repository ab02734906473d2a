"""Logging with loguru: a readable console and one JSON-lines file per run.

Every sink writes redacted text: the patcher masks messages and extra fields, and the
sinks mask the final text (exception tracebacks included) before it leaves the process.
The run file is flushed line by line, so a killed run still leaves a valid log, and is
capped in size (one last line says so).
"""

from __future__ import annotations

import json
import sys
import threading
from datetime import tzinfo
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from loguru import logger

from bots.redaction import format_exception, redact, redact_value

if TYPE_CHECKING:
    from loguru import Message, Record

CONSOLE_FORMAT = (
    "<green>{extra[clock]}</green> <level>{level: <7}</level> "
    "<cyan>{extra[recipe]}</cyan>{extra[where]} {message}"
)

_configured = False
_lock = threading.Lock()
_zone: tzinfo | None = None  # the settings' time zone: the console's clock is the reports'


def _patch(record: Record) -> None:
    record["message"] = redact(record["message"])
    extra = record["extra"]
    for key, value in list(extra.items()):
        extra[key] = redact_value(value)
    extra.setdefault("recipe", "-")
    moment = record["time"].astimezone(_zone) if _zone is not None else record["time"]
    extra["clock"] = moment.isoformat(timespec="seconds")[11:]  # 11:00:27+01:00
    where = ""
    if extra.get("run_id") is not None:
        where += f" run={extra['run_id']}"
    if extra.get("step"):
        where += f" step={extra['step']}"
    if extra.get("item"):
        where += f" item={extra['item']}"
    extra["where"] = where


def _console_sink(stream: TextIO) -> Any:
    def write(message: Message) -> None:
        stream.write(redact(str(message)))
        stream.flush()

    return write


def configure(level: str = "INFO", *, stream: TextIO | None = None,
              zone: tzinfo | None = None) -> None:
    """Console logging for the process; idempotent. `zone`: the time zone console times
    are shown in, with their offset (default: the settings')."""
    global _configured, _zone
    with _lock:
        if _configured:
            return
        if zone is None:
            from bots.settings import get_settings

            zone = get_settings().tz
        _zone = zone
        logger.remove()
        logger.configure(patcher=_patch, extra={"recipe": "-", "where": "", "clock": ""})
        logger.add(
            _console_sink(stream or sys.stderr),
            level=level,
            format=CONSOLE_FORMAT,
            colorize=False,
            backtrace=False,
            diagnose=False,  # diagnose would print local variables: secrets among them
        )
        _configured = True


class JsonLinesSink:
    """A per-run log: one JSON object per line, flushed each line, capped in bytes."""

    def __init__(self, path: Path, *, max_bytes: int) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self.max_bytes = max_bytes
        self._file = path.open("a", encoding="utf-8", buffering=1)
        self._written = path.stat().st_size
        self._capped = False
        self._lock = threading.Lock()

    def __call__(self, message: Message) -> None:
        record = message.record
        extra = record["extra"]
        entry: dict[str, Any] = {
            "ts": record["time"].isoformat(),
            "level": record["level"].name,
            "message": record["message"],
            "run_id": extra.get("run_id"),
            "recipe": extra.get("recipe"),
            "step": extra.get("step"),
            "item": extra.get("item"),
        }
        others = {k: v for k, v in extra.items() if k not in entry and k != "where"}
        if others:
            entry["extra"] = others
        if record["exception"] is not None:
            exc = record["exception"]
            entry["exception"] = format_exception(exc.value) if exc.value else str(exc.type)
        line = redact(json.dumps(entry, ensure_ascii=False, default=str)) + "\n"
        with self._lock:
            if self._capped or self._file.closed:
                return
            if self._written + len(line) > self.max_bytes:
                note = {"ts": entry["ts"], "level": "WARNING", "run_id": entry["run_id"],
                        "message": f"log capped at {self.max_bytes} bytes; later lines dropped"}
                self._file.write(json.dumps(note) + "\n")
                self._capped = True
                return
            self._file.write(line)
            self._written += len(line)

    def close(self) -> None:
        with self._lock:
            self._file.close()


def add_run_sink(run_id: int, path: Path, *, max_bytes: int, level: str = "DEBUG") -> int:
    """Send this run's records (by `run_id` in extra) to its JSON-lines file."""
    configure()
    sink = JsonLinesSink(path, max_bytes=max_bytes)
    handler_id = logger.add(
        sink,
        level=level,
        format="{message}",
        filter=lambda record: record["extra"].get("run_id") == run_id,
        backtrace=False,
        diagnose=False,
        catch=True,
    )
    _sinks[handler_id] = sink
    return handler_id


_sinks: dict[int, JsonLinesSink] = {}


def remove_run_sink(handler_id: int) -> None:
    logger.remove(handler_id)
    sink = _sinks.pop(handler_id, None)
    if sink:
        sink.close()
