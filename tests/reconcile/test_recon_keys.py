"""Join keys are exact: hash collisions, long keys, mixed types never make a wrong pair."""

from __future__ import annotations

import numpy as np
import pandas as pd

from bots.reconcile.joins import band_pairs, equi_pairs
from bots.reconcile.keys import Keys, _utf8, _utf8_python, join_keys


def pairs(left: list, right: list) -> set[tuple[int, int]]:
    lk, rk = join_keys([pd.Series(left)], [pd.Series(right)])
    li, ri = equi_pairs(lk, rk, "test")
    return set(zip(li.tolist(), ri.tolist(), strict=True))


def test_equal_keys_pair_and_nothing_else():
    assert pairs(["a", "b", "b", None], ["b", "c", "a", None]) == {(0, 2), (1, 0), (2, 0)}


def test_length_and_trailing_bytes_matter():
    assert pairs(["ab", "ab\x00", "ñ", "n"], ["ab\x00", "ab", "n"]) == {(0, 1), (1, 0), (3, 2)}


def test_long_keys_take_the_exact_path():
    long = "X" * 100
    assert pairs([long, long + "1"], [long + "1", long]) == {(0, 1), (1, 0)}


def test_integer_and_text_keys_compare_as_text():
    assert pairs([12345, 7], ["12345", "007"]) == {(0, 0)}
    assert pairs([1.0, 2.0], ["1", "2"]) == {(0, 0), (1, 1)}  # ids read as floats


def test_a_forced_hash_collision_pairs_nothing():
    words_l = np.array([1, 2], dtype=np.uint64)
    words_r = np.array([3, 2], dtype=np.uint64)
    same_hash = np.zeros(2, dtype=np.uint64)  # every row collides
    left = Keys(same_hash, (words_l,), np.ones(2, bool))
    right = Keys(same_hash.copy(), (words_r,), np.ones(2, bool))
    li, ri = equi_pairs(left, right, "test")
    assert list(zip(li.tolist(), ri.tolist(), strict=True)) == [(1, 1)]
    amounts = np.array([5, 5])
    li, ri = band_pairs(left, right, amounts, amounts - 1, amounts + 1, amounts, "test")
    assert list(zip(li.tolist(), ri.tolist(), strict=True)) == [(1, 1)]


def test_python_fallback_reads_the_same_bytes_as_arrow():
    text = pd.Series(["añb", None, "", "zzz"], dtype="str")
    data, offsets, valid = _utf8(text)
    p_data, p_offsets, p_valid = _utf8_python(text)
    assert valid.tolist() == p_valid.tolist() == [True, False, True, True]
    assert np.diff(offsets)[valid].tolist() == np.diff(p_offsets)[p_valid].tolist()
    pieces = [bytes(data[offsets[i]:offsets[i + 1]]) for i in (0, 2, 3)]
    assert pieces == [bytes(p_data[p_offsets[i]:p_offsets[i + 1]]) for i in (0, 2, 3)]
