"""Reconciling inputs larger than memory: partition on the first rule's key, then cascade.

Rows whose first-rule keys differ can never be paired by that rule, so both inputs are
hash-partitioned on that key into Parquet files in a work folder, and each pair of
partitions runs the duplicates and the first rule in memory. What the first rule
leaves (the breaks and missing rows, usually few) is gathered and goes through the rest
of the cascade (later rules, groups, the first rule's deferred breaks) as one board, so
the later steps see exactly the rows they would have seen in one piece. A rule set of
one rule and no group needs no second phase: each partition is a whole reconciliation.

Exactness rests on conditions checked before anything is read: the first rule has a
key, and the duplicate signature holds the key's columns (identical rows share a
partition). Links are numbered per partition plus an offset: they tie the same rows
together as in one piece, under other numbers.
"""

from __future__ import annotations

import math
import shutil
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq

from bots.reconcile.board import Board, _amounts
from bots.reconcile.candidates import Candidates, frame_key_parts
from bots.reconcile.classes import UNSET, MatchClass
from bots.reconcile.columnar import polars_usable
from bots.reconcile.duplicates import mark_duplicates
from bots.reconcile.engine import finish_cascade, run_rules
from bots.reconcile.keys import mix_words
from bots.reconcile.result import Reconciliation
from bots.reconcile.rules import RuleError, RuleSet

SEQ = "__row"  # global row number in input order, carried through the partition files
_ENGINE_BYTES_PER_ROW = 160  # the engine's own arrays per row, measured on the keyed case
_MAX_PARTITIONS = 1024
LineSink = Callable[[pd.DataFrame], None]


