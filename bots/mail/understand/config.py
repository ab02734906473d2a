"""The rules file (TOML) read into frozen, compiled objects; a bad file is refused whole.

The packaged `default_rules.toml` says what each key means. A user's file replaces the
top-level sections it has ([classify], [keywords], [extract], [priority]) and keeps the
defaults for the others, so a file holding only [keywords] is a complete rules file.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from bots.mail.understand.categories import CATEGORIES, LANGUAGES, check_category, check_language
from bots.mail.understand.text import fold

DEFAULT_RULES = Path(__file__).with_name("default_rules.toml")
SECTIONS = ("classify", "keywords", "extract", "priority")
FIELDS = ("subject", "text", "any")


class RulesError(ValueError):
    """The rules file is unusable; the message names the file and the key."""


@dataclass(frozen=True)
class Override:
    category: str
    pattern: re.Pattern[str]
    field: str = "any"
    language: str | None = None


@dataclass(frozen=True)
class ClassifyRules:
    threshold: float
    default_language: str
    rules_weight: float
    overrides: tuple[Override, ...]
    # category -> language -> patterns
    keywords: dict[str, dict[str, tuple[re.Pattern[str], ...]]]


@dataclass(frozen=True)
class ExtractRules:
    invoice: tuple[re.Pattern[str], ...]
    order: tuple[re.Pattern[str], ...]
    customer: tuple[re.Pattern[str], ...]
    currency: tuple[str, ...]
    numeric_dates: dict[str, str]


@dataclass(frozen=True)
class PriorityRules:
    category: dict[str, int]
    age_step_hours: float
    age_points_per_step: int
    age_max_points: int
    urgent_points: int
    legal_points: int
    urgent: dict[str, tuple[re.Pattern[str], ...]]
    legal: dict[str, tuple[re.Pattern[str], ...]]
    tiers: dict[str, int]
    amount: tuple[tuple[Decimal, int], ...]  # (at least, points), highest first


@dataclass(frozen=True)
class Rules:
    source: str
    classify: ClassifyRules
    extract: ExtractRules
    priority: PriorityRules


def load_rules(path: Path | None = None) -> Rules:
    """The packaged defaults, with the sections of `path` (if given) in their place."""
    data = _read(DEFAULT_RULES)
    source = str(DEFAULT_RULES)
    if path is not None:
        user = _read(Path(path))
        unknown = sorted(set(user) - set(SECTIONS))
        if unknown:
            raise RulesError(f"{path}: unknown section(s) {unknown} (known: {', '.join(SECTIONS)})")
        data.update(user)
        source = str(path)
    return _Builder(source, data).build()


def _read(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise RulesError(f"{path}: no such rules file") from None
    except tomllib.TOMLDecodeError as error:
        raise RulesError(f"{path}: not valid TOML ({error})") from None


class _Builder:
    def __init__(self, source: str, data: dict[str, Any]) -> None:
        self.source, self.data = source, data

    def fail(self, key: str, message: str) -> RulesError:
        return RulesError(f"{self.source}: [{key}] {message}")

    def get(self, table: dict[str, Any], key: str, where: str, kind: type | tuple[type, ...]) -> Any:
        if key not in table:
            raise self.fail(where, f"missing key {key!r}")
        value = table[key]
        if isinstance(value, bool) or not isinstance(value, kind):
            raise self.fail(f"{where}.{key}", f"expected {_kind_name(kind)}, got {value!r}")
        return value

    def patterns(self, values: Any, where: str, *, folded: bool = True) -> tuple[re.Pattern[str], ...]:
        if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
            raise self.fail(where, f"expected a list of patterns (strings), got {values!r}")
        compiled = []
        for value in values:
            try:
                compiled.append(re.compile(fold(value) if folded else value,
                                           0 if folded else re.IGNORECASE))
            except re.error as error:
                raise self.fail(where, f"pattern {value!r} is not a regular expression ({error})") from None
        return tuple(compiled)

    def per_language(self, table: Any, where: str) -> dict[str, tuple[re.Pattern[str], ...]]:
        if not isinstance(table, dict):
            raise self.fail(where, "expected a table of languages (es = [...], en = [...])")
        for language in table:
            try:
                check_language(language, f"{self.source}: [{where}]")
            except ValueError as error:
                raise RulesError(str(error)) from None
        return {lang: self.patterns(table.get(lang, []), f"{where}.{lang}") for lang in LANGUAGES}

    def build(self) -> Rules:
        return Rules(self.source, self.classify(), self.extract(), self.priority())

    def classify(self) -> ClassifyRules:
        table = self.data.get("classify", {})
        threshold = float(self.get(table, "threshold", "classify", (int, float)))
        weight = float(self.get(table, "rules_weight", "classify", (int, float)))
        for key, value in (("threshold", threshold), ("rules_weight", weight)):
            if not 0 <= value <= 1:
                raise self.fail(f"classify.{key}", f"expected a number from 0 to 1, got {value}")
        language = self.get(table, "default_language", "classify", str)
        if language not in LANGUAGES:
            raise self.fail("classify.default_language", f"expected one of {LANGUAGES}, got {language!r}")
        keywords_table = self.data.get("keywords", {})
        for name in keywords_table:
            self.category(name, "keywords")
        keywords = {name: self.per_language(keywords_table.get(name, {}), f"keywords.{name}")
                    for name in CATEGORIES}
        return ClassifyRules(threshold, language, weight, self.overrides(table.get("override", [])),
                             keywords)

    def category(self, name: str, where: str) -> str:
        try:
            return check_category(name, f"{self.source}: [{where}]")
        except ValueError as error:
            raise RulesError(str(error)) from None

    def overrides(self, entries: Any) -> tuple[Override, ...]:
        if not isinstance(entries, list):
            raise self.fail("classify.override", "expected a list of [[classify.override]] tables")
        result = []
        for n, entry in enumerate(entries, start=1):
            where = f"classify.override #{n}"
            if not isinstance(entry, dict):
                raise self.fail(where, "expected a table")
            category = self.category(self.get(entry, "category", where, str), where)
            (pattern,) = self.patterns([self.get(entry, "pattern", where, str)], where)
            field = entry.get("field", "any")
            if field not in FIELDS:
                raise self.fail(f"{where}.field", f"expected one of {FIELDS}, got {field!r}")
            language = entry.get("language")
            if language is not None and language not in LANGUAGES:
                raise self.fail(f"{where}.language", f"expected one of {LANGUAGES}, got {language!r}")
            result.append(Override(category, pattern, field, language))
        return tuple(result)

    def extract(self) -> ExtractRules:
        table = self.data.get("extract", {})
        kinds = {kind: self.patterns(self.get(table, kind, "extract", list), f"extract.{kind}",
                                     folded=False) for kind in ("invoice", "order", "customer")}
        currency = self.get(table, "currency", "extract", list)
        if not currency or not all(isinstance(c, str) and c for c in currency):
            raise self.fail("extract.currency", "expected a list of currency words or symbols")
        orders = self.get(table, "numeric_dates", "extract", dict)
        for language in LANGUAGES:
            if orders.get(language) not in ("dmy", "mdy"):
                raise self.fail(f"extract.numeric_dates.{language}",
                                f"expected 'dmy' or 'mdy', got {orders.get(language)!r}")
        return ExtractRules(kinds["invoice"], kinds["order"], kinds["customer"], tuple(currency),
                            {lang: orders[lang] for lang in LANGUAGES})

    def priority(self) -> PriorityRules:
        table = self.data.get("priority", {})
        points = self.get(table, "category", "priority", dict)
        for name in points:
            self.category(name, "priority.category")
        category = {name: self.integer(points, name, "priority.category", default=0)
                    for name in CATEGORIES}
        age = self.get(table, "age", "priority", dict)
        words = self.get(table, "words", "priority", dict)
        tiers = self.get(table, "tiers", "priority", dict)
        return PriorityRules(
            category=category,
            age_step_hours=float(self.get(age, "step_hours", "priority.age", (int, float))),
            age_points_per_step=self.integer(age, "points_per_step", "priority.age"),
            age_max_points=self.integer(age, "max_points", "priority.age"),
            urgent_points=self.integer(words, "urgent_points", "priority.words"),
            legal_points=self.integer(words, "legal_points", "priority.words"),
            urgent=self.per_language(words.get("urgent", {}), "priority.words.urgent"),
            legal=self.per_language(words.get("legal", {}), "priority.words.legal"),
            tiers={str(name).casefold(): self.integer(tiers, name, "priority.tiers") for name in tiers},
            amount=self.amounts(table.get("amount", [])),
        )

    def integer(self, table: dict[str, Any], key: str, where: str, default: int | None = None) -> int:
        if default is not None and key not in table:
            return default
        return int(self.get(table, key, where, int))

    def amounts(self, entries: Any) -> tuple[tuple[Decimal, int], ...]:
        if not isinstance(entries, list):
            raise self.fail("priority.amount", "expected a list of [[priority.amount]] tables")
        result = []
        for n, entry in enumerate(entries, start=1):
            where = f"priority.amount #{n}"
            text = self.get(entry, "at_least", where, str)
            try:
                at_least = Decimal(text)
            except InvalidOperation:
                raise self.fail(f"{where}.at_least", f"expected an amount like \"1000.00\", got {text!r}") from None
            result.append((at_least, self.integer(entry, "points", where)))
        return tuple(sorted(result, reverse=True))


def _kind_name(kind: type | tuple[type, ...]) -> str:
    kinds = kind if isinstance(kind, tuple) else (kind,)
    names = {int: "a whole number", float: "a number", str: "text", list: "a list", dict: "a table"}
    return " or ".join(names.get(k, k.__name__) for k in kinds)
