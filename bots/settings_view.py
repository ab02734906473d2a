"""The effective settings as rows (name, masked value, source) for `runner.py config`."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from pydantic import BaseModel, SecretStr

from bots.redaction import MASK, mask_url
from bots.settings import Settings


def _dotenv_keys(path: Path = Path(".env")) -> set[str]:
    if not path.exists():
        return set()
    keys = set()
    for line in path.read_text(encoding="utf-8").splitlines():
        name, sep, _ = line.strip().partition("=")
        if sep and not name.startswith("#"):
            keys.add(name.strip().removeprefix("export ").strip().upper())
    return keys


def settings_rows(settings: Settings) -> Iterator[tuple[str, str, str]]:
    dotenv = _dotenv_keys()
    yield from _walk(settings, "", dotenv)


def _walk(model: BaseModel, prefix: str, dotenv: set[str]) -> Iterator[tuple[str, str, str]]:
    for name in type(model).model_fields:
        value = getattr(model, name)
        dotted = f"{prefix}{name}"
        if isinstance(value, BaseModel):
            yield from _walk(value, dotted + ".", dotenv)
            continue
        shown = _show(value)
        if dotted.endswith("webhook_url") and shown:
            shown = _webhook(shown)
        yield dotted, shown, _source(dotted, dotenv)


def _webhook(url: str) -> str:
    """A webhook's path is its credential (hooks/services/T0/B0/XXXX): show the host only."""
    scheme, sep, rest = url.partition("://")
    host = rest.split("/", 1)[0].rpartition("@")[2]
    return f"{scheme}{sep}{host}/{MASK}" if sep else MASK


def _show(value: Any) -> str:
    if isinstance(value, SecretStr):
        return "********" if value.get_secret_value() else ""
    if isinstance(value, dict):
        return ", ".join(f"{k}={_show(v)}" for k, v in value.items())
    if isinstance(value, (tuple, list)):
        return " ".join(mask_url(str(v)) for v in value)
    return mask_url(str(value))


def _source(dotted: str, dotenv: set[str]) -> str:
    # a nested value may be set whole (RPA_STORE='{"url": ...}') or by its own variable
    parts = dotted.split(".")
    for depth in range(len(parts), 0, -1):
        key = "RPA_" + "__".join(parts[:depth]).upper()
        if key in os.environ:
            return f"environment {key}"
        if key in dotenv:
            return f".env {key}"
    return "default"