@dataclass(frozen=True)
class MemoryBudget:
    """How much memory a streamed pass may hold at once (beyond the interpreter itself)."""

    megabytes: int

    def __post_init__(self) -> None:
        if isinstance(self.megabytes, bool) or not isinstance(self.megabytes, int) \
                or self.megabytes < 16:
            raise RuleError(f"the memory setting must be a whole number of MB >= 16, "
                            f"got {self.megabytes!r}")

    @property
    def bytes(self) -> int:
        return self.megabytes * 2**20

    def batch_rows(self, cells_per_row: int) -> int:
        """Rows per read batch: raw cells as Python objects cost ~100 bytes each, and a
        batch is held about four times over while it is parsed and partitioned."""
        return max(1_000, self.bytes // (max(1, cells_per_row) * 100 * 4))

    def partitions(self, rows: int, bytes_per_row: float) -> int:
        # a partition's frames are held twice (Arrow and pandas) beside the engine's arrays
        need = rows * (2 * bytes_per_row + _ENGINE_BYTES_PER_ROW)
        return int(min(_MAX_PARTITIONS, max(1, math.ceil(need / (self.bytes * 0.5)))))


@dataclass(frozen=True)
class TableStream:
    """One side's rows as pandas batches in file order, and how many rows to expect."""

    batches: Iterable[pd.DataFrame]
    rows_hint: int


@dataclass
class StreamedReconciliation:
    """What a streamed pass produced: the same summary as `Reconciliation`, lines sent out."""

    rules: RuleSet
    rows: np.ndarray  # (2, classes): rows per class, left then right
    amounts: np.ndarray  # (2, classes): minor units per class
    input_rows: tuple[int, int]
    input_amounts: tuple[int, int]
    partitions: int
    leftover_rows: tuple[int, int] = (0, 0)
    notes: list[str] = field(default_factory=list)

    def labels(self) -> tuple[str, str]:
        return self.rules.left.label, self.rules.right.label

    def summary(self) -> pd.DataFrame:
        """Rows and amount per class and side, then a Total row (as `Reconciliation`)."""
        table = pd.DataFrame({"class": [c.value for c in MatchClass],
                              "title": [c.title for c in MatchClass]})
        for k, label in enumerate(self.labels()):
            table[f"{label}_rows"] = self.rows[k]
            table[f"{label}_amount"] = self.amounts[k]
        total = {"class": "total", "title": "Total"}
        total.update({c: int(table[c].sum()) for c in table.columns[2:]})
        return pd.concat([table, pd.DataFrame([total])], ignore_index=True)

    def input_totals(self) -> dict[str, int]:
        out = {}
        for k, label in enumerate(self.labels()):
            out[f"{label}_rows"] = self.input_rows[k]
            out[f"{label}_amount"] = self.input_amounts[k]
        return out

    def counts(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for k, label in enumerate(self.labels()):
            out[f"{label}_rows"] = self.input_rows[k]
            out.update({f"{label}_{cls.value}": int(self.rows[k, cls.code]) for cls in MatchClass})
        return out

    def break_rows(self) -> int:
        return int(sum(self.rows[:, c.code].sum() for c in MatchClass if c.is_break))


def _check(rules: RuleSet) -> None:
    if not rules.rules or not rules.rules[0].keyed:
        raise RuleError("a streamed reconciliation partitions on the first rule's key: "
                        "the first rule needs left_on/right_on or an extract")
    if not rules.duplicates.enabled:
        return
    for side in (0, 1):
        needed, signature = _key_columns(rules, side), _signature(rules, side)
        covered = (needed <= set(signature) if signature is not None
                   else not needed & set(rules.duplicates.ignore))
        if not covered:
            raise RuleError(
                f"a streamed reconciliation needs the {('left', 'right')[side]} duplicate "
                f"signature to hold the first rule's key columns {sorted(needed)}, so that "
                "repeated rows share a partition")


def _key_columns(rules: RuleSet, side: int) -> set[str]:
    rule = rules.rules[0]
    on, extract = ((rule.left_on, rule.left_extract) if side == 0
                   else (rule.right_on, rule.right_extract))
    return set(on) | ({extract.column} if extract else set())


def _signature(rules: RuleSet, side: int) -> tuple[str, ...] | None:
    return (rules.duplicates.left, rules.duplicates.right)[side]


def _partition_of(frame: pd.DataFrame, rules: RuleSet, side: int, parts: int) -> np.ndarray:
    """Per row, its partition: equal first-rule keys (as the engine compares them) share one."""
    rule = rules.rules[0]
    on, extract = ((rule.left_on, rule.left_extract) if side == 0
                   else (rule.right_on, rule.right_extract))
    names = (*on, *((extract.column,) if extract else ()))
    missing = [n for n in names if n not in frame.columns]
    if missing:
        label = (rules.left, rules.right)[side].label
        raise RuleError(f"{label} has no column(s) {missing} (columns: {list(frame.columns)})")
    key = frame_key_parts({n: frame[n] for n in names}, on, extract, rule.normalize)
    words, valid = [], np.ones(len(frame), bool)
    for part in key:
        text = _canonical_text(part)
        valid &= text.notna().to_numpy()
        if polars_usable():
            words.append(pl.Series(pa.array(text, type=pa.large_string(), from_pandas=True))
                         .hash(11, 12, 13, 14).to_numpy())
        else:
            words.append(pd.util.hash_pandas_object(text, index=False).to_numpy())
    hashes = mix_words(words, len(frame))
    if not valid.all():
        # rows without a key pair with nothing under this rule; identical ones must still
        # meet for the duplicate check, so they go by the hash of their signature
        signature = _signature(rules, side)
        ignore = set(rules.duplicates.ignore) | {SEQ}
        columns = list(signature) if signature is not None else [
            c for c in frame.columns if c not in ignore]
        rest = pd.util.hash_pandas_object(frame[columns], index=False).to_numpy()
        hashes = np.where(valid, hashes, rest)
    return (hashes % np.uint64(parts)).astype(np.int64)


def _canonical_text(part: pd.Series) -> pd.Series:
    """The key part as text, as the engine compares it (integers by their digits). Dates
    and floats are refused: the engine's text for them depends on the whole column."""
    if pd.api.types.is_datetime64_any_dtype(part.dtype):
        raise RuleError("a streamed reconciliation cannot partition on a date key; "
                        "put a text or number column first")
    if pd.api.types.is_float_dtype(part.dtype):
        raise RuleError("a streamed reconciliation cannot partition on a column of floats; "
                        "read the key as text")
    if pd.api.types.is_bool_dtype(part.dtype):
        return part.astype("Int64").astype("str")
    return part.astype("str")


class _Spill:
    """P Parquet files per side in a work folder, written batch by batch."""

    def __init__(self, folder: Path, side: str, parts: int) -> None:
        self.paths = [folder / f"{side}-{p:04d}.parquet" for p in range(parts)]
        self.writers: list[pq.ParquetWriter | None] = [None] * parts
        self.schema: pa.Schema | None = None

    def write(self, frame: pd.DataFrame, partition: np.ndarray) -> None:
        table = pa.Table.from_pandas(frame, preserve_index=False)
        if self.schema is None:
            self.schema = table.schema.remove_metadata()
        table = _conform(table, self.schema)
        order = np.argsort(partition, kind="stable")
        bounds = np.searchsorted(partition[order], np.arange(len(self.paths) + 1))
        for p in np.flatnonzero(np.diff(bounds)):
            piece = table.take(order[bounds[p]:bounds[p + 1]])
            writer = self.writers[p]
            if writer is None:
                writer = self.writers[p] = pq.ParquetWriter(self.paths[p], self.schema)
            writer.write_table(piece)

    def close(self) -> None:
        for writer in self.writers:
            if writer is not None:
                writer.close()

    def read(self, p: int, empty: pd.DataFrame) -> pd.DataFrame:
        if self.writers[p] is None:
            return empty.copy()
        return _to_pandas(pq.read_table(self.paths[p]))


def _conform(table: pa.Table, schema: pa.Schema) -> pa.Table:
    if table.schema.remove_metadata().equals(schema):
        return table
    if table.schema.names != schema.names:
        raise RuleError(f"a batch has columns {table.schema.names}, the first had {schema.names}")
    try:  # a batch whose optional column is all blank comes as nulls of another type
        return table.cast(schema)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
        raise RuleError(f"a batch's column types differ from the first batch's: {exc}") from None


def _to_pandas(table: pa.Table) -> pd.DataFrame:
    # integers stay integers when a column has blanks (Int64), never floats
    return table.to_pandas(types_mapper={pa.int64(): pd.Int64Dtype()}.get)


@dataclass
class _Tally:
    rows: np.ndarray = field(default_factory=lambda: np.zeros((2, len(MatchClass)), np.int64))
    amounts: np.ndarray = field(default_factory=lambda: np.zeros((2, len(MatchClass)), np.int64))
    links: int = 0

    def add(self, board: Board, sink: LineSink | None, result: Reconciliation) -> None:
        for k, side in enumerate((board.left, board.right)):
            done = side.cls != UNSET
            codes = side.cls[done].astype(np.int64)
            self.rows[k] += np.bincount(codes, minlength=len(MatchClass))
            np.add.at(self.amounts[k], codes, side.amount[done])
        if sink is not None:
            lines = result.lines()
            if len(lines):
                lines["link"] += self.links
                sink(lines)
        self.links += board.links_used


def _spill(streams: tuple[TableStream, TableStream], rules: RuleSet, folder: Path,
           budget: MemoryBudget, partitions: int | None) -> tuple[list[_Spill], int, list[int], list[int],
                                          list[pd.DataFrame]]:
    firsts, rests = [], []
    for side, stream in enumerate(streams):
        batches = iter(stream.batches)
        first = next(batches, None)
        if first is None:
            raise RuleError(f"{(rules.left, rules.right)[side].label}: the input has no rows")
        firsts.append(first)
        rests.append(batches)
    rows = sum(max(s.rows_hint, len(f)) for s, f in zip(streams, firsts, strict=True))
    per_row = max(f.memory_usage(deep=True, index=False).sum() / max(1, len(f)) for f in firsts)
    parts = partitions or budget.partitions(rows, float(per_row))
    spills = [_Spill(folder, name, parts) for name in ("left", "right")]
    counts, totals = [0, 0], [0, 0]
    for side in (0, 1):
        roles = (rules.left, rules.right)[side]
        for batch in _chain(firsts[side], rests[side]):
            frame = batch.reset_index(drop=True)
            if SEQ in frame.columns:
                raise RuleError(f"{roles.label}: a column may not be named {SEQ!r}")
            amount = _amounts(frame, roles)  # refuses floats and blanks before anything else
            frame[SEQ] = np.arange(counts[side], counts[side] + len(frame), dtype=np.int64)
            spills[side].write(frame, _partition_of(frame, rules, side, parts))
            counts[side] += len(frame)
            totals[side] += int(amount.sum())
        spills[side].close()
    empties = [_to_pandas(pa.Table.from_pandas(f.iloc[:0].assign(**{SEQ: np.zeros(0, np.int64)}),
                                               preserve_index=False)) for f in firsts]
    return spills, parts, counts, totals, empties


def _chain(first: pd.DataFrame, rest: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
    yield first
    yield from rest


def reconcile_streams(left: TableStream, right: TableStream, rules: RuleSet, *,
                      budget: MemoryBudget, lines: LineSink | None = None,
                      workdir: str | Path | None = None,
                      partitions: int | None = None) -> StreamedReconciliation:
    """Reconcile two streamed tables within `budget`; each chunk of lines goes to `lines`.

    Classes, rules and pairs are those of `reconcile` on the whole tables. `partitions`
    overrides the count the budget asks for (more is always exact, only slower).
    """
    _check(rules)
    folder = Path(tempfile.mkdtemp(prefix="reconcile-", dir=workdir))
    try:
        return _run(left, right, rules, budget, lines, folder, partitions)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _run(left: TableStream, right: TableStream, rules: RuleSet, budget: MemoryBudget,
         lines: LineSink | None, folder: Path, partitions: int | None) -> StreamedReconciliation:
    spills, parts, counts, totals, empties = _spill((left, right), rules, folder, budget,
                                                    partitions)
    one_phase = len(rules.rules) == 1 and rules.group is None
    tally = _Tally()
    later = [_Spill(folder, f"leftover-{name}", 1) for name in ("left", "right")]
    deferred: list[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]] = []
    for p in range(parts):
        frames = [spills[k].read(p, empties[k]) for k in (0, 1)]
        seqs = [f.pop(SEQ).to_numpy(dtype=np.int64) for f in frames]
        board = Board(frames[0], frames[1], rules.left, rules.right)
        mark_duplicates(board, rules.duplicates)
        found = run_rules(board, rules, range(1))
        if one_phase:
            finish_cascade(board, rules, found)
        else:
            deferred.extend(_carry(board, found, seqs))
            for k, side in enumerate((board.left, board.right)):
                free = np.flatnonzero(side.cls == UNSET)
                if len(free):
                    kept = frames[k].iloc[free].assign(**{SEQ: seqs[k][free]})
                    later[k].write(kept, np.zeros(len(free), np.int64))
        tally.add(board, lines, Reconciliation(board.left, board.right, rules))
    leftover = (0, 0)
    if not one_phase:
        for spill in later:
            spill.close()
        leftover = _second_phase(later, empties, rules, deferred, tally, lines)
    return StreamedReconciliation(rules, tally.rows, tally.amounts, (counts[0], counts[1]),
                                  (totals[0], totals[1]), parts, leftover)


def _carry(board: Board, found: list[Any], seqs: list[np.ndarray]) -> Iterator[tuple[Any, ...]]:
    """The first rule's break candidates between rows still free, by global row number."""
    for _, _, cand in found:
        free = (board.left.cls[cand.left] == UNSET) & (board.right.cls[cand.right] == UNSET)
        yield (seqs[0][cand.left[free]], seqs[1][cand.right[free]], cand.grade[free],
               cand.score[free])


def _second_phase(later: list[_Spill], empties: list[pd.DataFrame], rules: RuleSet,
                  deferred: list[tuple[Any, ...]], tally: _Tally, lines: LineSink | None) -> tuple[int, int]:
    frames = [later[k].read(0, empties[k]) for k in (0, 1)]
    frames = [f.sort_values(SEQ, kind="stable").reset_index(drop=True) for f in frames]
    seqs = [f.pop(SEQ).to_numpy(dtype=np.int64) for f in frames]
    board = Board(frames[0], frames[1], rules.left, rules.right)
    first: list[Any] = []
    if rules.rules[0].breaks:
        cat = [np.concatenate([d[j] for d in deferred]) if deferred else np.zeros(0, np.int64)
               for j in range(4)]
        li, ri = np.searchsorted(seqs[0], cat[0]), np.searchsorted(seqs[1], cat[1])
        first = [(0, rules.rules[0], Candidates(li, ri, cat[2].astype(np.int8), cat[3]))]
    found = run_rules(board, rules, range(1, len(rules.rules)))
    finish_cascade(board, rules, first + found)
    tally.add(board, lines, Reconciliation(board.left, board.right, rules))
    return len(frames[0]), len(frames[1])
