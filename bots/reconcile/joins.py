"""Sort-based joins that return candidate pairs as two position arrays."""

from __future__ import annotations

from typing import Literal

import numpy as np

from bots.reconcile.columnar import both, sort_u64
from bots.reconcile.keys import Keys, dense_codes, same_key
from bots.reconcile.rules import RuleError

MAX_PAIRS = 30_000_000  # ~0.5 GB of pair arrays; beyond that the rule is not selective


def expand(lo: np.ndarray, hi: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """All (i, j) with lo[i] <= j < hi[i], ordered by i then j."""
    counts = hi - lo
    if len(counts) and counts.max() <= 1:
        rows = np.flatnonzero(counts == 1)
        return rows, lo[rows]
    total = int(counts.sum())
    rows = np.repeat(np.arange(len(lo)), counts)
    starts = np.cumsum(counts) - counts
    return rows, np.arange(total) + np.repeat(lo - starts, counts)


def _guard(lo: np.ndarray, hi: np.ndarray, what: str) -> None:
    total = int((hi - lo).sum())
    if total > MAX_PAIRS:
        raise RuleError(
            f"{what} pairs too many rows ({total:,} candidate pairs): use a stricter key"
        )


def _sorted(hashes: np.ndarray, rows: np.ndarray, bits: int) -> tuple[np.ndarray, np.ndarray]:
    """The rows' hashes sorted (top bits only) and the rows in that order.

    Packing the row number into the low bits lets one sort stand in for an `argsort`,
    which is ~3x slower; the lost hash bits only add candidate pairs that the exact
    word comparison then drops.
    """
    values = hashes if len(rows) == len(hashes) else hashes[rows]
    packed = (values >> np.uint64(bits)) << np.uint64(bits)
    packed |= np.arange(len(rows), dtype=np.uint64)
    packed = sort_u64(packed)
    order = (packed & np.uint64((1 << bits) - 1)).astype(np.int64)
    return packed >> np.uint64(bits), order if len(rows) == len(hashes) else np.take(rows, order)


def _search(sorted_values: np.ndarray, probes: np.ndarray,
            side: Literal["left", "right"]) -> np.ndarray:
    """`np.searchsorted` with the (sorted) probes split in two halves searched side by side."""
    if len(probes) < 100_000:
        return np.searchsorted(sorted_values, probes, side=side)
    half = len(probes) // 2
    first, second = both(lambda part: np.searchsorted(sorted_values, part, side=side),
                         probes[:half], probes[half:])
    return np.concatenate([first, second])


def equi_pairs(left: Keys, right: Keys, what: str) -> tuple[np.ndarray, np.ndarray]:
    """Pairs of rows with equal keys, exactly: pairs of equal hashes are checked word by word."""
    bits = max(1, max(len(left.valid), len(right.valid)).bit_length())
    (probe, lorder), (sorted_hashes, rorder) = both(
        lambda keys: _sorted(keys.hashes, np.flatnonzero(keys.valid), bits), left, right)
    lo = _search(sorted_hashes, probe, "left")
    if len(sorted_hashes) and not np.any(sorted_hashes[1:] == sorted_hashes[:-1]):
        # unique right keys (the usual case): a hit is one row, no second search
        hit = sorted_hashes[np.minimum(lo, len(sorted_hashes) - 1)] == probe
        hi = lo + hit
    else:
        hi = _search(sorted_hashes, probe, "right")
    _guard(lo, hi, what)
    rows, cols = expand(lo, hi)
    li, ri = both(lambda side: np.take(*side), (lorder, rows), (rorder, cols))
    same = same_key(left, right, li, ri)
    return (li, ri) if same.all() else (li[same], ri[same])


def band_pairs(
    left: Keys, right: Keys | None, left_amount: np.ndarray, low: np.ndarray, high: np.ndarray,
    right_amount: np.ndarray, what: str,
) -> tuple[np.ndarray, np.ndarray]:
    """Pairs with equal keys (or no key) and right amount in [low, high] of the left row."""
    if right is None:
        lcode = np.zeros(len(left_amount), dtype=np.int64)
        rcode = np.zeros(len(right_amount), dtype=np.int64)
        lvalid = np.ones(len(lcode), bool)
        rvalid = np.ones(len(rcode), bool)
    else:
        lcode, rcode = dense_codes(left, right)
        lvalid, rvalid = left.valid, right.valid
    lv, rv = np.flatnonzero(lvalid), np.flatnonzero(rvalid)
    if not len(lv) or not len(rv):
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    base = int(min(right_amount[rv].min(), low[lv].min()))
    span = int(max(right_amount[rv].max(), high[lv].max())) - base + 1
    if (int(max(lcode.max(), rcode.max())) + 1) * span >= 2**62:
        raise RuleError(f"{what}: amounts span too wide to combine with the key")
    # one sortable number per row: key first, amount second
    rcomb = rcode[rv] * span + (right_amount[rv] - base)
    order = np.argsort(rcomb)
    sorted_comb = rcomb[order]
    lv = lv[np.argsort(lcode[lv] * span + (low[lv] - base))]  # sorted probes
    lo = np.searchsorted(sorted_comb, lcode[lv] * span + (low[lv] - base), side="left")
    hi = np.searchsorted(sorted_comb, lcode[lv] * span + (high[lv] - base), side="right")
    _guard(lo, hi, what)
    rows, cols = expand(lo, hi)
    li, ri = lv[rows], rv[order[cols]]
    if right is not None:  # two keys sharing a hash share a code: drop their cross pairs
        same = same_key(left, right, li, ri)
        li, ri = (li, ri) if same.all() else (li[same], ri[same])
    return li, ri
