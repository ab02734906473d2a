"""Every float parameter of every recipe is finite and bounded, refused with exit 2
before a run row exists; an empty `-p name=` says so."""

from __future__ import annotations

import typing

import pytest
from pydantic import ValidationError

from bots.errors import UsageError
from bots.executor import load_recipes
from bots.params import parse_params
from bots.registry import all_recipes
from bots.settings import get_settings
from tests.helpers import run_cli


def _is_float(annotation: object) -> bool:
    if annotation is float:
        return True
    return any(_is_float(arg) for arg in typing.get_args(annotation))


def test_no_recipe_takes_an_unbounded_float(rpa_env: dict[str, str]) -> None:
    load_recipes(get_settings())
    checked = 0
    # the shipped recipes (test recipes registered by other tests are not the product)
    for spec in (s for s in all_recipes() if s.module.startswith("recipes.")):
        model = spec.params_model
        for name, info in model.model_fields.items():
            if not _is_float(info.annotation):
                continue
            for value in ("inf", "-inf", "nan", "1e308", "-1e308"):
                with pytest.raises(ValidationError) as refused:
                    model.model_validate({**_required(model), name: value})
                # refused for this field, not only for the stand-ins of required ones
                assert any(e["loc"][:1] == (name,) for e in refused.value.errors()), \
                    (spec.name, name, value)
            checked += 1
    # Leases and delays are no longer recipe parameters: the queue's policy, which an
    # operator changes through settings, where the same bounds hold.
    from bots.settings import QueueSettings

    for name in ("lease_seconds", "retry_delay_seconds"):
        for value in ("inf", "-inf", "nan", "1e308"):
            with pytest.raises(ValidationError):
                QueueSettings.model_validate({name: value})
            checked += 1
    assert checked >= 8


def _required(model: type) -> dict[str, object]:
    """Values for the model's required fields, so only the field under test can fail."""
    return {name: "x" for name, info in model.model_fields.items()  # type: ignore[attr-defined]
            if info.is_required()}


@pytest.mark.parametrize("value", ["inf", "1e308", "1e-300", "nan"])
def test_key_sales_refuses_absurd_seconds_with_2_and_no_run(rpa_env: dict[str, str],
                                                             value: str) -> None:
    for name in ("lease_seconds", "retry_delay_seconds"):
        if name == "retry_delay_seconds" and value == "1e-300":
            continue  # a tiny delay is a zero delay: fine
        result = run_cli("run", "key_sales", "-p", f"{name}={value}", env=rpa_env)
        assert result.returncode == 2, (name, value, result.stderr)
        assert name in result.stderr and "Traceback" not in result.stderr
    runs = run_cli("runs", "--json", env=rpa_env)
    assert runs.stdout.strip() == ""  # no run row (or no store at all: nothing ran)


def test_an_empty_parameter_value_is_named() -> None:
    with pytest.raises(UsageError, match="'workbook' is empty"):
        parse_params(["workbook="])
    assert parse_params(["note=[1, 2]"]) == {"note": [1, 2]}
