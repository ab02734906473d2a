"""The routing file (TOML): each mail category -> one action; a bad file is refused whole.

See routing.toml beside this module for the keys. Every category must be routed: a
mail of a category nobody routes would wait for ever.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

from bots.errors import UsageError
from connectors.outbound import normalize_email

DEFAULT_ROUTING = Path(__file__).with_name("routing.toml")
FOLDERS = ("answered", "forwarded", "routed", "screened", "spam", "review")


class Action(StrEnum):
    QUEUE = "queue"
    REQUEST = "request"
    FORWARD = "forward"
    ANSWER = "answer"
    REVIEW = "review"


@dataclass(frozen=True)
class Route:
    category: str
    action: Action
    queue: str = ""
    kind: str = ""
    to: str = ""

    @property
    def folder_key(self) -> str:
        return {Action.QUEUE: "routed", Action.REQUEST: "routed", Action.FORWARD: "forwarded",
                Action.ANSWER: "answered", Action.REVIEW: "review"}[self.action]


@dataclass(frozen=True)
class Routing:
    routes: dict[str, Route]
    folders: dict[str, str]

    def route(self, category: str) -> Route:
        return self.routes.get(category) or Route(category, Action.REVIEW)

    def folder(self, key: str) -> str:
        return self.folders[key]


def load_routing(path: Path = DEFAULT_ROUTING) -> Routing:
    # imported here: loading the recipe (every scheduled child does) stays light
    from bots.mail.understand.categories import CATEGORIES

    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise UsageError(f"routing file {path}: {exc}") from None
    folders = _folders(path, data.get("folders", {}))
    table = data.get("categories", {})
    unknown = sorted(set(table) - set(CATEGORIES))
    if unknown:
        raise UsageError(f"routing file {path}: unknown categories {unknown} "
                         f"(known: {', '.join(CATEGORIES)})")
    missing = [c for c in CATEGORIES if c not in table]
    if missing:
        raise UsageError(f"routing file {path}: no route for {missing}")
    return Routing({c: _route(path, c, table[c]) for c in CATEGORIES}, folders)


def _folders(path: Path, given: dict[str, Any]) -> dict[str, str]:
    defaults = {key: f"Triage/{key.capitalize()}" for key in FOLDERS}
    extra = sorted(set(given) - set(FOLDERS))
    if extra:
        raise UsageError(f"routing file {path}: [folders] has unknown keys {extra}")
    folders = {**defaults, **given}
    for key, name in folders.items():
        if not isinstance(name, str) or not name.strip() or name.upper() == "INBOX":
            raise UsageError(f"routing file {path}: folders.{key} must name a folder, "
                             f"not {name!r}")
    return folders


def _route(path: Path, category: str, entry: Any) -> Route:
    where = f"routing file {path}: categories.{category}"
    if not isinstance(entry, dict):
        raise UsageError(f"{where}: expected a table")
    try:
        action = Action(entry.get("action", ""))
    except ValueError:
        raise UsageError(f"{where}: action {entry.get('action')!r} is not one of "
                         f"{', '.join(a.value for a in Action)}") from None
    allowed = {"action", "queue", "kind", "to"}
    if set(entry) - allowed:
        raise UsageError(f"{where}: unknown keys {sorted(set(entry) - allowed)}")
    if action is Action.QUEUE and not (entry.get("queue") and entry.get("kind")):
        raise UsageError(f"{where}: action queue needs `queue` and `kind`")
    to = ""
    if action is Action.FORWARD:
        try:
            to = normalize_email(str(entry.get("to", "")))
        except Exception as exc:  # noqa: BLE001 - the address checker's own error types
            raise UsageError(f"{where}: forward needs `to`, a mail address ({exc})") from None
    return Route(category, action, str(entry.get("queue", "")), str(entry.get("kind", "")), to)
