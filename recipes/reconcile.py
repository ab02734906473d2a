"""Reconcile: tick the invoice ledger against the bank statement and the portal's export.

Parameters are the files and a rule file (TOML: how to read each file, how to match;
`reconcile_rules/default.toml` fits the demo files). Artifacts: a formatted workbook
(Summary that adds up to the inputs, a sheet per class, breaks coloured) and a CSV of
every line. The run summary carries the counts per pass, side and class.

Inputs larger than memory: `-p memory_mb=2048` streams CSV and Parquet files within that
budget (a Parquet input streams even without it) and writes each pass's lines in chunks
to CSV or, with `-p lines_format=parquet`, to Parquet; the workbook keeps the Summary and
the first lines of each break class. xlsx inputs too large for the budget are refused.
"""

from __future__ import annotations

from pathlib import Path

from bots import TO_REVIEW, Run, recipe
from bots.reconcile import (
    MatchClass,
    RuleError,
    RuleFile,
    ThreeWay,
    load_rules,
    reconcile_three_way,
)
from bots.reconcile.stream import MemoryBudget, StreamedReconciliation, reconcile_streams
from connectors.recon_report import (
    LineFormat,
    LinesFile,
    line_money,
    write_recon_report,
    write_streamed_report,
)
from connectors.sheets import ColumnType, LoadedSheet, SheetSchema, load_sheet
from connectors.sheets.columnar import PARQUET_SUFFIXES, stream_table, with_row_column

DEFAULT_RULES = Path(__file__).resolve().parent / "reconcile_rules" / "default.toml"
PASS_OF_SOURCE = {"bank": "bank", "portal_export": "portal"}  # file parameter -> rule pass
PARQUET_MEMORY_MB = 2048  # the budget of a Parquet input given without memory_mb


def _load(run: Run, rules: RuleFile, source: str, path: Path) -> LoadedSheet:
    if source not in rules.sources:
        raise RuleError(f"the rule file has no [sources.{source}] table to read {path.name}")
    loaded = load_sheet(path, SheetSchema.from_mapping(rules.sources[source]))
    run.log.info("{}: {} rows from {} (header on row {})", source, len(loaded.frame),
                 Path(loaded.file).name, loaded.header_row)
    for dropped in loaded.dropped:
        run.log.info("{}: left out row {} ({})", source, dropped.row, dropped.reason)
    return loaded


def _break_rows(result: ThreeWay) -> int:
    """Rows a person must look at, per pass: a ledger row broken in two passes counts twice."""
    breaks = [c.value for c in MatchClass if c.is_break]
    return sum(int(one.classes(side).isin(breaks).sum())
               for one in result.passes.values() for side in ("left", "right"))


def _money_columns(rules: RuleFile) -> set[str]:
    """Every column a source reads as money (a bank balance too, not only the amounts)."""
    return {c.name for table in rules.sources.values()
            for c in SheetSchema.from_mapping(table).columns if c.type is ColumnType.MONEY}


@recipe
def reconcile(run: Run, *, ledger: Path, bank: Path, portal_export: Path | None = None,
              rules: Path | None = None, memory_mb: int | None = None,
              lines_format: LineFormat = LineFormat.CSV) -> dict[str, int]:
    """Tick the ledger against the bank statement and portal export; write a break report."""
    rule_file = load_rules(rules or DEFAULT_RULES)
    files = {"bank": bank, **({"portal_export": portal_export} if portal_export else {})}
    parquet = any(Path(p).suffix.lower() in PARQUET_SUFFIXES for p in (ledger, *files.values()))
    if memory_mb is not None or parquet or lines_format is LineFormat.PARQUET:
        budget = MemoryBudget(memory_mb if memory_mb is not None else PARQUET_MEMORY_MB)
        return _streamed(run, rule_file, ledger, files, budget, LineFormat(lines_format))
    with run.step("load"):
        ledger_rows = _load(run, rule_file, "ledger", ledger).frame
        others = {source: _load(run, rule_file, source, path).frame
                  for source, path in files.items()}
    with run.step("match"):
        names = {source: _pass_name(rule_file, source) for source in others}
        result = reconcile_three_way(ledger_rows, {
            names[source]: (frame, rule_file.passes[names[source]])
            for source, frame in others.items()})
    with run.step("report"):
        report = write_recon_report(result, run.artifact_path("reconciliation.xlsx"),
                                    csv=run.artifact_path("reconciliation_lines.csv"),
                                    money_columns=_money_columns(rule_file))
        run.add_artifact(report.workbook, kind="xlsx")
        if report.csv is not None:
            run.add_artifact(report.csv, kind="csv")
    counts = result.counts()
    return _finish(run, counts, _break_rows(result), len(ledger_rows))


def _pass_name(rule_file: RuleFile, source: str) -> str:
    name = PASS_OF_SOURCE[source]
    if name not in rule_file.passes:
        raise RuleError(f"the rule file has no [passes.{name}] for {source}")
    return name


def _schema(rule_file: RuleFile, source: str, path: Path) -> SheetSchema:
    if source not in rule_file.sources:
        raise RuleError(f"the rule file has no [sources.{source}] table to read {path.name}")
    return with_row_column(SheetSchema.from_mapping(rule_file.sources[source]))


def _streamed(run: Run, rule_file: RuleFile, ledger: Path, files: dict[str, Path],
              budget: MemoryBudget, fmt: LineFormat) -> dict[str, int]:
    """Each pass streamed on its own (the ledger is read once per pass), lines in chunks."""
    passes: dict[str, tuple[StreamedReconciliation, LinesFile]] = {}
    for source, path in files.items():
        name = _pass_name(rule_file, source)
        rules = rule_file.passes[name]
        out = run.artifact_path(f"reconciliation_lines_{name}.{fmt.value}")
        with run.step(f"match {name}"):
            left = stream_table(ledger, _schema(rule_file, "ledger", ledger), budget)
            right = stream_table(path, _schema(rule_file, source, path), budget)
            with LinesFile(out, fmt, money=line_money(rules), scale=rules.scale) as lines:
                result = reconcile_streams(left, right, rules, budget=budget, lines=lines,
                                           workdir=out.parent)
            run.log.info("{}: {} partitions within {} MB, {} and {} rows left to the later "
                         "rules", name, result.partitions, budget.megabytes,
                         *result.leftover_rows)
        run.add_artifact(out, kind=fmt.value)
        passes[name] = (result, lines)
    with run.step("report"):
        workbook = write_streamed_report(passes, run.artifact_path("reconciliation.xlsx"))
        run.add_artifact(workbook, kind="xlsx")
    counts = {f"{name}.{key}": value for name, (result, _) in passes.items()
              for key, value in result.counts().items()}
    breaks = sum(result.break_rows() for result, _ in passes.values())
    ledger_rows = next(iter(passes.values()))[0].input_rows[0]
    return _finish(run, counts, breaks, ledger_rows)


def _finish(run: Run, counts: dict[str, int], breaks: int, ledger_rows: int) -> dict[str, int]:
    run.count(TO_REVIEW, breaks)  # every break row waits for a person
    run.summary.update(counts)
    run.summary["break_rows"] = breaks
    run.summary["items"] = ledger_rows  # ledger lines ticked: the productivity unit
    run.log.info("reconciled: {} rows to review", breaks)
    return {**counts, "break_rows": breaks}
