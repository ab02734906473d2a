"""Where each recipe is defined, read from the source without importing it.

Running one recipe should not import every other one: the reconciliation recipe pulls
pandas, polars and pyarrow, which cost a scheduled child process seconds before a
keying run has even started. The index parses the recipe modules (`ast`, no import)
for functions decorated with `@recipe` / `@recipe(name=...)`, so `load_recipe(name)`
imports only the module that defines it. A recipe the parser cannot see (registered
by a call, a name computed at import) is still found: an unknown name falls back to
importing everything, as `discover` always did.
"""

from __future__ import annotations

import ast
import importlib
import pkgutil
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from bots import registry
from bots.registry import RecipeSpec


@dataclass(frozen=True)
class Source:
    """What to import to register a recipe: a module of a package, or a file of a folder."""

    module: str | None = None
    file: Path | None = None


def recipe_index(packages: Iterable[str] = ("recipes",),
                 paths: Iterable[Path] = ()) -> dict[str, Source]:
    """{recipe name: its source}, the first definition winning (as `discover` imports)."""
    index: dict[str, Source] = {}
    for package_name in packages:
        for module_name, files in _package_modules(package_name):
            for name in _names_in(files):
                index.setdefault(name, Source(module=module_name))
    for folder in paths:
        for file in sorted(Path(folder).glob("*.py")):
            for name in _names_in([file]):
                index.setdefault(name, Source(file=file))
    return index


def load_recipe(name: str, packages: Iterable[str] = ("recipes",),
                paths: Iterable[Path] = (), *,
                index: dict[str, Source] | None = None) -> RecipeSpec:
    """The recipe `name`, importing only its own module when the index knows it (`index`:
    one the caller built already)."""
    packages, paths = tuple(packages), tuple(paths)
    if name not in registry._registry:
        source = (index if index is not None else recipe_index(packages, paths)).get(name)
        if source is not None and source.module is not None:
            importlib.import_module(source.module)
        elif source is not None and source.file is not None:
            registry._import_file(source.file)
        if name not in registry._registry:
            registry.discover(packages, paths)
    return registry.get_recipe(name)


def _package_modules(package_name: str) -> Iterator[tuple[str, list[Path]]]:
    spec = importlib.util.find_spec(package_name)
    if spec is None or not spec.submodule_search_locations:
        return
    for info in pkgutil.iter_modules(spec.submodule_search_locations,
                                     prefix=f"{package_name}."):
        finder_path = Path(getattr(info.module_finder, "path", ""))
        short = info.name.rsplit(".", 1)[-1]
        if info.ispkg:
            yield info.name, sorted((finder_path / short).rglob("*.py"))
        else:
            yield info.name, [finder_path / f"{short}.py"]


def _names_in(files: Iterable[Path]) -> Iterator[str]:
    for file in files:
        try:
            tree = ast.parse(file.read_bytes(), filename=str(file))
        except (OSError, SyntaxError, ValueError):
            continue  # importing it (the fallback) will say what is wrong
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                for decorator in node.decorator_list:
                    name = _recipe_name(decorator, node.name)
                    if name is not None:
                        yield name


def _recipe_name(decorator: ast.expr, function: str) -> str | None:
    call = decorator if isinstance(decorator, ast.Call) else None
    target = call.func if call is not None else decorator
    named = (isinstance(target, ast.Name) and target.id == "recipe") or (
        isinstance(target, ast.Attribute) and target.attr == "recipe")
    if not named:
        return None
    for keyword in call.keywords if call is not None else ():
        if keyword.arg == "name":
            value = keyword.value
            return value.value if isinstance(value, ast.Constant) and isinstance(
                value.value, str) else None
    return function
