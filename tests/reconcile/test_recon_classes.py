"""Known answers: every class, every rule, on tables small enough to check by eye."""

from __future__ import annotations

from decimal import Decimal

import pandas as pd
import pytest

from bots.reconcile import (
    AmountTolerance,
    DateWindow,
    DuplicatePolicy,
    FuzzyTieBreak,
    GroupRule,
    KeyExtract,
    KeyNormalize,
    MatchRule,
    RuleError,
    reconcile,
)

CENT = AmountTolerance(1)
KEY = MatchRule("key", ("key",), ("key",), amount=CENT, dates=DateWindow(2, 5), breaks=True)


def classes(result, side="left") -> list[str]:
    return result.classes(side).astype("str").tolist()


def rules_of(result, side="left") -> list[str]:
    return result.rule_of(side).tolist()


def test_exact_and_tolerance_and_breaks(make_table, ruleset):
    left = make_table([("A", 10_000, "2024-01-10"), ("B", 10_000, "2024-01-10"),
                       ("C", 10_000, "2024-01-10"), ("D", 10_000, "2024-01-10"),
                       ("E", 10_000, "2024-01-10")])
    right = make_table([("E", 10_000, "2024-01-16"),  # 6 days late: window is 5
                        ("D", 10_002, "2024-01-10"),  # 2 cents off: tolerance is 1
                        ("C", 9_999, "2024-01-08"),  # 1 cent, 2 days early: both on the edge
                        ("B", 10_001, "2024-01-15"),  # 1 cent, 5 days late: on the edge
                        ("A", 10_000, "2024-01-10")])
    result = reconcile(left, right, ruleset(KEY))
    assert classes(result) == ["matched", "matched_tolerance", "matched_tolerance",
                               "amount_break", "date_break"]
    assert classes(result, "right") == ["date_break", "amount_break", "matched_tolerance",
                                        "matched_tolerance", "matched"]
    assert set(rules_of(result)) == {"key"}
    # each pair shares one link
    assert result.left.link[0] == result.right.link[4]


def test_relative_tolerance_is_inclusive_at_the_edge(make_table, ruleset):
    rule = MatchRule("rel", ("key",), ("key",), breaks=True,
                     amount=AmountTolerance(0, Decimal("0.01")))  # 1 % of the left amount
    left = make_table([("A", 100_000, "2024-01-01"), ("B", 100_000, "2024-01-01")])
    right = make_table([("A", 101_000, "2024-01-01"), ("B", 101_001, "2024-01-01")])
    result = reconcile(left, right, ruleset(rule))
    assert classes(result) == ["matched_tolerance", "amount_break"]


def test_composite_key(make_table, ruleset):
    cols = ("key", "branch", "amount", "date")
    left = make_table([("A", "north", 500, "2024-01-01"), ("A", "south", 700, "2024-01-01")], cols)
    right = make_table([("A", "south", 700, "2024-01-01"), ("A", "north", 500, "2024-01-01")], cols)
    rule = MatchRule("pair", ("key", "branch"), ("key", "branch"), breaks=True)
    result = reconcile(left, right, ruleset(rule))
    assert classes(result) == ["matched", "matched"]
    assert result.left.link[0] == result.right.link[1]


def test_key_extracted_by_regex_from_free_text(make_table, ruleset):
    cols = ("key", "amount", "date", "concept")
    left = make_table([("INV-2024-00017", 12_345, "2024-02-01", ""),
                       ("INV-2024-00018", 500, "2024-02-01", "")], cols)
    right = make_table([("", 12_345, "2024-02-03", "TRANSF. ACME SL FRA inv 2024/00017 GRACIAS"),
                        ("", 999, "2024-02-03", "TRANSFERENCIA SIN REFERENCIA")], cols)
    rule = MatchRule("concept", ("key",), right_extract=KeyExtract("concept", r"(?i)inv\W?\d{4}\W\d{5}"),
                     normalize=KeyNormalize.ALNUM_UPPER, breaks=True)
    result = reconcile(left, right, ruleset(rule))
    assert classes(result) == ["matched", "missing_right"]
    assert classes(result, "right") == ["matched", "missing_left"]


