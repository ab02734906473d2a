"""What a pass produced: a class, a rule and a link for every input row."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from bots.reconcile.board import Side
from bots.reconcile.classes import UNSET, MatchClass
from bots.reconcile.rules import RuleSet

SideName = Literal["left", "right"]
_SIDES: tuple[SideName, SideName] = ("left", "right")
PAIR_CLASSES = (MatchClass.MATCHED, MatchClass.MATCHED_TOLERANCE, MatchClass.AMOUNT_BREAK,
                MatchClass.DATE_BREAK)
DUPLICATES_RULE = "duplicates"
_CATEGORIES = pd.CategoricalDtype([c.value for c in MatchClass], ordered=True)


@dataclass(frozen=True)
class Reconciliation:
    left: Side
    right: Side
    rules: RuleSet

    def side(self, name: SideName) -> Side:
        return self.left if name == "left" else self.right

    def labels(self) -> tuple[str, str]:
        return self.rules.left.label, self.rules.right.label

    def classes(self, name: SideName) -> pd.Series:
        codes = self.side(name).cls
        return pd.Series(pd.Categorical.from_codes(codes, dtype=_CATEGORIES), name="class")

    def rule_of(self, name: SideName) -> pd.Series:
        side = self.side(name)
        names = np.array([*self.rules.rule_names, DUPLICATES_RULE, ""], dtype=object)
        index = np.where(side.rule >= 0, side.rule, len(names) - 1)
        index[side.cls == MatchClass.DUPLICATE.code] = len(names) - 2
        return pd.Series(names[index], name="rule", dtype="str")

    def annotated(self, name: SideName) -> pd.DataFrame:
        """The input rows with their class, rule, link and, for duplicates, the original."""
        side = self.side(name)
        out = side.frame.copy()
        out["class"] = self.classes(name).to_numpy()
        out["rule"] = self.rule_of(name).to_numpy()
        out["link"] = side.link
        out["duplicate_of"] = pd.array(np.where(side.ref >= 0, side.ref, 0), dtype="Int64")
        out.loc[side.ref < 0, "duplicate_of"] = pd.NA
        return out

    def counts(self) -> dict[str, int]:
        """Rows per class and side, flat, for a run summary: `ledger_matched`, `bank_rows`."""
        out: dict[str, int] = {}
        for name, label in zip(_SIDES, self.labels(), strict=True):
            codes = np.bincount(self.side(name).cls, minlength=len(MatchClass))
            out[f"{label}_rows"] = len(self.side(name))
            out.update({f"{label}_{cls.value}": int(codes[cls.code]) for cls in MatchClass})
        return out

    def summary(self) -> pd.DataFrame:
        """Rows and amount (minor units) per class and side, then a Total row.

        Every row is in exactly one class, so the Total row equals the inputs' totals.
        """
        table = pd.DataFrame({"class": [c.value for c in MatchClass],
                              "title": [c.title for c in MatchClass]})
        for name, label in zip(_SIDES, self.labels(), strict=True):
            side = self.side(name)
            table[f"{label}_rows"] = np.bincount(side.cls, minlength=len(MatchClass))
            table[f"{label}_amount"] = _sum_by(side.cls, side.amount)
        total = {"class": "total", "title": "Total"}
        total.update({c: int(table[c].sum()) for c in table.columns[2:]})
        return pd.concat([table, pd.DataFrame([total])], ignore_index=True)

    def input_totals(self) -> dict[str, int]:
        out = {}
        for name, label in zip(_SIDES, self.labels(), strict=True):
            side = self.side(name)
            out[f"{label}_rows"] = len(side)
            out[f"{label}_amount"] = int(side.amount.sum())
        return out

    def lines(self) -> pd.DataFrame:
        """One line per pair, and one per row that is not in a pair; both sides' columns."""
        left, right = self.left, self.right
        lpos, rpos = _line_positions(left, right)
        cls = np.where(lpos >= 0, _at(left.cls, lpos), _at(right.cls, rpos))
        link = np.where(lpos >= 0, _at(left.link, lpos), _at(right.link, rpos))
        # lines of a link stay together, in the order of their first left row (else right)
        first = np.where(lpos >= 0, lpos, len(left) + rpos)
        anchor = np.full(int(link.max()) + 1 if len(link) else 0, np.iinfo(np.int64).max)
        np.minimum.at(anchor, link, first)
        order = np.lexsort((rpos, lpos, anchor[link], cls))
        lpos, rpos, cls, link = lpos[order], rpos[order], cls[order], link[order]
        lrule = self.rule_of("left").to_numpy()
        rrule = self.rule_of("right").to_numpy()
        out = pd.DataFrame({
            "class": pd.Categorical.from_codes(cls, dtype=_CATEGORIES),
            "rule": np.where(lpos >= 0, _at(lrule, lpos), _at(rrule, rpos)),
            "link": link,
        })
        llabel, rlabel = self.labels()
        out = pd.concat([out, _gather(left, lpos, llabel), _gather(right, rpos, rlabel)], axis=1)
        both = (lpos >= 0) & (rpos >= 0)
        diff = _at(right.amount, rpos) - _at(left.amount, lpos)
        out["difference"] = pd.array(np.where(both, diff, 0), dtype="Int64")
        out.loc[~both, "difference"] = pd.NA
        out["note"] = _notes(self, lpos, rpos)
        return out


