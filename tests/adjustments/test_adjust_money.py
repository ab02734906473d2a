"""bots.money: rounding rules, both written conventions, tax per rate, allocation, the float guard."""

from __future__ import annotations

import decimal
from decimal import Decimal as D

import pytest

from bots.money import (
    Convention,
    Rounding,
    allocate,
    cents,
    ensure_decimal,
    format_money,
    money_context,
    parse_money,
    parse_percentage,
    tax_at,
)


@pytest.mark.parametrize(("rule", "value", "expected"), [
    (Rounding.HALF_UP, "0.125", "0.13"), (Rounding.HALF_UP, "-0.125", "-0.13"),
    (Rounding.HALF_EVEN, "0.125", "0.12"), (Rounding.HALF_EVEN, "0.135", "0.14"),
    (Rounding.HALF_DOWN, "0.125", "0.12"), (Rounding.UP, "0.121", "0.13"),
    (Rounding.DOWN, "0.129", "0.12"), (Rounding.CEILING, "-0.125", "-0.12"),
    (Rounding.FLOOR, "-0.121", "-0.13"), (Rounding.HALF_UP, "0.124999", "0.12"),
])
def test_each_rounding_rule_on_half_cents(rule: Rounding, value: str, expected: str) -> None:
    assert rule.cents(D(value)) == D(expected)


def test_half_up_is_the_default_and_rules_parse_from_text() -> None:
    assert cents(D("2.675")) == D("2.68")  # the float 2.675 would round to 2.67
    assert Rounding.parse("Half-Even") is Rounding.HALF_EVEN
    with pytest.raises(ValueError, match="unknown rounding rule 'bankers'.*half_up"):
        Rounding.parse("bankers")


@pytest.mark.parametrize(("text", "expected"), [
    ("1.234,56", "1234.56"), ("1,234.56", "1234.56"), ("1234,5", "1234.5"),
    ("-12,50", "-12.50"), ("€ 3", "3"), ("1 234,56", "1234.56"), ("1.234.567", "1234567"),
    ("1,234,567.8", "1234567.8"), ("0,10", "0.10"), ("12 EUR", "12"),
])
def test_parse_money_reads_both_conventions(text: str, expected: str) -> None:
    value = parse_money(text)
    assert value == D(expected) and isinstance(value, D)


@pytest.mark.parametrize("text", ["1,234", "1.234"])
def test_parse_money_refuses_what_is_ambiguous(text: str) -> None:
    with pytest.raises(ValueError, match="ambiguous"):
        parse_money(text)
    # declared, the convention decides
    assert parse_money("1.234", Convention.COMMA) == D("1234")
    assert parse_money("1.234", Convention.POINT) == D("1.234")


@pytest.mark.parametrize("text", ["", "abc", "12.3.4", "1,23,4", "1.234,5,6", "--3", "1e5", "0x10"])
def test_parse_money_refuses_garbage(text: str) -> None:
    with pytest.raises(ValueError):
        parse_money(text)


def test_format_money_in_both_conventions() -> None:
    assert format_money(D("-1234.5")) == "-1,234.50"
    assert format_money(D("-1234.5"), Convention.COMMA) == "-1.234,50"
    assert format_money(D("0.005"), Convention.COMMA, rule=Rounding.HALF_EVEN) == "0,00"
    for text in ("0,07", "1.234.567,89", "-0,01"):
        assert format_money(parse_money(text, Convention.COMMA), Convention.COMMA) == text


def test_tax_per_rate_rounds_by_the_rule() -> None:
    assert tax_at(D("0.50"), D("21")) == D("0.11")  # 0.105
    assert tax_at(D("0.50"), D("21"), Rounding.HALF_EVEN) == D("0.10")
    assert tax_at(D("10.05"), D("10")) == D("1.01")  # 1.005
    assert tax_at(D("10.05"), D("10"), Rounding.HALF_EVEN) == D("1.00")
    with pytest.raises(ValueError):
        tax_at(D("1"), D("-21"))


def test_allocate_sums_exactly_and_gives_residue_to_the_largest() -> None:
    assert allocate(D("15.00"), [D("100"), D("50")]) == [D("10.00"), D("5.00")]
    assert allocate(D("0.05"), [D("1"), D("1")]) == [D("0.02"), D("0.03")]
    shares = allocate(D("100.00"), [D("1"), D("1"), D("1")])
    assert shares == [D("33.34"), D("33.33"), D("33.33")] and sum(shares) == D("100.00")
    assert allocate(D("10.00"), [D("3.33"), D("6.67")], Rounding.DOWN) == [D("3.33"), D("6.67")]
    with pytest.raises(ValueError, match="two decimals"):
        allocate(D("0.005"), [D(1)])


def test_floats_are_refused_not_converted() -> None:
    for call in (lambda: ensure_decimal(0.1), lambda: cents(0.125),  # type: ignore[arg-type]
                 lambda: tax_at(10.0, D(21)), lambda: parse_percentage(0.1),  # type: ignore[arg-type]
                 lambda: allocate(D("1.00"), [0.5, 0.5])):  # type: ignore[list-item]
        with pytest.raises(TypeError, match="never float"):
            call()
    with pytest.raises(TypeError):
        ensure_decimal(True)
    with pytest.raises(ValueError):
        ensure_decimal(D("NaN"))


def test_money_context_traps_any_float_that_meets_a_decimal() -> None:
    with money_context(), pytest.raises(decimal.FloatOperation):
        D(0.1)
    with money_context(), pytest.raises(decimal.FloatOperation):
        D("0.1") < 0.2  # noqa: B015 - the comparison itself must raise
    assert D(0.5) == D("0.5")  # outside the context Python allows it; that is why it exists


def test_percentages() -> None:
    assert parse_percentage("10%") == D("0.1")
    assert parse_percentage("10,5 %") == D("0.105")
    assert parse_percentage("0.25") == D("0.25")
    assert parse_percentage(D("1")) == D("1")
