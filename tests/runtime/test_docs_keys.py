"""The file formats a user edits are documented key for key, both ways.

Every key the code accepts in a column mapping, a sheet schema and a reconciliation rule
file has a row in its table in docs/sheets.md or docs/reconcile-rules.md, and every row
there is a key the code accepts (a misspelt or removed key in the docs fails too). The key
sets come from the code: the module constants the parsers check against, or the fields of
the dataclass a table is built into.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import fields
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from pydantic import BaseModel, Field

from bots.errors import UsageError
from bots.reconcile import config
from bots.reconcile.rules import (
    AmountTolerance,
    DateWindow,
    DuplicatePolicy,
    FuzzyTieBreak,
    GroupRule,
    KeyExtract,
    MatchRule,
    RuleError,
    RuleSet,
    SideRoles,
)
from connectors.sheets import Column, ColumnMap, SchemaError, SheetSchema, read_rows
from connectors.sheets.columns import KEYS as COLUMN_MAP_KEYS
from tests.helpers import ROOT

DOCS = ROOT / "docs"
_ROW = re.compile(r"^\| `([a-z_]+)` \|", re.MULTILINE)

# doc file -> (heading of the section holding the table, the keys the code accepts there)
TABLES: dict[str, list[tuple[str, frozenset[str]]]] = {
    "sheets.md": [
        ("## Column mapping (`read_rows`)", COLUMN_MAP_KEYS),
        ("## Declared sheet schema", frozenset(f.name for f in fields(SheetSchema))),
        ("### Columns of a schema", frozenset(f.name for f in fields(Column))),
    ],
    "reconcile-rules.md": [
        ("## The file", config.FILE_KEYS),
        ("## `[passes.NAME]`", config.PASS_KEYS),
        ("## `left` and `right`", config.SIDE_KEYS),
        ("## `[[passes.NAME.rules]]`", config.RULE_KEYS),
        ("### `amount`", config.AMOUNT_KEYS),
        ("### `dates`", config.DATES_KEYS),
        ("### `left_extract`, `right_extract`", config.EXTRACT_KEYS),
        ("### `tie_break`", config.TIE_BREAK_KEYS),
        ("## `[passes.NAME.group]`", config.GROUP_KEYS),
        ("## `duplicates`", config.DUPLICATES_KEYS),
    ],
}


def _documented(doc: str, heading: str) -> set[str]:
    """The keys in the `| key | meaning | default |` tables under `heading`, up to the next
    heading of any level (a `#` inside a code block is a TOML comment, not a heading)."""
    lines = doc.splitlines()
    starts = [i for i, line in enumerate(lines) if line.startswith(heading)]
    assert len(starts) == 1, f"one heading {heading!r} expected, found {len(starts)}"
    keys: set[str] = set()
    fenced = in_table = False
    for line in lines[starts[0] + 1:]:
        fenced ^= line.startswith("```")
        if fenced:
            continue
        if line.startswith("#"):
            break
        in_table = line.startswith("| key |") or (in_table and line.startswith("|"))
        if in_table:
            keys.update(_ROW.findall(line))
    return keys


@pytest.mark.parametrize(("doc", "heading", "keys"),
                         [(doc, h, k) for doc, tables in TABLES.items() for h, k in tables],
                         ids=lambda v: v if isinstance(v, str) and v.startswith("#") else "")
def test_every_key_is_documented_and_every_documented_key_exists(
        doc: str, heading: str, keys: frozenset[str]) -> None:
    documented = _documented((DOCS / doc).read_text(encoding="utf-8"), heading)
    assert sorted(keys - documented) == [], "accepted by the code, missing from the docs"
    assert sorted(documented - keys) == [], "in the docs, not accepted by the code"


def test_the_rule_parser_accepts_exactly_the_policies_fields() -> None:
    """The parser's key sets are the constants; each names a field of what it builds, so a
    field added to a policy without a key (or a key without a field) fails here."""
    built = {config.PASS_KEYS: RuleSet, config.SIDE_KEYS: SideRoles, config.RULE_KEYS: MatchRule,
             config.GROUP_KEYS: GroupRule, config.AMOUNT_KEYS: AmountTolerance,
             config.DATES_KEYS: DateWindow, config.EXTRACT_KEYS: KeyExtract,
             config.TIE_BREAK_KEYS: FuzzyTieBreak, config.DUPLICATES_KEYS: DuplicatePolicy}
    for keys, policy in built.items():
        assert keys == {f.name for f in fields(policy)}, policy.__name__
    mapping = {f.name for f in fields(ColumnMap)} - {"headers"} | {"columns"}
    assert COLUMN_MAP_KEYS == mapping


@pytest.mark.parametrize("table", sorted(config.FILE_KEYS | config.PASS_KEYS))
def test_an_unknown_key_names_the_allowed_ones(table: str) -> None:
    with pytest.raises(RuleError, match=r"unknown key\(s\) \['nope'\] \(allowed: "):
        config.rules_from_mapping({"nope": 1, "passes": {"p": {
            "left": {"label": "l"}, "right": {"label": "r"}, "rules": [{"name": "x"}]}}}
            if table in config.FILE_KEYS else {"passes": {"p": {
                "left": {"label": "l"}, "right": {"label": "r"}, "rules": [{"name": "x"}],
                "nope": 1}}})


def test_the_shipped_rule_file_reads_and_its_sources_are_schemas() -> None:
    rules = config.load_rules(ROOT / "recipes" / "reconcile_rules" / "default.toml")
    assert set(rules.passes) == {"bank", "portal"}
    assert all(isinstance(SheetSchema.from_mapping(t), SheetSchema) for t in rules.sources.values())


def test_every_toml_example_in_the_docs_parses() -> None:
    for doc in ("sheets.md", "reconcile-rules.md"):
        text = (DOCS / doc).read_text(encoding="utf-8")
        for block in re.findall(r"```toml\n(.*?)```", text, flags=re.DOTALL):
            tomllib.loads(block)


@pytest.mark.parametrize(("mapping", "message"), [
    ({"decimal_comma": "false"}, "decimal_comma = 'false': expected true or false"),
    ({"header_rows": "30"}, "header_rows = '30': expected a whole number"),
    ({"header_rows": 0}, "header_rows must be at least 1"),
    ({"encoding": "cp9999"}, "encoding 'cp9999' is not a codec Python knows"),
    ({"sheet": True}, "sheet = True: expected a sheet name or a 0-based index"),
    ({"shet": "Ventas"}, r"unknown key\(s\) \['shet'\]"),
])
def test_a_bad_column_mapping_is_refused_not_coerced(mapping: dict[str, object],
                                                      message: str) -> None:
    with pytest.raises(UsageError, match=message):
        ColumnMap.from_mapping(mapping)


@pytest.mark.parametrize(("rule", "message"), [
    ({"normalize": "upper"}, "normalize must be one of exact, alnum_upper, got 'upper'"),
    ({"left_on": "invoice", "right_on": "invoice"},
     r"left_on must be a list of column names, got 'invoice'"),
    ({"tie_break": {"left": "a", "right": "b", "scorer": "jaro"}},
     "scorer must be one of ratio, token_sort, token_set, wratio"),
])
def test_a_bad_rule_value_is_a_rule_error(rule: dict[str, object], message: str) -> None:
    with pytest.raises(RuleError, match=message):
        config.rules_from_mapping({"passes": {"p": {
            "left": {"label": "l"}, "right": {"label": "r"}, "rules": [{"name": "x", **rule}]}}})


def test_a_bad_schema_type_names_the_column_and_the_choices() -> None:
    with pytest.raises(SchemaError, match="column amount: type 'moneyy': expected one of text"):
        SheetSchema.from_mapping({"columns": [{"name": "amount", "type": "moneyy"}]})


class _Sale(BaseModel):
    ref: str
    day: date
    amount: Decimal = Field(gt=0, decimal_places=2)


def test_a_csv_date_column_takes_excel_serials_as_the_docs_say(tmp_path: Path) -> None:
    sheet = tmp_path / "sales.csv"
    sheet.write_text("Ref;Day;Amount\nA1;45000;1.234,56\nA2;02/01/2026;12,50\n"
                     "A3;2026-01-03;(12,50)\n", encoding="utf-8")
    rows = read_rows(sheet, _Sale)
    assert [(r.ref, r.day) for r in rows.values] == [("A1", date(2023, 3, 15)),
                                                    ("A2", date(2026, 1, 2))]
    assert rows.values[0].amount == Decimal("1234.56")
    assert [(p.row, p.column, p.reason) for p in rows.problems] == [
        (4, "Amount", "Input should be greater than 0")]


def test_every_exit_code_has_a_row_in_the_operations_doc_and_the_readme() -> None:
    from bots.exit_codes import ExitCode

    for doc in (DOCS / "operations.md", ROOT / "README.md"):
        rows = set(re.findall(r"^\| (\d) \|", doc.read_text(encoding="utf-8"), re.MULTILINE))
        assert rows == {str(int(code)) for code in ExitCode}, doc.name
