"""Recipes: plain functions registered by a decorator, found by discovery.

    @recipe
    def hello(run: Run, *, who: str = "world") -> dict: ...

The first parameter receives the run context. The recipe's parameters are either one
pydantic model (`def r(run, params: MyParams)`) or typed keyword-only arguments, which
become a model. The docstring is the description shown by `runner.py recipes`.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
import inspect
import pkgutil
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import timedelta
from pathlib import Path
from typing import Any, TypeVar, get_type_hints, overload

from pydantic import BaseModel, ConfigDict, ValidationError, create_model

from bots.errors import ParameterError, RecipeNotFound, UsageError
from bots.retry import RetryPolicy
from bots.workitems.spec import Queue

F = TypeVar("F", bound=Callable[..., Any])


@dataclass(frozen=True)
class RecipeSpec:
    """A registered recipe: its function, parameter model, description and run options."""

    name: str
    func: Callable[..., Any]
    params_model: type[BaseModel]
    description: str
    retry: RetryPolicy = field(default_factory=RetryPolicy.none)
    timeout: timedelta | None = None
    model_argument: str | None = None  # set when the recipe takes one model argument
    queue: Queue | None = None  # the work-item queue this recipe works (`runner.py worker`)

    @property
    def consumes(self) -> str | None:
        return self.queue.name if self.queue is not None else None

    @property
    def module(self) -> str:
        return self.func.__module__

    def code_hash(self) -> str:
        source = inspect.getsourcefile(self.func)
        data = Path(source).read_bytes() if source else self.func.__code__.co_code
        return hashlib.sha256(data).hexdigest()

    def validate(self, raw: dict[str, Any]) -> BaseModel:
        try:
            return self.params_model.model_validate(raw)
        except ValidationError as exc:
            problems = "; ".join(
                f"{'.'.join(str(p) for p in err['loc']) or '(parameters)'}: {err['msg']}"
                for err in exc.errors()
            )
            raise ParameterError(f"recipe {self.name!r} refused its parameters: {problems}") from None

    def call(self, run: Any, params: BaseModel) -> Any:
        if self.model_argument:
            return self.func(run, **{self.model_argument: params})
        return self.func(run, **{name: getattr(params, name) for name in type(params).model_fields})


_registry: dict[str, RecipeSpec] = {}


@overload
def recipe(func: F, /) -> F: ...
@overload
def recipe(
    *,
    name: str | None = None,
    retry: RetryPolicy | None = None,
    timeout: timedelta | None = None,
    queue: Queue | str | None = None,
) -> Callable[[F], F]: ...


def recipe(
    func: F | None = None,
    /,
    *,
    name: str | None = None,
    retry: RetryPolicy | None = None,
    timeout: timedelta | None = None,
    queue: Queue | str | None = None,
) -> F | Callable[[F], F]:
    """Register a recipe; the function is returned unchanged.

    `queue` is the work queue the recipe works, declared once with its policy
    (`Queue("sales", lease=..., retry=...)`); `runner.py worker` runs the recipe whenever
    that queue has work, and `run.queue()` / `run.work()` default to it."""

    def register(f: F) -> F:
        spec = _build_spec(f, name or f.__name__, retry or RetryPolicy.none(), timeout)
        if queue is not None:
            spec = replace(spec, queue=Queue(queue) if isinstance(queue, str) else queue)
        existing = _registry.get(spec.name)
        if existing and existing.func.__qualname__ != f.__qualname__:
            raise UsageError(f"two recipes are named {spec.name!r}: {existing.module} and {spec.module}")
        _registry[spec.name] = spec
        return f

    return register(func) if func is not None else register


def _build_spec(f: Callable[..., Any], name: str, retry: RetryPolicy,
                timeout: timedelta | None) -> RecipeSpec:
    if timeout is not None and timeout <= timedelta(0):
        raise ValueError(f"recipe {name!r}: timeout must be positive")
    signature = inspect.signature(f)
    parameters = list(signature.parameters.values())
    if not parameters:
        raise TypeError(f"recipe {name!r} must take the run context as its first parameter")
    hints = get_type_hints(f)
    rest = parameters[1:]
    description = inspect.cleandoc(f.__doc__ or "").strip()
    if len(rest) == 1 and _is_model(hints.get(rest[0].name)):
        return RecipeSpec(name, f, hints[rest[0].name], description, retry, timeout, rest[0].name)
    fields: dict[str, Any] = {}
    for p in rest:
        if p.kind is not inspect.Parameter.KEYWORD_ONLY:
            raise TypeError(
                f"recipe {name!r}: parameter {p.name!r} must be keyword-only (put it after `*`)"
            )
        default = ... if p.default is inspect.Parameter.empty else p.default
        fields[p.name] = (hints.get(p.name, Any), default)
    model = create_model(
        f"{name}_params", __config__=ConfigDict(extra="forbid"), **fields
    )
    return RecipeSpec(name, f, model, description, retry, timeout)


def _is_model(annotation: Any) -> bool:
    return inspect.isclass(annotation) and issubclass(annotation, BaseModel)


def get_recipe(name: str) -> RecipeSpec:
    try:
        return _registry[name]
    except KeyError:
        raise RecipeNotFound(name, list(_registry)) from None


def consumer_of(queue: str) -> RecipeSpec:
    for spec in _registry.values():
        if spec.consumes == queue:
            return spec
    raise RecipeNotFound(f"(consumer of queue {queue})", [s.name for s in _registry.values()])


def all_recipes() -> list[RecipeSpec]:
    return sorted(_registry.values(), key=lambda spec: spec.name)


def discover(packages: Iterable[str] = ("recipes",), paths: Iterable[Path] = ()) -> list[RecipeSpec]:
    """Import every module of the recipe packages and of the extra folders."""
    for package_name in packages:
        try:
            package = importlib.import_module(package_name)
        except ModuleNotFoundError:
            continue
        for info in pkgutil.iter_modules(package.__path__, prefix=f"{package_name}."):
            importlib.import_module(info.name)
    for folder in paths:
        for file in sorted(Path(folder).glob("*.py")):
            _import_file(file)
    return all_recipes()


def _import_file(file: Path) -> None:
    module_name = f"rpa_recipes_{hashlib.sha1(str(file.resolve()).encode()).hexdigest()[:8]}_{file.stem}"
    if module_name in sys.modules:
        return
    spec = importlib.util.spec_from_file_location(module_name, file)
    if spec is None or spec.loader is None:
        raise UsageError(f"cannot import recipe file {file}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    spec.loader.exec_module(module)