def _at(values: np.ndarray, positions: np.ndarray) -> np.ndarray:
    """values[positions] where positions >= 0; a filler elsewhere (and for an empty side)."""
    if not len(values):
        return np.zeros(len(positions), dtype=values.dtype)
    return values[np.maximum(positions, 0)]


def _sum_by(codes: np.ndarray, amounts: np.ndarray) -> np.ndarray:
    sums = np.zeros(len(MatchClass), dtype=np.int64)
    np.add.at(sums, codes.astype(np.int64), amounts)  # integer sums: exact at any size
    return sums


def _line_positions(left: Side, right: Side) -> tuple[np.ndarray, np.ndarray]:
    pair_codes = [c.code for c in PAIR_CLASSES]
    lpair, rpair = np.isin(left.cls, pair_codes), np.isin(right.cls, pair_codes)
    lp = np.flatnonzero(lpair)[np.argsort(left.link[lpair], kind="stable")]
    rp = np.flatnonzero(rpair)[np.argsort(right.link[rpair], kind="stable")]
    if not np.array_equal(left.link[lp], right.link[rp]):
        raise AssertionError("a pair link without exactly one row on each side")
    # rows no step has classified yet (a streamed pass's first phase) are not lines yet
    lone_l = np.flatnonzero(~lpair & (left.cls != UNSET))
    lone_r = np.flatnonzero(~rpair & (right.cls != UNSET))
    lpos = np.concatenate([lp, lone_l, np.full(len(lone_r), -1)])
    rpos = np.concatenate([rp, np.full(len(lone_l), -1), lone_r])
    return lpos.astype(np.int64), rpos.astype(np.int64)


def _gather(side: Side, positions: np.ndarray, label: str) -> pd.DataFrame:
    missing = positions < 0
    take = np.maximum(positions, 0)
    columns = {}
    for name in side.frame.columns:
        column = side.frame[name]
        values = column.take(take).reset_index(drop=True) if len(column) else pd.Series(
            [pd.NA] * len(take))
        if pd.api.types.is_integer_dtype(values.dtype):
            values = values.astype("Int64")  # a blank cell must not turn cents into floats
        columns[f"{label} {name}"] = values.mask(missing) if missing.any() else values
    return pd.DataFrame(columns, index=range(len(positions)))


def _notes(result: Reconciliation, lpos: np.ndarray, rpos: np.ndarray) -> np.ndarray:
    notes = np.full(len(lpos), "", dtype=object)
    for side, positions in ((result.left, lpos), (result.right, rpos)):
        rows = np.flatnonzero((positions >= 0) & (_at(side.ref, positions) >= 0))
        originals = side.ref[positions[rows]]
        numbers = (side.frame["source_row"].to_numpy()[originals]
                   if "source_row" in side.frame.columns else originals + 1)
        notes[rows] = [f"repeats row {n}" for n in numbers]
    return notes
