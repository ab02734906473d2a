"""Recipe parameters from the command line (`--param k=v`, `--params-file f`), and the
number types recipes' parameter models share.

A float parameter is never just `float`: pydantic takes "inf", "nan" and "1e308" for one,
and they fail much later (a `timedelta` overflow in the middle of a run) instead of being
refused before it. The annotated types below are finite and bounded; a test walks every
recipe's model and refuses a bare float.
"""

from __future__ import annotations

import json
import tomllib
from pathlib import Path
from typing import Annotated, Any

from pydantic import Field

from bots.errors import UsageError

DAY_SECONDS = 24 * 3600.0

# Any float parameter: finite (no inf, no nan). Add bounds with Field(ge=..., le=...).
FiniteFloat = Annotated[float, Field(allow_inf_nan=False)]
# How long a claim on a work item lasts without renewal: a second to a day.
LeaseSeconds = Annotated[float, Field(ge=1.0, le=DAY_SECONDS, allow_inf_nan=False)]
# A pause or back-off: zero to an hour.
DelaySeconds = Annotated[float, Field(ge=0.0, le=3600.0, allow_inf_nan=False)]
# A time limit: a tenth of a second to a week.
TimeoutSeconds = Annotated[float, Field(ge=0.1, le=7 * DAY_SECONDS, allow_inf_nan=False)]


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
        if not value.strip():
            raise UsageError(f"--param {pair!r}: the value of {key.strip()!r} is empty; "
                             "give one, or leave the parameter out for its default")
        params[key.strip()] = _value(value)
    return params


def _value(text: str) -> Any:
    if text[:1] and text[:1] in "[{":
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
