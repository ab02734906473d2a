"""Three-way (or more): the ledger against each other source, joined on the ledger.

Each pass is an ordinary two-table reconciliation with the ledger on the left; the
ledger view then shows, per ledger row, how every pass classified it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from bots.reconcile.engine import reconcile
from bots.reconcile.result import Reconciliation
from bots.reconcile.rules import RuleError, RuleSet

AGREED = "agreed"


@dataclass(frozen=True)
class ThreeWay:
    passes: Mapping[str, Reconciliation]

    def counts(self) -> dict[str, int]:
        """Every pass's counts, prefixed with the pass name: `bank.ledger_matched`."""
        return {f"{name}.{key}": value for name, result in self.passes.items()
                for key, value in result.counts().items()}

    def ledger_view(self) -> pd.DataFrame:
        """The ledger with, per pass, its class, rule and counterpart rows; then a status.

        The status is `agreed` when every pass settled the row (matched, within tolerance
        or by a group), else the first pass's class that did not.
        """
        first = next(iter(self.passes.values()))
        out = first.left.frame.copy()
        status = np.full(len(out), AGREED, dtype=object)
        for name, result in self.passes.items():
            classes = result.classes("left").astype("str").to_numpy()
            out[f"{name} class"] = classes
            out[f"{name} rule"] = result.rule_of("left").to_numpy()
            out[f"{name} rows"] = _counterparts(result)
            settled = np.isin(classes, ["matched", "matched_tolerance", "grouped"])
            status = np.where((status == AGREED) & ~settled, f"{name}: " + classes, status)
        out["status"] = status
        return out


def _counterparts(result: Reconciliation) -> np.ndarray:
    """Per left row, the rows of the right file linked to it ("12, 14"), by source row."""
    right = result.right
    numbers = (right.frame["source_row"].to_numpy() if "source_row" in right.frame.columns
               else np.arange(1, len(right) + 1))
    by_link = (pd.Series(numbers.astype(str)).groupby(right.link, sort=False)
               .agg(", ".join))
    found = pd.Series(result.left.link).map(by_link)
    return found.fillna("").to_numpy(dtype=object)


def reconcile_three_way(
    ledger: pd.DataFrame, others: Mapping[str, tuple[pd.DataFrame, RuleSet]]
) -> ThreeWay:
    """Reconcile the ledger against each `{name: (table, rules)}`; rules' left is the ledger."""
    if not others:
        raise RuleError("a three-way reconciliation needs at least one other source")
    labels = {rules.left.label for _, rules in others.values()}
    if len(labels) != 1:
        raise RuleError(f"every pass must have the ledger on the left, got labels {labels}")
    return ThreeWay({name: reconcile(ledger, table, rules)
                     for name, (table, rules) in others.items()})
