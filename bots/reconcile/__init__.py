"""Reconciliation: match two tables of money right to the cent and classify every row.

    from bots.reconcile import reconcile, load_rules
    result = reconcile(ledger, bank, load_rules("rules.toml").passes["bank"])
    result.summary(); result.lines(); result.counts()

Amounts are integer minor units (cents) throughout; see `rules` for the policies.
"""

from __future__ import annotations

from bots.reconcile.classes import MatchClass
from bots.reconcile.config import RuleFile, load_rules, rules_from_mapping, ruleset_from_mapping
from bots.reconcile.engine import reconcile
from bots.reconcile.result import Reconciliation
from bots.reconcile.rules import (
    AmountTolerance,
    DateWindow,
    DuplicatePolicy,
    FuzzyTieBreak,
    GroupRule,
    KeyExtract,
    KeyNormalize,
    MatchRule,
    RuleError,
    RuleSet,
    Scorer,
    SideRoles,
)
from bots.reconcile.threeway import ThreeWay, reconcile_three_way

__all__ = [
    "AmountTolerance",
    "DateWindow",
    "DuplicatePolicy",
    "FuzzyTieBreak",
    "GroupRule",
    "KeyExtract",
    "KeyNormalize",
    "MatchClass",
    "MatchRule",
    "Reconciliation",
    "RuleError",
    "RuleFile",
    "RuleSet",
    "Scorer",
    "SideRoles",
    "ThreeWay",
    "load_rules",
    "reconcile",
    "reconcile_three_way",
    "rules_from_mapping",
    "ruleset_from_mapping",
]