def test_cascade_tags_each_match_with_its_rule(make_table, ruleset):
    cols = ("key", "customer", "amount", "date")
    left = make_table([("A", "c1", 100, "2024-01-01"), ("B", "c2", 250, "2024-01-01")], cols)
    right = make_table([("A", "c1", 100, "2024-01-01"), ("?", "c2", 250, "2024-01-03")], cols)
    loose = MatchRule("customer", ("customer",), ("customer",), amount=CENT, dates=DateWindow(3, 3))
    result = reconcile(left, right, ruleset(KEY, loose))
    assert classes(result) == ["matched", "matched"]
    assert rules_of(result) == ["key", "customer"]


def test_no_key_rule_matches_on_amount_and_date(make_table, ruleset):
    left = make_table([("x", 1_000, "2024-01-01"), ("y", 2_000, "2024-01-01")])
    right = make_table([("p", 2_001, "2024-01-04"), ("q", 1_000, "2024-01-05")])
    rule = MatchRule("amount-date", amount=CENT, dates=DateWindow(3, 3))
    result = reconcile(left, right, ruleset(rule))
    # 1,000 is four days away: outside the window, so no silent stretch
    assert classes(result) == ["missing_right", "matched_tolerance"]
    assert classes(result, "right") == ["matched_tolerance", "missing_left"]


def test_two_equally_good_candidates_are_ambiguous(make_table, ruleset):
    cols = ("key", "customer", "amount", "date")
    left = make_table([("I1", "c1", 5_000, "2024-01-01"), ("I2", "c1", 5_000, "2024-01-01")], cols)
    right = make_table([("P1", "c1", 5_000, "2024-01-02")], cols)
    rule = MatchRule("customer", ("customer",), ("customer",), amount=CENT, dates=DateWindow(0, 3))
    result = reconcile(left, right, ruleset(rule))
    assert classes(result) == ["ambiguous", "ambiguous"]
    assert classes(result, "right") == ["ambiguous"]
    assert len({*result.left.link, *result.right.link}) == 1  # one set, shown together


def test_a_closer_candidate_is_not_a_tie(make_table, ruleset):
    cols = ("key", "customer", "amount", "date")
    left = make_table([("I1", "c1", 5_000, "2024-01-01"), ("I2", "c1", 5_000, "2024-01-03")], cols)
    right = make_table([("P1", "c1", 5_000, "2024-01-03")], cols)
    rule = MatchRule("customer", ("customer",), ("customer",), amount=CENT, dates=DateWindow(0, 3))
    result = reconcile(left, right, ruleset(rule))
    assert classes(result) == ["missing_right", "matched"]


def test_fuzzy_name_breaks_a_tie_only_when_clear(make_table, ruleset):
    cols = ("key", "name", "amount", "date")
    left = make_table([("I1", "Acme Widgets SL", 900, "2024-01-01"),
                       ("I2", "Borealis Trading", 900, "2024-01-01")], cols)
    right = make_table([("P1", "ACME WIDGETS, S.L.", 900, "2024-01-01")], cols)
    clear = MatchRule("amount", amount=CENT, dates=DateWindow(0, 0),
                      tie_break=FuzzyTieBreak("name", "name", min_score=70, margin=10))
    result = reconcile(left, right, ruleset(clear))
    assert classes(result) == ["matched", "missing_right"]
    twins = make_table([("I1", "Acme Widgets SL", 900, "2024-01-01"),
                        ("I2", "Acme Widgets SA", 900, "2024-01-01")], cols)
    result = reconcile(twins, right, ruleset(clear))
    assert classes(result) == ["ambiguous", "ambiguous"]  # 2 points apart is no evidence


