"""Rows that repeat an earlier row of the same file (a bank line exported twice)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from bots.reconcile.board import Board, Side
from bots.reconcile.classes import MatchClass
from bots.reconcile.columnar import both, repeated
from bots.reconcile.keys import mix_words
from bots.reconcile.rules import DuplicatePolicy, RuleError


def _signature(side: Side, columns: tuple[str, ...] | None, ignore: tuple[str, ...]) -> list[str]:
    names = list(columns) if columns is not None else [c for c in side.frame.columns
                                                       if c not in ignore]
    missing = [c for c in names if c not in side.frame.columns]
    if missing:
        raise RuleError(f"duplicates: {side.roles.label} has no column(s) {missing}")
    return names


def _suspects(frame: pd.DataFrame, names: list[str]) -> np.ndarray:
    """Rows that may repeat another: equal on every integer and date column of the signature.

    Hashing a million strings costs far more than a few numbers; exact duplicates must
    agree on the numbers first, so only the (few) suspects are compared in full.
    """
    numeric = [c for c in names if pd.api.types.is_integer_dtype(frame[c].dtype)
               or pd.api.types.is_datetime64_any_dtype(frame[c].dtype)]
    if not numeric:
        return np.arange(len(frame))
    words = [_word(frame[c]) for c in numeric]
    hashed = mix_words(words, len(frame))
    repeats = repeated(hashed)
    if not len(repeats):  # the usual case, settled by one sort
        return np.zeros(0, np.int64)
    found = np.minimum(np.searchsorted(repeats, hashed), len(repeats) - 1)
    return np.flatnonzero(repeats[found] == hashed)


def _word(column: pd.Series) -> np.ndarray:
    """One uint64 per row that is equal for equal values (blanks equal to each other)."""
    if pd.api.types.is_datetime64_any_dtype(column.dtype):
        return column.to_numpy().view(np.int64).view(np.uint64)  # NaT: int64 min, any unit
    if isinstance(column.dtype, np.dtype):  # plain int64 (or bool): no blanks, no copy
        return column.to_numpy(dtype=np.int64).view(np.uint64)
    return column.astype("Int64").fillna(-(2**63) + 1).to_numpy(dtype=np.int64).view(np.uint64)


def _mark(board: Board, side: Side, names: list[str], rows: np.ndarray) -> None:
    if len(rows) < 2:
        return
    subset = side.frame.iloc[rows][names]
    group = subset.groupby(names, sort=False, dropna=False).ngroup().to_numpy()
    sizes = np.bincount(group)
    repeated = sizes[group] > 1
    if not repeated.any():
        return
    rows, group = rows[repeated], group[repeated]
    order = np.lexsort((rows, group))
    rows, group = rows[order], group[order]
    first = np.r_[True, group[1:] != group[:-1]]
    originals = rows[first][np.cumsum(first) - 1]
    copies = ~first
    uniques, inverse = np.unique(group[copies], return_inverse=True)
    links = board.new_links(len(uniques))[inverse]
    side.set(rows[copies], MatchClass.DUPLICATE, -1, links)
    side.ref[rows[copies]] = originals[copies]


def mark_duplicates(board: Board, policy: DuplicatePolicy) -> None:
    """Every repeat after the first is a duplicate; the first goes on to be matched."""
    if not policy.enabled:
        return
    names = [_signature(side, columns, policy.ignore)
             for side, columns in ((board.left, policy.left), (board.right, policy.right))]
    suspects = both(lambda k: _suspects((board.left, board.right)[k].frame, names[k]), 0, 1)
    for k, side in enumerate((board.left, board.right)):
        _mark(board, side, names[k], suspects[k])
