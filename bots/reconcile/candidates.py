"""Candidate pairs of one rule, graded and scored (lower is better)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from bots.reconcile.board import NO_DATE, Board, Side
from bots.reconcile.columnar import both
from bots.reconcile.joins import band_pairs, equi_pairs
from bots.reconcile.keys import Keys, join_keys
from bots.reconcile.rules import KeyExtract, KeyNormalize, MatchRule, RuleError

EXACT, WITHIN, DATE_OUT, AMOUNT_OUT = 0, 1, 2, 3  # grades, best first
_DAYS_CAP = 2**20 - 1
_AMOUNT_CAP = 2**39 - 1


@dataclass(frozen=True)
class Candidates:
    left: np.ndarray
    right: np.ndarray
    grade: np.ndarray
    score: np.ndarray

    def take(self, mask: np.ndarray) -> Candidates:
        return Candidates(self.left[mask], self.right[mask], self.grade[mask], self.score[mask])


def key_parts(side: Side, rows: np.ndarray, on: tuple[str, ...], extract: KeyExtract | None,
              normalize: KeyNormalize) -> list[pd.Series]:
    whole = len(rows) == len(side)  # the first rule sees every row: skip the copies
    columns = {c: side.column(c) if whole else side.column(c).iloc[rows]
               for c in (*on, *((extract.column,) if extract else ()))}
    return frame_key_parts(columns, on, extract, normalize)


def frame_key_parts(columns: Mapping[str, pd.Series], on: tuple[str, ...],
                    extract: KeyExtract | None, normalize: KeyNormalize) -> list[pd.Series]:
    """The key's parts from these columns: the `on` columns, the extracted text, normalized."""
    parts = [columns[c] for c in on]
    if extract is not None:
        text = columns[extract.column].astype("str")
        parts.append(text.str.extract(_one_group(extract.pattern), expand=False))
    if normalize is KeyNormalize.ALNUM_UPPER:
        parts = [_alnum_upper(p) for p in parts]
    return parts


def _one_group(pattern: str) -> str:
    """The pattern with one capturing group (the whole match if it had none)."""
    if re.compile(pattern).groups:
        return pattern
    flags = re.match(r"^\(\?[aiLmsux]+\)", pattern)  # global flags must stay in front
    head = flags.group(0) if flags else ""
    return f"{head}({pattern[len(head):]})"


def _alnum_upper(part: pd.Series) -> pd.Series:
    if not (pd.api.types.is_string_dtype(part.dtype) or part.dtype == object):
        return part
    cleaned = part.astype("str").str.upper().str.replace(r"[\W_]+", "", regex=True)
    return cleaned.mask(cleaned == "")


def rule_keys(board: Board, rule: MatchRule, lrows: np.ndarray,
              rrows: np.ndarray) -> tuple[Keys, Keys]:
    left = key_parts(board.left, lrows, rule.left_on, rule.left_extract, rule.normalize)
    right = key_parts(board.right, rrows, rule.right_on, rule.right_extract, rule.normalize)
    return join_keys(left, right)


def pairs_for(board: Board, rule: MatchRule, lrows: np.ndarray,
              rrows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Positions (within lrows, rrows) of the rule's candidate pairs."""
    la, ra = board.left.amount[lrows], board.right.amount[rrows]
    what = f"rule {rule.name}"
    if not rule.keyed:
        limit = rule.amount.limits(la)
        return band_pairs(Keys(la, (), np.ones(len(la), bool)), None, la, la - limit,
                          la + limit, ra, what)
    lkeys, rkeys = rule_keys(board, rule, lrows, rrows)
    if rule.breaks:
        return equi_pairs(lkeys, rkeys, what)
    limit = rule.amount.limits(la)
    return band_pairs(lkeys, rkeys, la, la - limit, la + limit, ra, what)


def candidates(board: Board, rule: MatchRule) -> Candidates:
    lrows, rrows = board.left.free(), board.right.free()
    if not len(lrows) or not len(rrows):
        empty = np.zeros(0, np.int64)
        return Candidates(empty, empty, empty, empty)
    li, ri = pairs_for(board, rule, lrows, rrows)
    # positions within the free rows; when every row is free they are the positions
    li = li if len(lrows) == len(board.left) else lrows[li]
    ri = ri if len(rrows) == len(board.right) else rrows[ri]
    grade, score = grade_pairs(board, rule, li, ri)
    return Candidates(li, ri, grade, score)


def date_gaps(board: Board, li: np.ndarray, ri: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Signed days right minus left, and whether both dates are known."""
    ld, rd = board.left.days, board.right.days
    if ld is None or rd is None:
        return np.zeros(len(li), np.int64), np.zeros(len(li), bool)
    left, right = np.take(ld, li), np.take(rd, ri)
    known = (left != NO_DATE) & (right != NO_DATE)
    return np.where(known, right - np.where(known, left, 0), 0), known


def _one_to_one(li: np.ndarray, ri: np.ndarray, n_left: int, n_right: int) -> bool:
    return not len(li) or (int(np.bincount(li, minlength=n_left).max()) <= 1
                           and int(np.bincount(ri, minlength=n_right).max()) <= 1)


def grade_pairs(board: Board, rule: MatchRule, li: np.ndarray,
                ri: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    la, ra = both(lambda side: np.take(side[0].amount, side[1]), (board.left, li),
                  (board.right, ri))
    diff = np.abs(ra - la)
    amount_ok = diff <= rule.amount.limits(la)
    if rule.dates is None and _one_to_one(li, ri, len(board.left), len(board.right)):
        # nothing to rank and no window: skip two random gathers of a million dates
        gap, known = np.zeros(len(li), np.int64), np.zeros(len(li), bool)
    else:
        gap, known = date_gaps(board, li, ri)
    if rule.dates is None:
        date_ok = np.ones(len(li), bool)
    else:
        if board.left.days is None or board.right.days is None:
            raise RuleError(f"rule {rule.name} has a date window but a side has no date column")
        date_ok = known & (gap >= -rule.dates.before) & (gap <= rule.dates.after)
    grade = np.where(~amount_ok, AMOUNT_OUT, np.where(~date_ok, DATE_OUT,
                                                      np.where(diff != 0, WITHIN, EXACT)))
    days = np.where(known, np.minimum(np.abs(gap), _DAYS_CAP), _DAYS_CAP)
    score = (grade.astype(np.int64) << 60) | (np.minimum(diff, _AMOUNT_CAP) << 20) | days
    return grade.astype(np.int8), score
