"""Recipe parameters from the command line: `--param k=v` and `--params-file f`."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path
from typing import Any

from bots.errors import UsageError


def parse_params(pairs: list[str], params_file: Path | None = None) -> dict[str, Any]:
    """File values first, then `k=v` pairs over them. Values stay text unless they are
    JSON lists or objects; the recipe's model does the typing (and refuses bad values)."""
    params: dict[str, Any] = {}
    if params_file is not None:
        params.update(_read_file(params_file))
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise UsageError(f"--param {pair!r}: expected key=value")
        params[key.strip()] = _value(value)
    return params


def _value(text: str) -> Any:
    if text[:1] in "[{":
        try:
            return json.loads(text)
        except json.JSONDecodeError as exc:
            raise UsageError(f"parameter value {text!r} looks like JSON but is not: {exc}") from None
    return text


def _read_file(path: Path) -> dict[str, Any]:
    if not path.exists():
        raise UsageError(f"parameters file {path} does not exist")
    text = path.read_text(encoding="utf-8")
    try:
        data = tomllib.loads(text) if path.suffix == ".toml" else json.loads(text)
    except (json.JSONDecodeError, tomllib.TOMLDecodeError) as exc:
        raise UsageError(f"parameters file {path}: {exc}") from None
    if not isinstance(data, dict):
        raise UsageError(f"parameters file {path}: expected an object of name: value")
    return data
