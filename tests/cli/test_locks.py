"""The lock files: production pins a subset of dev at the same versions, every declared
dependency is pinned, and this environment runs the versions dev.lock names."""

from __future__ import annotations

import re
import tomllib
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def pins(name: str) -> dict[str, str]:
    text = (ROOT / "requirements" / name).read_text(encoding="utf-8")
    return {k.lower().replace("_", "-"): v
            for k, v in re.findall(r"^([A-Za-z0-9_.-]+)==(\S+)", text, re.M)}


def declared(group: str | None) -> set[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    found = project["dependencies"] if group is None else project["optional-dependencies"][group]
    return {re.split(r"[\[<>=!~ ;]", spec, maxsplit=1)[0].lower() for spec in found}


def test_production_is_dev_without_the_test_tools() -> None:
    dev, prod = pins("dev.lock"), pins("prod.lock")
    assert {k: dev.get(k) for k in prod} == prod  # the same versions where both have one
    assert declared(None) <= set(prod)
    assert declared("dev") <= set(dev) and declared("bench") <= set(dev)
    assert not (declared("dev") | declared("bench")) & set(prod)


@pytest.mark.parametrize("package", sorted(declared(None)))
def test_this_environment_runs_the_locked_versions(package: str) -> None:
    try:
        installed = version(package)
    except PackageNotFoundError:
        pytest.fail(f"{package} is declared but not installed")
    assert installed == pins("dev.lock")[package], package
