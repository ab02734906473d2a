"""Builders shared by the reconciliation tests: small tables written as rows."""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd
import pytest

from bots.reconcile import RuleSet, SideRoles

Rows = list[tuple]


def table(rows: Rows, columns: tuple[str, ...] = ("key", "amount", "date")) -> pd.DataFrame:
    """Rows as tuples; amounts in cents; dates as ISO strings or None."""
    frame = pd.DataFrame(rows, columns=list(columns))
    if "amount" in frame:
        frame["amount"] = frame["amount"].astype("int64")
    if "date" in frame:
        frame["date"] = pd.to_datetime(frame["date"])
    for name in frame.columns:
        if frame[name].dtype == object:
            frame[name] = frame[name].astype("str")
    return frame


@pytest.fixture
def make_table() -> Callable[..., pd.DataFrame]:
    return table


@pytest.fixture
def ruleset() -> Callable[..., RuleSet]:
    def build(*rules, group=None, **kwargs) -> RuleSet:
        return RuleSet(SideRoles("ledger"), SideRoles("bank"), rules=tuple(rules), group=group,
                       **kwargs)

    return build
