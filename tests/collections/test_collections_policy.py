"""The collections policy: known answers, and bad files refused with where and why."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from bots.errors import UsageError
from recipes.collections.policy import DEFAULT_POLICY_FILE, load_policy

GOOD = DEFAULT_POLICY_FILE.read_text(encoding="utf-8")


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "policy.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_shipped_policy_reads_with_known_answers() -> None:
    policy = load_policy()
    assert policy.minimum == Decimal("5.00")
    assert [policy.bucket(d) for d in (-3, 0, 1, 30, 31, 60, 61, 90, 91, 400)] == [
        "current", "current", "1-30", "1-30", "31-60", "31-60", "61-90", "61-90", "91+", "91+"]
    names = [level.name for level in policy.levels]
    assert [policy.level_index(d) for d in (0, 2, 3, 9, 10, 15, 25, 35, 99)] == [
        None, None, 0, 0, 1, 2, 3, 4, 4]
    assert names[policy.level_index(3, bumps=1)] == "second_reminder"  # a broken promise
    assert policy.level_index(0, bumps=1) == 0
    assert policy.level_index(40, bumps=3) == 4
    assert policy.next_retry(1, date(2026, 3, 1)) == date(2026, 3, 3)
    assert policy.next_retry(2, date(2026, 3, 3)) == date(2026, 3, 8)
    assert policy.next_retry(3, date(2026, 3, 8)) is None
    once, day = policy.call_list, date(2026, 3, 10)
    assert policy.call_list.relist_days == 0
    assert [once.due(last, day) for last in (None, date(2026, 3, 9), date(2026, 1, 1))] == [
        True, False, False]
    every3 = once.model_copy(update={"relist_days": 3})
    assert [every3.due(date(2026, 3, d), day) for d in (9, 8, 7, 1)] == [
        False, False, True, True]


@pytest.mark.parametrize(("old", "new", "says"), [
    ("from = 31\n", "from = 30\n", "ageing[1] (31-60) starts at day 30"),            # overlap
    ("from = 31\n", "from = 33\n", "ageing[1] (31-60) starts at day 33"),            # gap
    ('name = "1-30"\nfrom = 1\n', 'name = "1-30"\nfrom = 2\n', "ageing[0] (1-30) starts at day 2"),
    ("to = 30\n", "", "ageing[0] (1-30) has no end"),
    ('minimum = "5.00"', "minimum = 5.0", "minimum: Value error, write money as quoted text"),
    ('minimum = "5.00"', 'minimum = "5.001"', "at most 2 decimals"),
    ("days = 10\n", "days = 3\n", "strictly increasing days"),
    ('action = "reminder"\nchannel = "mail"\n', 'action = "reminder"\n', "needs a channel"),
    ('action = "call_list"\n', 'action = "call_list"\nchannel = "sms"\n', "sends no letter"),
    ('action = "call_list"', 'action = "phone_call"', "level[2].action"),
    ("retry_days = [2, 5]", "retry_days = [2, 0]", "retry_days must each be at least 1"),
    ('soft_declines = ["insufficient_funds"]', 'soft_declines = ["expired_card"]',
     "both a hard and a soft decline"),
    ("[approval]\n", "[approval]\nthreshold = \"1.00\"\n", "approval.threshold: Extra inputs"),
    ('charge_from = "500.00"', 'charge_from = 500.5', "approval.charge_from"),
    ("relist_days = 0", "relist_days = -1", "call_list.relist_days"),
])
def test_a_bad_policy_is_refused_naming_the_file_and_the_place(
        tmp_path: Path, old: str, new: str, says: str) -> None:
    assert old in GOOD
    path = _write(tmp_path, GOOD.replace(old, new, 1))
    with pytest.raises(UsageError) as caught:
        load_policy(path)
    assert str(path) in str(caught.value)
    assert says in str(caught.value)


def test_a_missing_or_broken_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="does not exist"):
        load_policy(tmp_path / "nope.toml")
    with pytest.raises(UsageError, match="not valid TOML"):
        load_policy(_write(tmp_path, "minimum = "))
