"""The cascade: duplicates, then each rule on what is left, then groups, then breaks.

Breaks are decided last on purpose: a payment whose concept names one invoice but
whose amount settles two is a group, not an amount break of the first invoice.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd
from rapidfuzz import fuzz, utils

from bots.reconcile.board import Board
from bots.reconcile.candidates import WITHIN, Candidates, candidates
from bots.reconcile.classes import UNSET, MatchClass
from bots.reconcile.duplicates import mark_duplicates
from bots.reconcile.groups import settle
from bots.reconcile.result import Reconciliation
from bots.reconcile.rules import MatchRule, RuleError, RuleSet, Scorer
from bots.reconcile.select import TieBreak, components, select

_BY_GRADE = np.array([MatchClass.MATCHED.code, MatchClass.MATCHED_TOLERANCE.code,
                      MatchClass.DATE_BREAK.code, MatchClass.AMOUNT_BREAK.code], dtype=np.int8)
_SCORERS = {Scorer.RATIO: fuzz.ratio, Scorer.TOKEN_SORT: fuzz.token_sort_ratio,
            Scorer.TOKEN_SET: fuzz.token_set_ratio, Scorer.WRATIO: fuzz.WRatio}


def _tie_break(board: Board, rule: MatchRule) -> TieBreak | None:
    policy = rule.tie_break
    if policy is None:
        return None
    left = board.left.column(policy.left).astype("str").fillna("")
    right = board.right.column(policy.right).astype("str").fillna("")
    scorer = _SCORERS[policy.scorer]

    def scores(li: np.ndarray, ri: np.ndarray) -> np.ndarray:
        pairs = zip(left.iloc[li].tolist(), right.iloc[ri].tolist(), strict=True)
        return np.array([scorer(a, b, processor=utils.default_process) for a, b in pairs],
                        dtype=float)

    return TieBreak(scores, policy.min_score, policy.margin)


def _decide(board: Board, found: Candidates, rule_index: int, tie_break: TieBreak | None) -> None:
    chosen = select(found.left, found.right, found.score, len(board.left), len(board.right),
                    tie_break)
    board.pairs(chosen.left, chosen.right, _BY_GRADE[chosen.score >> 60], rule_index)
    if len(chosen.tied_left):
        label = components(chosen.tied_left, chosen.tied_right, len(board.left))
        board.sets(chosen.tied_left, chosen.tied_right, label, MatchClass.AMBIGUOUS, rule_index)


def reconcile(left: pd.DataFrame, right: pd.DataFrame, rules: RuleSet) -> Reconciliation:
    """Classify every row of both tables; amounts must be integer minor units.

    Deterministic: the same inputs in the same order give the same classes and links.
    """
    board = Board(left, right, rules.left, rules.right)
    mark_duplicates(board, rules.duplicates)
    deferred = run_rules(board, rules, range(len(rules.rules)))
    finish_cascade(board, rules, deferred)
    return Reconciliation(board.left, board.right, rules)


Deferred = list[tuple[int, MatchRule, Candidates]]


def run_rules(board: Board, rules: RuleSet, indexes: Iterable[int]) -> Deferred:
    """The pairwise rules `indexes` in order; returns their break candidates, decided last."""
    deferred: Deferred = []
    for index in indexes:
        rule = rules.rules[index]
        found = candidates(board, rule)
        good = found.grade <= WITHIN
        _decide(board, found.take(good), index, _tie_break(board, rule))
        if rule.breaks:
            deferred.append((index, rule, found.take(~good)))
    return deferred


def finish_cascade(board: Board, rules: RuleSet, deferred: Deferred) -> None:
    """Groups, then the deferred breaks among rows still free, then missing rows."""
    if rules.group is not None:
        _groups(board, rules)
    for index, rule, found in deferred:
        free = (board.left.cls[found.left] == UNSET) & (board.right.cls[found.right] == UNSET)
        _decide(board, found.take(free), index, _tie_break(board, rule))
    board.finish()


def _groups(board: Board, rules: RuleSet) -> None:
    group = rules.group
    assert group is not None
    if group.dates is not None and (board.left.days is None or board.right.days is None):
        raise RuleError(f"group {group.name} has a date window but a side has no date column")
    index = len(rules.rules)
    if group.one_to_many:
        settle(board, group, index, one_is_right=True)
    if group.many_to_one:
        settle(board, group, index, one_is_right=False)
