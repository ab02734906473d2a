"""Choose pairs from scored candidates without ever picking silently between equals.

A pair is accepted when each row is the other's single best candidate (lower score is
better). Accepted rows leave the pool and the rest try again, so a row whose favourite
went to a better-suited partner falls back to its next candidate. When no pair is
mutual and single any more, what is left are ties: those rows are ambiguous, grouped
into connected sets so a person sees all the candidates together.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

_WORST = np.iinfo(np.int64).max


@dataclass(frozen=True)
class TieBreak:
    """Similarity of candidate pairs (0-100), used only between equally scored candidates."""

    scores: Callable[[np.ndarray, np.ndarray], np.ndarray]
    min_score: float
    margin: float


@dataclass(frozen=True)
class Selection:
    left: np.ndarray  # accepted pairs
    right: np.ndarray
    score: np.ndarray
    tied_left: np.ndarray  # edges still open when no mutual pair remained
    tied_right: np.ndarray


def _tops(side: np.ndarray, score: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    best = np.full(n, _WORST, dtype=np.int64)
    np.minimum.at(best, side, score)
    top = score == best[side]
    return top, np.bincount(side[top], minlength=n)


def _unique(side: np.ndarray, n: int) -> bool:
    return not len(side) or int(np.bincount(side, minlength=n).max()) <= 1


def select(li: np.ndarray, ri: np.ndarray, score: np.ndarray, n_left: int, n_right: int,
           tie_break: TieBreak | None = None) -> Selection:
    if _unique(li, n_left) and _unique(ri, n_right):  # keyed data: one round, no ties
        empty = np.zeros(0, np.int64)
        return Selection(li, ri, score, empty, empty)
    kept_l, kept_r, kept_s = [], [], []
    similarity = np.full(len(li), np.nan)
    while len(li):
        top_l, count_l = _tops(li, score, n_left)
        top_r, count_r = _tops(ri, score, n_right)
        if tie_break is not None:
            losing = _losers(li, ri, top_l & (count_l[li] > 1), li, similarity, tie_break)
            losing |= _losers(li, ri, top_r & (count_r[ri] > 1), ri, similarity, tie_break)
            if losing.any():
                keep = ~losing
                li, ri, score, similarity = li[keep], ri[keep], score[keep], similarity[keep]
                continue
        mutual = top_l & top_r & (count_l[li] == 1) & (count_r[ri] == 1)
        if not mutual.any():
            break
        kept_l.append(li[mutual])
        kept_r.append(ri[mutual])
        kept_s.append(score[mutual])
        taken_l = np.zeros(n_left, bool)
        taken_l[li[mutual]] = True
        taken_r = np.zeros(n_right, bool)
        taken_r[ri[mutual]] = True
        keep = ~taken_l[li] & ~taken_r[ri]
        li, ri, score, similarity = li[keep], ri[keep], score[keep], similarity[keep]
    al, ar, asc = (np.concatenate(k) if k else np.zeros(0, np.int64)
                   for k in (kept_l, kept_r, kept_s))
    return Selection(al, ar, asc, li, ri)


def _losers(li: np.ndarray, ri: np.ndarray, tied: np.ndarray, owner: np.ndarray,
            similarity: np.ndarray, tie_break: TieBreak) -> np.ndarray:
    """Tied edges that lose clearly on similarity to another edge of the same row."""
    edges = np.flatnonzero(tied)
    losing = np.zeros(len(li), bool)
    if not len(edges):
        return losing
    todo = edges[np.isnan(similarity[edges])]
    if len(todo):
        similarity[todo] = tie_break.scores(li[todo], ri[todo])
    frame = pd.DataFrame({"owner": owner[edges], "sim": similarity[edges], "edge": edges})
    frame = frame.sort_values(["owner", "sim"], ascending=[True, False], kind="stable")
    grouped = frame.groupby("owner", sort=False)["sim"]
    best = grouped.transform("max")
    second = grouped.transform(lambda s: s.iloc[1] if len(s) > 1 else -np.inf)
    clear = (best >= tie_break.min_score) & (best - second >= tie_break.margin)
    losing[frame.loc[clear & (frame["sim"] < best), "edge"].to_numpy()] = True
    return losing


def components(li: np.ndarray, ri: np.ndarray, n_left: int) -> np.ndarray:
    """A set label per edge: edges that share a row, directly or not, share a label."""
    a, b = li.astype(np.int64), ri.astype(np.int64) + n_left
    nodes, inverse = np.unique(np.concatenate([a, b]), return_inverse=True)
    a, b = inverse[: len(a)], inverse[len(a) :]
    label = np.arange(len(nodes))
    while True:
        low = np.minimum(label[a], label[b])
        before = label.copy()
        np.minimum.at(label, a, low)
        np.minimum.at(label, b, low)
        label = label[label]
        if np.array_equal(label, before):
            break
    return label[a]
