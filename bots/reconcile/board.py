"""The state of one pass: per input row, its class, the rule that set it and its link.

A link ties the rows decided together: a pair, a group, an ambiguous set, the repeats of
one duplicated row. Rows are classified once; later steps only see rows still free.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from bots.reconcile.classes import UNSET, MatchClass
from bots.reconcile.rules import RuleError, SideRoles

NO_DATE = np.iinfo(np.int64).min


def _amounts(frame: pd.DataFrame, roles: SideRoles) -> np.ndarray:
    column = _column(frame, roles, roles.amount)
    if not pd.api.types.is_integer_dtype(column.dtype):
        raise RuleError(
            f"{roles.label} amount column {roles.amount!r} must hold integer minor units "
            f"(cents), got {column.dtype}; floats cannot hold money exactly"
        )
    if column.isna().any():
        first = int(np.flatnonzero(column.isna().to_numpy())[0])
        raise RuleError(f"{roles.label} amount column {roles.amount!r} is empty at position {first}")
    return column.to_numpy(dtype=np.int64)


def _days(frame: pd.DataFrame, roles: SideRoles) -> np.ndarray | None:
    if roles.date is None:
        return None
    column = _column(frame, roles, roles.date)
    if not pd.api.types.is_datetime64_any_dtype(column.dtype):
        raise RuleError(f"{roles.label} date column {roles.date!r} must hold dates, got {column.dtype}")
    days = column.to_numpy(dtype="datetime64[D]").astype(np.int64)
    days[column.isna().to_numpy()] = NO_DATE
    return days


def _column(frame: pd.DataFrame, roles: SideRoles, name: str) -> pd.Series:
    if name not in frame.columns:
        raise RuleError(f"{roles.label} has no column {name!r} (columns: {list(frame.columns)})")
    return frame[name]


@dataclass
class Side:
    frame: pd.DataFrame
    roles: SideRoles
    amount: np.ndarray = field(init=False)
    days: np.ndarray | None = field(init=False)
    cls: np.ndarray = field(init=False)
    rule: np.ndarray = field(init=False)
    link: np.ndarray = field(init=False)
    ref: np.ndarray = field(init=False)  # a duplicate's original row

    def __post_init__(self) -> None:
        self.amount = _amounts(self.frame, self.roles)
        self.days = _days(self.frame, self.roles)
        n = len(self.frame)
        self.cls = np.full(n, UNSET, dtype=np.int8)
        self.rule = np.full(n, -1, dtype=np.int16)
        self.link = np.full(n, -1, dtype=np.int64)
        self.ref = np.full(n, -1, dtype=np.int64)

    def __len__(self) -> int:
        return len(self.cls)

    def free(self) -> np.ndarray:
        return np.flatnonzero(self.cls == UNSET)

    def column(self, name: str) -> pd.Series:
        return _column(self.frame, self.roles, name)

    def set(self, rows: np.ndarray, cls: np.ndarray | MatchClass, rule: int,
            link: np.ndarray) -> None:
        if np.any(self.cls[rows] != UNSET):
            raise AssertionError("a row was classified twice")
        self.cls[rows] = cls.code if isinstance(cls, MatchClass) else cls
        self.rule[rows] = rule
        self.link[rows] = link


class Board:
    def __init__(self, left: pd.DataFrame, right: pd.DataFrame, left_roles: SideRoles,
                 right_roles: SideRoles) -> None:
        self.left = Side(left.reset_index(drop=True), left_roles)
        self.right = Side(right.reset_index(drop=True), right_roles)
        self._next_link = 0

    @property
    def links_used(self) -> int:
        return self._next_link

    def new_links(self, count: int) -> np.ndarray:
        links = np.arange(self._next_link, self._next_link + count, dtype=np.int64)
        self._next_link += count
        return links

    def pairs(self, li: np.ndarray, ri: np.ndarray, cls: np.ndarray, rule: int) -> None:
        links = self.new_links(len(li))
        self.left.set(li, cls, rule, links)
        self.right.set(ri, cls, rule, links)

    def sets(self, li: np.ndarray, ri: np.ndarray, label: np.ndarray, cls: MatchClass,
             rule: int) -> None:
        """Classify the rows of edges (li, ri) with one new link per set label."""
        uniques, inverse = np.unique(label, return_inverse=True)
        links = self.new_links(len(uniques))[inverse]
        for side, rows in ((self.left, li), (self.right, ri)):
            first = np.unique(rows, return_index=True)[1]
            side.set(rows[first], cls, rule, links[first])

    def finish(self) -> None:
        """Whatever no step took is missing on the other side."""
        for side, cls in ((self.left, MatchClass.MISSING_RIGHT),
                          (self.right, MatchClass.MISSING_LEFT)):
            rows = side.free()
            side.set(rows, cls, -1, self.new_links(len(rows)))
