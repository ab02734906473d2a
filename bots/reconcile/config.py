"""Rules written as TOML. Unknown keys are errors, so a typo never silently loosens a rule.

    [passes.bank]
    left = { label = "ledger", amount = "amount", date = "issued" }
    right = { label = "bank", amount = "amount", date = "value_date" }
    duplicates = { right = ["value_date", "concept", "amount"] }

    [[passes.bank.rules]]
    name = "invoice-in-concept"
    left_on = ["invoice"]
    right_extract = { column = "concept", pattern = 'INV-\\d{6}' }
    normalize = "alnum_upper"
    amount = { absolute = "0.01", relative = "0" }     # major units; inclusive
    dates = { before = 5, after = 60 }                  # right date - left date, in days
    breaks = true
    tie_break = { left = "customer_name", right = "payer", min_score = 80, margin = 5 }

    [passes.bank.group]
    left_on = ["customer"]
    right_on = ["customer"]
    amount = { absolute = "0.01" }
    dates = { before = 0, after = 30 }
    max_size = 4
    max_candidates = 12

Other top-level tables (`[sources.*]`, how to read each file) are kept as read for the
loaders; the engine does not interpret them. Every key, its meaning and its default:
docs/reconcile-rules.md (tests/runtime/test_docs_keys.py holds the keys below to it).
"""

from __future__ import annotations

import tomllib
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bots.reconcile.rules import (
    AmountTolerance,
    DateWindow,
    DuplicatePolicy,
    FuzzyTieBreak,
    GroupRule,
    KeyExtract,
    MatchRule,
    RuleError,
    RuleSet,
    SideRoles,
)

# The keys each table accepts; anything else is refused with the allowed ones named.
FILE_KEYS = frozenset({"passes", "sources"})
PASS_KEYS = frozenset({"left", "right", "rules", "group", "duplicates", "scale"})
SIDE_KEYS = frozenset({"label", "amount", "date"})
RULE_KEYS = frozenset({"name", "left_on", "right_on", "left_extract", "right_extract",
                       "normalize", "amount", "dates", "breaks", "tie_break"})
GROUP_KEYS = frozenset({"name", "left_on", "right_on", "normalize", "amount", "dates",
                        "max_size", "max_candidates", "one_to_many", "many_to_one"})
AMOUNT_KEYS = frozenset({"absolute", "relative"})
DATES_KEYS = frozenset({"before", "after"})
EXTRACT_KEYS = frozenset({"column", "pattern"})
TIE_BREAK_KEYS = frozenset({"left", "right", "scorer", "min_score", "margin"})
DUPLICATES_KEYS = frozenset({"left", "right", "enabled", "ignore"})


@dataclass(frozen=True)
class RuleFile:
    passes: Mapping[str, RuleSet]
    sources: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)


def _table(raw: Any, where: str, allowed: Collection[str]) -> dict[str, Any]:
    if not isinstance(raw, Mapping):
        raise RuleError(f"{where} must be a table, got {type(raw).__name__}")
    unknown = set(raw) - set(allowed)
    if unknown:
        raise RuleError(f"{where}: unknown key(s) {sorted(unknown)} (allowed: {sorted(allowed)})")
    return dict(raw)


def _amount(raw: Any, where: str, scale: int) -> AmountTolerance:
    table = _table(raw, where, AMOUNT_KEYS)
    return AmountTolerance.of(table.get("absolute", 0), table.get("relative", 0), scale=scale)


def _dates(raw: Any, where: str) -> DateWindow | None:
    if raw is None:
        return None
    return DateWindow(**_table(raw, where, DATES_KEYS))


def _extract(raw: Any, where: str) -> KeyExtract | None:
    if raw is None:
        return None
    return KeyExtract(**_table(raw, where, EXTRACT_KEYS))


def _rule(raw: Any, where: str, scale: int) -> MatchRule:
    table = _table(raw, where, RULE_KEYS)
    tie = table.get("tie_break")
    return MatchRule(
        name=table.get("name", ""),
        left_on=table.get("left_on", ()),  # a list; the rule refuses a bare string
        right_on=table.get("right_on", ()),
        left_extract=_extract(table.get("left_extract"), f"{where}.left_extract"),
        right_extract=_extract(table.get("right_extract"), f"{where}.right_extract"),
        normalize=table.get("normalize", "exact"),
        amount=_amount(table.get("amount", {}), f"{where}.amount", scale),
        dates=_dates(table.get("dates"), f"{where}.dates"),
        breaks=bool(table.get("breaks", False)),
        tie_break=(FuzzyTieBreak(**_table(tie, f"{where}.tie_break", TIE_BREAK_KEYS))
                   if tie is not None else None),
    )


def _group(raw: Any, where: str, scale: int) -> GroupRule:
    table = _table(raw, where, GROUP_KEYS)
    table["amount"] = _amount(table.get("amount", {}), f"{where}.amount", scale)
    table["dates"] = _dates(table.get("dates"), f"{where}.dates")
    return GroupRule(**table)


def ruleset_from_mapping(raw: Mapping[str, Any], where: str = "rules") -> RuleSet:
    try:
        table = _table(raw, where, PASS_KEYS)
        scale = table.get("scale", 2)
        sides = {k: SideRoles(**_table(table.get(k), f"{where}.{k}", SIDE_KEYS))
                 for k in ("left", "right")}
        dup = _table(table.get("duplicates", {}), f"{where}.duplicates", DUPLICATES_KEYS)
        rules = table.get("rules", [])
        if not isinstance(rules, list):
            raise RuleError(f"{where}.rules must be an array of tables ([[...rules]])")
        return RuleSet(
            left=sides["left"], right=sides["right"],
            rules=tuple(_rule(r, f"{where}.rules[{i}]", scale) for i, r in enumerate(rules)),
            group=_group(table["group"], f"{where}.group", scale) if "group" in table else None,
            duplicates=DuplicatePolicy(**dup),
            scale=scale,
        )
    except TypeError as exc:  # a missing or mistyped argument of a policy
        raise RuleError(f"{where}: {exc}") from None


def rules_from_mapping(raw: Mapping[str, Any], where: str = "") -> RuleFile:
    table = _table(raw, where or "rule file", FILE_KEYS)
    passes = _table(table.get("passes", {}), "passes", set(table.get("passes", {})))
    if not passes:
        raise RuleError(f"{where or 'rule file'}: no [passes.*] table")
    return RuleFile(
        passes={name: ruleset_from_mapping(body, f"passes.{name}") for name, body in passes.items()},
        sources=dict(table.get("sources", {})),
    )


def load_rules(path: str | Path) -> RuleFile:
    """Read a TOML rule file; errors name the file and the table at fault."""
    path = Path(path)
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise RuleError(f"{path}: not valid TOML: {exc}") from None
    try:
        return rules_from_mapping(raw)
    except RuleError as exc:
        raise RuleError(f"{path}: {exc}") from None
