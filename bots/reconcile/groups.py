"""One row settling several: bounded subset-sum among the leftovers.

For each free row on the "one" side (a payment), the free rows on the "many" side with
the same key (the customer) inside the date window are candidates; at most
`max_candidates` nearest by date are tried, in subsets of 2..`max_size`. The subset
whose sum is closest to the amount wins if it is within the tolerance and alone; two
equally close subsets make the whole lot ambiguous.
"""

from __future__ import annotations

from functools import lru_cache
from itertools import combinations

import numpy as np

from bots.reconcile.board import NO_DATE, Board, Side
from bots.reconcile.candidates import key_parts
from bots.reconcile.classes import MatchClass
from bots.reconcile.keys import dense_codes, exact_keys
from bots.reconcile.rules import GroupRule


@lru_cache(maxsize=64)
def _subsets(n: int, max_size: int) -> tuple[np.ndarray, ...]:
    """Index matrices of all subsets of range(n) of each size 2..max_size."""
    return tuple(np.array(list(combinations(range(n), k)), dtype=np.int64).reshape(-1, k)
                 for k in range(2, min(n, max_size) + 1))


def _codes(board: Board, rule: GroupRule, lrows: np.ndarray,
           rrows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    if not rule.left_on:
        return np.zeros(len(lrows), np.int64), np.zeros(len(rrows), np.int64)
    left = key_parts(board.left, lrows, rule.left_on, None, rule.normalize)
    right = key_parts(board.right, rrows, rule.right_on, None, rule.normalize)
    lk, rk = exact_keys(left, right)  # leftovers are few: exact beats fast here
    lc, rc = dense_codes(lk, rk)
    return np.where(lk.valid, lc, -1), np.where(rk.valid, rc, -2)


class _Pool:
    """The free rows of the "many" side, sorted by key then date, with a taken mask."""

    def __init__(self, side: Side, rows: np.ndarray, codes: np.ndarray) -> None:
        days = side.days[rows] if side.days is not None else np.zeros(len(rows), np.int64)
        order = np.lexsort((rows, days, codes))
        self.rows, self.codes, self.days = rows[order], codes[order], days[order]
        self.amount = side.amount[self.rows]
        self.taken = np.zeros(len(self.rows), bool)

    def near(self, code: int, day: int, span: tuple[int, int] | None, limit: int) -> np.ndarray:
        """Pool indexes with this key, day in span (if any), untaken, nearest `limit` by day."""
        start, stop = np.searchsorted(self.codes, [code, code + 1])
        if span is None:
            index = np.arange(start, stop)
        elif day == NO_DATE:
            return np.zeros(0, np.int64)
        else:
            lo, hi = np.searchsorted(self.days[start:stop], [span[0], span[1] + 1])
            index = np.arange(start + lo, start + hi)
            index = index[self.days[index] != NO_DATE]
        index = index[~self.taken[index]]
        if len(index) > limit:
            nearest = np.argsort(np.abs(self.days[index] - day), kind="stable")[:limit]
            index = np.sort(index[nearest])
        return index


def _best_subsets(amounts: np.ndarray, target: int, tolerance: int,
                  max_size: int) -> list[np.ndarray]:
    """The subsets (as index arrays) whose sum is closest to target, within tolerance."""
    best_gap, winners = tolerance + 1, []
    for subsets in _subsets(len(amounts), max_size):
        gaps = np.abs(amounts[subsets].sum(axis=1) - target)
        low = int(gaps.min())
        if low < best_gap:
            best_gap, winners = low, list(subsets[gaps == low])
        elif low == best_gap:
            winners.extend(subsets[gaps == low])
    return winners


def settle(board: Board, rule: GroupRule, rule_index: int, *, one_is_right: bool) -> None:
    """Settle free rows of one side by groups of free rows of the other side."""
    lrows, rrows = board.left.free(), board.right.free()
    if not len(lrows) or not len(rrows):
        return
    lcodes, rcodes = _codes(board, rule, lrows, rrows)
    one, many = (board.right, board.left) if one_is_right else (board.left, board.right)
    one_rows, one_codes = (rrows, rcodes) if one_is_right else (lrows, lcodes)
    pool = _Pool(many, *((lrows, lcodes) if one_is_right else (rrows, rcodes)))
    window = rule.dates
    # the window is right minus left: seen from a left "one", it flips
    before, after = (window.before, window.after) if window else (0, 0)
    if not one_is_right:
        before, after = after, before
    one_days = one.days[one_rows] if one.days is not None else np.zeros(len(one_rows), np.int64)
    for k in np.lexsort((one_rows, one_days, one_codes)):
        row, day = int(one_rows[k]), int(one_days[k])
        span = (day - after, day + before) if window else None
        index = pool.near(int(one_codes[k]), day, span, rule.max_candidates)
        if len(index) < 2:
            continue
        target = int(one.amount[row])
        tolerance = int(rule.amount.limits(np.array([target]))[0])
        winners = _best_subsets(pool.amount[index], target, tolerance, rule.max_size)
        if not winners:
            continue
        members = np.unique(np.concatenate([index[w] for w in winners]))
        pool.taken[members] = True
        cls = MatchClass.GROUPED if len(winners) == 1 else MatchClass.AMBIGUOUS
        link = board.new_links(1)
        one.set(np.array([row]), cls, rule_index, link)
        many.set(pool.rows[members], cls, rule_index, np.repeat(link, len(members)))
