"""Properties: a table against a shuffled copy of itself matches everything; against a
perturbed copy, the engine finds exactly the perturbations; the summary adds up."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from bots.reconcile import (
    AmountTolerance,
    DateWindow,
    MatchRule,
    RuleSet,
    SideRoles,
    reconcile,
)

RULES = RuleSet(SideRoles("ledger"), SideRoles("bank"), rules=(
    MatchRule("key", ("key",), ("key",), amount=AmountTolerance(1), dates=DateWindow(3, 5),
              breaks=True),))
DAY0 = np.datetime64("2024-01-01")

rows = st.lists(
    st.tuples(st.integers(-10**12, 10**12), st.integers(0, 400)),
    min_size=1, max_size=60,
)
keys = st.text(alphabet="ABCXYZ-0123456789ñ", min_size=1, max_size=12)


def frame(keys_: list[str], amounts: list[int], days: list[int]) -> pd.DataFrame:
    return pd.DataFrame({
        "key": pd.array(keys_, dtype="str"),
        "amount": np.array(amounts, dtype=np.int64),
        "date": (DAY0 + np.array(days, dtype="timedelta64[D]")).astype("datetime64[ns]"),
    })


@st.composite
def tables(draw: st.DrawFn) -> pd.DataFrame:
    values = draw(rows)
    names = draw(st.lists(keys, min_size=len(values), max_size=len(values), unique=True))
    return frame(names, [a for a, _ in values], [d for _, d in values])


@settings(max_examples=60, deadline=None)
@given(tables(), st.randoms(use_true_random=False))
def test_a_shuffled_copy_matches_everything(left, rnd):
    order = list(range(len(left)))
    rnd.shuffle(order)
    result = reconcile(left, left.iloc[order].reset_index(drop=True), RULES)
    assert set(result.classes("left").astype("str")) == {"matched"}
    assert set(result.classes("right").astype("str")) == {"matched"}
    # each left row is linked to the right row that is its copy
    right_of = {link: pos for pos, link in enumerate(result.right.link)}
    assert [order[right_of[link]] for link in result.left.link] == list(range(len(left)))


PERTURBATIONS = ("none", "cent", "amount", "date", "delete", "duplicate")
EXPECTED_LEFT = {"none": "matched", "cent": "matched_tolerance", "amount": "amount_break",
                 "date": "date_break", "delete": "missing_right", "duplicate": "matched"}


@settings(max_examples=80, deadline=None)
@given(tables(), st.data())
def test_a_perturbed_copy_shows_exactly_the_perturbations(left, data):
    n = len(left)
    kinds = data.draw(st.lists(st.sampled_from(PERTURBATIONS), min_size=n, max_size=n))
    extra = data.draw(st.integers(0, 3))
    right_rows, expected_right = [], []
    for i, kind in enumerate(kinds):
        key, amount, date = left.at[i, "key"], int(left.at[i, "amount"]), left.at[i, "date"]
        if kind == "delete":
            continue
        if kind == "cent":
            amount += data.draw(st.sampled_from([-1, 1]))
        elif kind == "amount":
            amount += data.draw(st.integers(2, 10**9)) * data.draw(st.sampled_from([-1, 1]))
        elif kind == "date":
            date += pd.Timedelta(days=data.draw(st.sampled_from([-4, -30, 6, 90])))
        right_rows.append((key, amount, date))
        expected_right.append(EXPECTED_LEFT[kind])
        if kind == "duplicate":
            right_rows.append((key, amount, date))
            expected_right.append("duplicate")
    for j in range(extra):
        right_rows.append((f"new-{j}", 100 * j, left.at[0, "date"]))
        expected_right.append("missing_left")
    right = pd.DataFrame(right_rows, columns=["key", "amount", "date"]).astype(
        {"key": "str", "amount": "int64", "date": "datetime64[ns]"}) if right_rows else left.iloc[:0]
    result = reconcile(left, right, RULES)
    assert result.classes("left").astype("str").tolist() == [EXPECTED_LEFT[k] for k in kinds]
    assert result.classes("right").astype("str").tolist() == expected_right


@settings(max_examples=40, deadline=None)
@given(tables(), tables())
def test_summary_totals_equal_the_inputs(left, right):
    result = reconcile(left, right, RULES)
    summary = result.summary()
    total = summary.iloc[-1]
    assert total["class"] == "total"
    inputs = result.input_totals()
    for column, value in inputs.items():
        assert int(total[column]) == value
        assert int(summary.iloc[:-1][column].sum()) == value