def test_one_payment_settles_several_invoices(make_table, ruleset):
    cols = ("key", "customer", "amount", "date")
    left = make_table([("I1", "c1", 1_000, "2024-01-01"), ("I2", "c1", 2_500, "2024-01-02"),
                       ("I3", "c1", 4_000, "2024-01-03"), ("I4", "c2", 2_500, "2024-01-02")], cols)
    right = make_table([("P1", "c1", 3_500, "2024-01-10")], cols)
    group = GroupRule("group", ("customer",), ("customer",), dates=DateWindow(0, 30))
    result = reconcile(left, right, ruleset(group=group))
    assert classes(result) == ["grouped", "grouped", "missing_right", "missing_right"]
    assert classes(result, "right") == ["grouped"]
    assert result.left.link[0] == result.left.link[1] == result.right.link[0]
    assert rules_of(result, "right") == ["group"]


def test_several_payments_settle_one_invoice(make_table, ruleset):
    cols = ("key", "customer", "amount", "date")
    left = make_table([("I1", "c1", 10_000, "2024-01-01")], cols)
    right = make_table([("P1", "c1", 4_000, "2024-01-05"), ("P2", "c1", 6_001, "2024-01-20"),
                        ("P3", "c1", 7_000, "2024-01-21")], cols)
    group = GroupRule("partial", ("customer",), ("customer",), amount=CENT, dates=DateWindow(0, 30))
    result = reconcile(left, right, ruleset(group=group))
    assert classes(result) == ["grouped"]
    assert classes(result, "right") == ["grouped", "grouped", "missing_left"]


def test_two_subsets_with_the_same_sum_are_ambiguous(make_table, ruleset):
    cols = ("key", "customer", "amount", "date")
    left = make_table([("I1", "c1", 1_000, "2024-01-01"), ("I2", "c1", 2_000, "2024-01-01"),
                       ("I3", "c1", 1_500, "2024-01-01"), ("I4", "c1", 1_500, "2024-01-01")], cols)
    right = make_table([("P1", "c1", 3_000, "2024-01-05")], cols)
    group = GroupRule("group", ("customer",), ("customer",), dates=DateWindow(0, 30),
                      many_to_one=False)
    result = reconcile(left, right, ruleset(group=group))
    assert classes(result) == ["ambiguous"] * 4
    assert classes(result, "right") == ["ambiguous"]


def test_group_respects_the_date_window(make_table, ruleset):
    cols = ("key", "customer", "amount", "date")
    left = make_table([("I1", "c1", 1_000, "2024-01-01"), ("I2", "c1", 2_000, "2024-03-01")], cols)
    right = make_table([("P1", "c1", 3_000, "2024-03-05")], cols)
    group = GroupRule("group", ("customer",), ("customer",), dates=DateWindow(0, 30))
    result = reconcile(left, right, ruleset(group=group))
    assert classes(result, "right") == ["missing_left"]


def test_a_group_beats_a_break_from_a_partial_key(make_table, ruleset):
    """The concept names one invoice; the amount settles two: a group, not a break."""
    cols = ("key", "customer", "amount", "date")
    left = make_table([("I1", "c1", 1_000, "2024-01-01"), ("I2", "c1", 2_000, "2024-01-02")], cols)
    right = make_table([("I1", "c1", 3_000, "2024-01-05")], cols)
    group = GroupRule("group", ("customer",), ("customer",), dates=DateWindow(0, 30))
    result = reconcile(left, right, ruleset(KEY, group=group))
    assert classes(result) == ["grouped", "grouped"]


def test_duplicated_line_is_flagged_and_the_original_matched(make_table, ruleset):
    left = make_table([("A", 700, "2024-01-01")])
    right = make_table([("A", 700, "2024-01-01"), ("A", 700, "2024-01-01"), ("A", 700, "2024-01-01")])
    result = reconcile(left, right, ruleset(KEY))
    assert classes(result, "right") == ["matched", "duplicate", "duplicate"]
    assert result.right.ref.tolist() == [-1, 0, 0]
    assert rules_of(result, "right")[1] == "duplicates"
    notes = result.lines()["note"].tolist()
    assert notes.count("repeats row 1") == 2


