"""Rule policies refuse bad values when built; TOML rule files load strictly."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import numpy as np
import pytest

from bots.errors import BusinessError
from bots.reconcile import (
    AmountTolerance,
    DateWindow,
    FuzzyTieBreak,
    GroupRule,
    KeyExtract,
    MatchRule,
    RuleError,
    RuleSet,
    SideRoles,
    load_rules,
    ruleset_from_mapping,
)

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("build", [
    lambda: AmountTolerance(-1),
    lambda: AmountTolerance(1.5),  # minor units are whole
    lambda: AmountTolerance(0, Decimal("-0.1")),
    lambda: AmountTolerance(0, Decimal("1")),
    lambda: AmountTolerance.of("0.005"),  # finer than a cent
    lambda: AmountTolerance.of("abc"),
    lambda: DateWindow(-1, 0),
    lambda: DateWindow(0, 1.5),
    lambda: KeyExtract("concept", "(INV"),
    lambda: KeyExtract("concept", "(a)(b)"),
    lambda: FuzzyTieBreak("a", "b", min_score=120),
    lambda: FuzzyTieBreak("a", "b", margin=0),
    lambda: MatchRule(""),
    lambda: MatchRule("r", left_on=("a", "b"), right_on=("a",)),
    lambda: MatchRule("r", breaks=True),  # a break needs a key to pair on
    lambda: GroupRule(max_size=1),
    lambda: GroupRule(max_size=4, max_candidates=3),
    lambda: GroupRule(left_on=("c",)),
    lambda: RuleSet(SideRoles("a"), SideRoles("b")),  # no rule at all
    lambda: RuleSet(SideRoles("a"), SideRoles("a"), rules=(MatchRule("r"),)),
    lambda: RuleSet(SideRoles("a"), SideRoles("b"), rules=(MatchRule("r"), MatchRule("r"))),
])
def test_bad_policies_are_refused_when_built(build):
    with pytest.raises(RuleError):
        build()


def test_rule_errors_are_business_errors_and_value_errors():
    with pytest.raises(RuleError) as caught:
        AmountTolerance(-1)
    assert isinstance(caught.value, BusinessError) and isinstance(caught.value, ValueError)
    assert "negative" in str(caught.value)


def test_tolerance_from_major_units_is_exact():
    assert AmountTolerance.of("0.01").absolute == 1
    assert AmountTolerance.of(0.01).absolute == 1  # a TOML float means its decimal text
    assert AmountTolerance.of("12", scale=0).absolute == 12


def test_tolerance_limits_are_inclusive_integers():
    tol = AmountTolerance(1, Decimal("0.001"))
    limits = tol.limits(np.array([0, 999, 1000, -250_000, 1_999]))
    # 1 cent + 0.1 % of |left|, floored: the edge itself is allowed
    assert limits.tolist() == [1, 1, 2, 251, 2]


def test_rule_file_loads(tmp_path):
    rules = load_rules(ROOT / "recipes/reconcile_rules/default.toml")
    bank = rules.passes["bank"]
    assert [r.name for r in bank.rules] == ["invoice-in-concept", "customer-amount-date"]
    first = bank.rules[0]
    assert first.right_extract.pattern == r"INV-\d{4}-\d{5}"
    assert first.amount == AmountTolerance(1)
    assert first.dates == DateWindow(5, 60)
    assert first.breaks
    assert bank.group.max_size == 4
    assert rules.passes["portal"].right.label == "portal"
    assert set(rules.sources) == {"ledger", "bank", "portal_export"}


def test_rule_file_with_a_typo_names_the_table(tmp_path):
    path = tmp_path / "rules.toml"
    path.write_text("""
[passes.bank]
left = { label = "ledger" }
right = { label = "bank" }
[[passes.bank.rules]]
name = "k"
left_on = ["invoice"]
right_on = ["invoice"]
amount = { absolut = "0.01" }
""")
    with pytest.raises(RuleError) as caught:
        load_rules(path)
    message = str(caught.value)
    assert "rules.toml" in message and "passes.bank.rules[0].amount" in message
    assert "absolut" in message


def test_rule_file_that_is_not_toml(tmp_path):
    path = tmp_path / "rules.toml"
    path.write_text("[passes.bank\n")
    with pytest.raises(RuleError, match="not valid TOML"):
        load_rules(path)


def test_negative_tolerance_in_toml_is_refused():
    raw = {"left": {"label": "l"}, "right": {"label": "r"},
           "rules": [{"name": "x", "amount": {"absolute": "-0.01"}}]}
    with pytest.raises(RuleError, match="negative"):
        ruleset_from_mapping(raw)


def test_missing_side_table_is_a_rule_error():
    with pytest.raises(RuleError):
        ruleset_from_mapping({"left": {"label": "l"}, "rules": [{"name": "x"}]})
