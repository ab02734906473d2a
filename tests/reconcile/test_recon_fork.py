"""The engine in a process forked after polars started its threads (polars would hang
there): it takes its numpy paths and gives the same result."""

from __future__ import annotations

import multiprocessing as mp

import numpy as np
import pandas as pd

from bots.reconcile import MatchRule, RuleSet, SideRoles, reconcile
from bots.reconcile.joins import equi_pairs
from bots.reconcile.keys import exact_keys

ROWS = 100_000  # big enough for polars' parallel sort and long-key paths
RULES = RuleSet(SideRoles("ledger"), SideRoles("bank"), rules=(
    MatchRule("invoice", ("invoice",), ("invoice",), breaks=True),))


def _tables() -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(5)
    keys = pd.array([f"INVOICE-{i:012d}" for i in range(ROWS)], dtype="str")  # > one word
    left = pd.DataFrame({"invoice": keys, "amount": rng.integers(0, 10**6, ROWS),
                         "date": pd.Timestamp("2024-01-01")})
    right = left.sample(frac=1, random_state=3).reset_index(drop=True)
    right.loc[::7, "amount"] += 1
    return left, right


def _outcome(left: pd.DataFrame, right: pd.DataFrame) -> tuple[list, list]:
    result = reconcile(left, right, RULES)
    partner = dict(zip(result.right.link.tolist(), range(len(right)), strict=True))
    return (result.classes("left").astype("str").tolist(),
            [partner[link] for link in result.left.link.tolist()])


def _child(queue: mp.Queue, left: pd.DataFrame, right: pd.DataFrame) -> None:
    from bots.reconcile.columnar import polars_usable

    queue.put((polars_usable(), _outcome(left, right)))


def test_a_child_forked_after_polars_ran_reconciles_the_same():
    left, right = _tables()
    here = _outcome(left, right)  # starts polars' thread pool in this process
    context = mp.get_context("fork")
    queue = context.Queue()
    child = context.Process(target=_child, args=(queue, left, right))
    child.start()
    try:
        usable, there = queue.get(timeout=300)  # a hang fails here instead of stalling
    finally:
        child.join(timeout=30)
        if child.is_alive():
            child.kill()
    assert usable is False
    assert there == here


def test_factorized_keys_spread_over_the_hash_bits():
    # dense codes used as hashes once collided in the join's top bits: every pair a candidate
    keys = pd.Series([f"K{i}" for i in range(50_000)], dtype="str")
    lk, rk = exact_keys([keys], [keys[::-1].reset_index(drop=True)])
    li, ri = equi_pairs(lk, rk, "test")
    assert len(li) == 50_000 and (li + ri == 49_999).all()