def test_duplicates_can_be_limited_to_columns(make_table, ruleset):
    cols = ("key", "ref", "amount", "date")
    right = make_table([("A", "r1", 700, "2024-01-01"), ("A", "r2", 700, "2024-01-01")], cols)
    left = make_table([("A", "-", 700, "2024-01-01")], cols)
    whole = reconcile(left, right, ruleset(KEY))
    assert classes(whole, "right") == ["ambiguous", "ambiguous"]  # not copies: refs differ
    narrow = reconcile(left, right, ruleset(KEY, duplicates=DuplicatePolicy(
        right=("key", "amount", "date"))))
    assert classes(narrow, "right") == ["matched", "duplicate"]


def test_missing_on_each_side(make_table, ruleset):
    left = make_table([("A", 1, "2024-01-01"), ("B", 2, "2024-01-01")])
    right = make_table([("B", 2, "2024-01-01"), ("C", 3, "2024-01-01")])
    result = reconcile(left, right, ruleset(KEY))
    assert classes(result) == ["missing_right", "matched"]
    assert classes(result, "right") == ["matched", "missing_left"]


def test_missing_dates_never_match_a_window(make_table, ruleset):
    left = make_table([("A", 100, None)])
    right = make_table([("A", 100, "2024-01-01")])
    result = reconcile(left, right, ruleset(KEY))
    assert classes(result) == ["date_break"]


def test_float_amounts_are_refused(make_table, ruleset):
    left = make_table([("A", 100, "2024-01-01")])
    left["amount"] = left["amount"] / 100
    with pytest.raises(RuleError, match="integer minor units"):
        reconcile(left, make_table([("A", 100, "2024-01-01")]), ruleset(KEY))


def test_unknown_column_is_a_rule_error(make_table, ruleset):
    rule = MatchRule("k", ("nope",), ("key",))
    with pytest.raises(RuleError, match="nope"):
        reconcile(make_table([("A", 1, "2024-01-01")]), make_table([("A", 1, "2024-01-01")]),
                  ruleset(rule))


def test_output_is_deterministic(make_table, ruleset):
    cols = ("key", "customer", "amount", "date")
    rows = [(f"I{i}", f"c{i % 3}", 100 * (i % 4), f"2024-01-{1 + i % 5:02d}") for i in range(40)]
    left = make_table(rows, cols)
    right = make_table([(f"P{i}", c, a + i % 2, d) for i, (_, c, a, d) in enumerate(rows[5:])], cols)
    rule = MatchRule("customer", ("customer",), ("customer",), amount=CENT, dates=DateWindow(2, 2))
    group = GroupRule("g", ("customer",), ("customer",), dates=DateWindow(0, 10))
    first = reconcile(left, right, ruleset(rule, group=group))
    second = reconcile(left.copy(), right.copy(), ruleset(rule, group=group))
    pd.testing.assert_frame_equal(first.lines(), second.lines())
    pd.testing.assert_frame_equal(first.annotated("left"), second.annotated("left"))


def test_every_row_gets_exactly_one_class(make_table, ruleset):
    left = make_table([("A", 1, "2024-01-01"), ("B", 2, "2024-01-01"), ("C", 3, "2024-01-09")])
    right = make_table([("A", 1, "2024-01-01"), ("B", 5, "2024-01-01"), ("C", 3, "2024-01-01"),
                        ("D", 4, "2024-01-01")])
    result = reconcile(left, right, ruleset(KEY))
    counts = result.counts()
    assert sum(v for k, v in counts.items() if k.startswith("ledger_") and k != "ledger_rows") == 3
    assert sum(v for k, v in counts.items() if k.startswith("bank_") and k != "bank_rows") == 4
    lines = result.lines()
    assert lines["ledger key"].notna().sum() == 3 and lines["bank key"].notna().sum() == 4
