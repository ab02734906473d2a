"""Reconcile: tick the invoice ledger against the bank statement and the portal's export.

Parameters are the files and a rule file (TOML: how to read each file, how to match;
`reconcile_rules/default.toml` fits the demo files). Artifacts: a formatted workbook
(Summary that adds up to the inputs, a sheet per class, breaks coloured) and a CSV of
every line. The run summary carries the counts per pass, side and class.
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
from connectors.recon_report import write_recon_report
from connectors.sheets import ColumnType, LoadedSheet, SheetSchema, load_sheet

DEFAULT_RULES = Path(__file__).resolve().parent / "reconcile_rules" / "default.toml"
PASS_OF_SOURCE = {"bank": "bank", "portal_export": "portal"}  # file parameter -> rule pass


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
              rules: Path | None = None) -> dict[str, int]:
    """Tick the ledger against the bank statement and portal export; write a break report."""
    rule_file = load_rules(rules or DEFAULT_RULES)
    files = {"bank": bank, **({"portal_export": portal_export} if portal_export else {})}
    with run.step("load"):
        ledger_rows = _load(run, rule_file, "ledger", ledger).frame
        others = {source: _load(run, rule_file, source, path).frame
                  for source, path in files.items()}
    with run.step("match"):
        passes = {}
        for source, frame in others.items():
            name = PASS_OF_SOURCE[source]
            if name not in rule_file.passes:
                raise RuleError(f"the rule file has no [passes.{name}] for {source}")
            passes[name] = (frame, rule_file.passes[name])
        result = reconcile_three_way(ledger_rows, passes)
    with run.step("report"):
        report = write_recon_report(result, run.artifact_path("reconciliation.xlsx"),
                                    csv=run.artifact_path("reconciliation_lines.csv"),
                                    money_columns=_money_columns(rule_file))
        run.add_artifact(report.workbook, kind="xlsx")
        if report.csv is not None:
            run.add_artifact(report.csv, kind="csv")
    counts = result.counts()
    breaks = _break_rows(result)
    run.count(TO_REVIEW, breaks)  # every break row waits for a person
    run.summary.update(counts)
    run.summary["break_rows"] = breaks
    run.summary["items"] = len(ledger_rows)  # ledger lines ticked: the productivity unit
    run.log.info("reconciled: {} rows to review", breaks)
    return {**counts, "break_rows": breaks}
