"""Streamed reconciliation: partitioned passes give exactly what one in-memory pass gives."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from bots.errors import InputError
from bots.reconcile import (
    AmountTolerance,
    DateWindow,
    DuplicatePolicy,
    GroupRule,
    KeyExtract,
    MatchRule,
    RuleError,
    RuleSet,
    SideRoles,
    load_rules,
    reconcile,
)
from bots.reconcile.stream import MemoryBudget, TableStream, reconcile_streams
from connectors.recon_report import LineFormat, LinesFile, line_money, write_streamed_report
from connectors.sheets import NumberStyle, SheetSchema, columnar, load_sheet
from connectors.sheets.cells import kinds
from connectors.sheets.columnar import stream_table, with_row_column
from connectors.sheets.numbers import parse_numbers
from demo.samples.reconcile import write_reconcile_samples

ROOT = Path(__file__).resolve().parents[2]
RULES = load_rules(ROOT / "recipes/reconcile_rules/default.toml")
DAY0 = pd.Timestamp("2024-01-01")
KEY = MatchRule("key", ("key",), ("key",), amount=AmountTolerance(2), dates=DateWindow(3, 3),
                breaks=True)
CASCADE = RuleSet(SideRoles("ledger"), SideRoles("bank"), rules=(
    KEY, MatchRule("customer", ("customer",), ("customer",), dates=DateWindow(2, 2))),
    group=GroupRule(left_on=("customer",), right_on=("customer",), amount=AmountTolerance(1),
                    dates=DateWindow(0, 5)))
ONE_RULE = RuleSet(SideRoles("ledger"), SideRoles("bank"), rules=(KEY,))


def canonical(lines: pd.DataFrame, left: str = "ledger", right: str = "bank") -> list[tuple]:
    """Lines without their link numbers: each line names the rows of its whole link."""
    pair = list(zip(lines[f"{left} source_row"].fillna(-1).astype(int),
                    lines[f"{right} source_row"].fillna(-1).astype(int), strict=True))
    frame = lines.assign(pair=pair)
    members = frame.groupby("link")["pair"].agg(lambda s: tuple(sorted(s)))
    return sorted(zip(frame["class"].astype(str), frame["rule"], frame["pair"],
                      frame["difference"].fillna(-(10**18)).astype("int64"), frame["note"],
                      frame["link"].map(members), strict=True))


def batches(frame: pd.DataFrame, size: int) -> TableStream:
    return TableStream([frame.iloc[i : i + size] for i in range(0, len(frame), size)], len(frame))


def streamed(left: pd.DataFrame, right: pd.DataFrame, rules: RuleSet, parts: int,
             size: int = 7) -> tuple[object, pd.DataFrame]:
    chunks: list[pd.DataFrame] = []
    result = reconcile_streams(batches(left, size), batches(right, size), rules,
                               budget=MemoryBudget(16), lines=chunks.append, partitions=parts)
    return result, pd.concat(chunks, ignore_index=True)


def assert_same(left: pd.DataFrame, right: pd.DataFrame, rules: RuleSet, parts: int,
                size: int = 7) -> None:
    whole = reconcile(left, right, rules)
    result, lines = streamed(left, right, rules, parts, size)
    assert canonical(lines) == canonical(whole.lines())
    assert result.summary().equals(whole.summary())
    assert result.counts() == whole.counts()
    assert result.input_totals() == whole.input_totals()


# ---- exactness ------------------------------------------------------------------------------
row = st.tuples(st.sampled_from(["A1", "A2", "b-3", "B3", "ñ4", "", None]),
                st.sampled_from(["C1", "C2", "C3"]), st.integers(0, 12), st.integers(0, 9))


def side(rows: list[tuple], first: int) -> pd.DataFrame:
    return pd.DataFrame({
        "source_row": np.arange(first, first + len(rows), dtype=np.int64),
        "key": pd.array([r[0] for r in rows], dtype="str"),
        "customer": pd.array([r[1] for r in rows], dtype="str"),
        "amount": np.array([r[2] for r in rows], dtype=np.int64),
        "date": DAY0 + pd.to_timedelta([r[3] for r in rows], unit="D"),
    })


@settings(max_examples=25, deadline=None)
@given(st.lists(row, min_size=1, max_size=40), st.lists(row, min_size=1, max_size=40),
       st.integers(1, 6), st.integers(1, 9), st.booleans())
def test_partitions_never_change_a_class_a_pair_or_a_sum(lrows, rrows, parts, size, cascade):
    # few distinct keys, amounts and dates: duplicates, ties, breaks and groups all occur
    assert_same(side(lrows, 2), side(rrows, 2), CASCADE if cascade else ONE_RULE, parts, size)


def test_an_extracted_key_normalized_with_integer_keys_elsewhere():
    rng = np.random.default_rng(7)
    n = 400
    left = pd.DataFrame({"source_row": np.arange(2, n + 2), "invoice": rng.integers(0, 300, n),
                         "amount": rng.integers(0, 50, n),
                         "date": DAY0 + pd.to_timedelta(rng.integers(0, 9, n), unit="D")})
    concept = [f"pago inv-{k:04d} ref" if k % 11 else "sin factura"
               for k in rng.integers(0, 300, n)]
    right = pd.DataFrame({"source_row": np.arange(2, n + 2),
                          "concept": pd.array(concept, dtype="str"),
                          "amount": rng.integers(0, 50, n),
                          "date": DAY0 + pd.to_timedelta(rng.integers(0, 9, n), unit="D")})
    left["invoice"] = left["invoice"].map(lambda k: f"INV{k:04d}").astype("str")
    rules = RuleSet(SideRoles("ledger"), SideRoles("bank"), rules=(MatchRule(
        "inv", ("invoice",), right_extract=KeyExtract("concept", r"(?i)inv-\d{4}"),
        normalize="alnum_upper", amount=AmountTolerance(3), breaks=True),
        MatchRule("amount-date", amount=AmountTolerance(0), dates=DateWindow(1, 1))))
    for parts in (1, 4, 13):
        assert_same(left, right, rules, parts, size=37)


def test_a_first_rule_without_a_key_or_outside_the_duplicate_signature_is_refused():
    no_key = RuleSet(SideRoles("ledger"), SideRoles("bank"), rules=(MatchRule("amount"),))
    frame = side([("A", "C1", 1, 1)], 2)
    with pytest.raises(RuleError, match="first rule's key"):
        streamed(frame, frame, no_key, 2)
    narrow = RuleSet(SideRoles("ledger"), SideRoles("bank"), rules=(KEY,),
                     duplicates=DuplicatePolicy(right=("amount", "date")))
    with pytest.raises(RuleError, match="duplicate signature"):
        streamed(frame, frame, narrow, 2)


def test_float_amounts_are_refused_before_anything_is_matched():
    frame = side([("A", "C1", 1, 1)], 2)
    with pytest.raises(RuleError, match="integer minor units"):
        streamed(frame.assign(amount=frame["amount"] / 100), frame, ONE_RULE, 2)


cell = st.one_of(st.from_regex(r"-?[0-9]{1,19}([.,][0-9]{1,8})?", fullmatch=True),
                 st.from_regex(r" ?[-+(]?[0-9.,]{1,12}[)€]? ?", fullmatch=True), st.text(max_size=6))


@settings(max_examples=300, deadline=None)
@given(st.lists(cell, min_size=1, max_size=30), st.sampled_from(["point", "comma"]),
       st.integers(0, 4))
def test_plain_amounts_read_fast_are_read_as_the_loader_reads_them(cells, style, scale):
    raw = np.array(cells, dtype=object)
    kind = kinds(raw)
    fast = columnar._money(raw, kind, scale, NumberStyle(style))
    slow = parse_numbers(raw, scale=scale, style=NumberStyle(style), kind=kind)
    assert fast.bad.tolist() == slow.bad.tolist()
    assert fast.blank.tolist() == slow.blank.tolist()
    assert fast.values[~slow.bad].tolist() == slow.values[~slow.bad].tolist()


# ---- files: CSV, Parquet, xlsx ------------------------------------------------------------
@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> dict:
    folder = tmp_path_factory.mktemp("demo")
    files = write_reconcile_samples(folder, invoices=200)
    frames = {name: load_sheet(path, SheetSchema.from_mapping(RULES.sources[name])).frame
              for name, path in files.items()}
    # the bank statement as a machine export: the same cells, as CSV and as Parquet
    bank = frames["bank"].drop(columns="source_row").rename(columns={
        "booked": "Booking date", "value_date": "Value date", "concept": "Description",
        "payer": "Payer", "amount": "Amount", "balance": "Balance"})
    for column in ("Amount", "Balance"):
        bank[column] = bank[column].map(lambda c: f"{Decimal(int(c)).scaleb(-2):.2f}",
                                        na_action="ignore")
    csv_path = folder / "bank.csv"
    bank.to_csv(csv_path, index=False, date_format="%Y-%m-%d")
    parquet_path = folder / "bank.parquet"
    as_parquet = bank.assign(**{c: bank[c].map(Decimal, na_action="ignore")
                                for c in ("Amount", "Balance")})
    as_parquet.to_parquet(parquet_path, index=False)
    return {"files": files, "frames": frames, "csv": csv_path, "parquet": parquet_path}


def _schema(source: str) -> SheetSchema:
    schema = SheetSchema.from_mapping(RULES.sources[source])
    if source == "bank":  # the export writes points and ISO dates
        schema = SheetSchema.from_mapping({**RULES.sources[source], "number_style": "point",
                                           "date_formats": ["%Y-%m-%d"]})
    return with_row_column(schema)


@pytest.mark.parametrize("bank_file", ["csv", "parquet"])
def test_demo_bank_pass_streamed_from_csv_and_parquet_is_the_in_memory_pass(demo, bank_file):
    rules = RULES.passes["bank"]
    budget = MemoryBudget(16)
    ledger = stream_table(demo["files"]["ledger"], _schema("ledger"), budget)
    bank = stream_table(demo[bank_file], _schema("bank"), budget)
    chunks: list[pd.DataFrame] = []
    result = reconcile_streams(ledger, bank, rules, budget=budget, lines=chunks.append,
                               partitions=5)
    frames = demo["frames"]
    # the same bank rows, numbered as the export numbers them (header on row 1)
    bank_frame = frames["bank"].assign(source_row=np.arange(2, len(frames["bank"]) + 2))
    whole = reconcile(frames["ledger"], bank_frame, rules)
    assert canonical(pd.concat(chunks, ignore_index=True)) == canonical(whole.lines())
    assert result.summary().equals(whole.summary())
    assert result.counts()["bank_duplicate"] == 1 and result.counts()["ledger_grouped"] == 2


def test_a_bad_cell_in_a_later_batch_names_file_row_and_column(tmp_path):
    path = tmp_path / "bank.csv"
    rows = ["Value date,Description,Amount"] + [f"2024-01-02,INV-{i},{i}.50" for i in range(3000)]
    rows[2501] = "2024-01-02,INV-x,12.3.4"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    schema = with_row_column(SheetSchema.from_mapping({
        "number_style": "point", "columns": [
            {"name": "value_date", "type": "date", "headers": ["Value date"]},
            {"name": "concept", "headers": ["Description"]},
            {"name": "amount", "type": "money", "headers": ["Amount"]}]}))
    stream = stream_table(path, schema, MemoryBudget(16))
    with pytest.raises(InputError) as caught:
        for _ in stream.batches:
            pass
    assert caught.value.row == 2502 and caught.value.column == "Amount"
    assert "bank.csv" in str(caught.value) and "12.3.4" in str(caught.value)


def test_an_xlsx_beyond_the_memory_setting_is_refused_with_what_to_do(demo, monkeypatch):
    path = demo["files"]["bank"]
    schema = SheetSchema.from_mapping(RULES.sources["bank"])
    assert len(list(stream_table(path, schema, MemoryBudget(16)).batches)) == 1
    # as if every byte of the workbook unzipped to a megabyte of cells
    monkeypatch.setattr(columnar, "XLSX_BYTES_IN_MEMORY", 2**20)
    with pytest.raises(InputError, match="CSV or Parquet export"):
        stream_table(path, schema, MemoryBudget(16))


@pytest.mark.parametrize("fmt", [LineFormat.PARQUET, LineFormat.CSV])
def test_lines_go_to_parquet_or_csv_in_chunks_and_the_workbook_keeps_the_summary(
        demo, tmp_path, fmt):
    rules = RULES.passes["bank"]
    budget = MemoryBudget(16)
    out = tmp_path / f"lines.{fmt.value}"
    with LinesFile(out, fmt, money=line_money(rules), scale=2, sheet_rows=3) as lines:
        result = reconcile_streams(
            stream_table(demo["files"]["ledger"], _schema("ledger"), budget),
            stream_table(demo["csv"], _schema("bank"), budget), rules, budget=budget,
            lines=lines, partitions=4)
    assert not out.with_suffix(out.suffix + ".partial").exists()
    if fmt is LineFormat.PARQUET:
        table = pq.read_table(out).to_pandas()
        amounts = table["ledger amount"].dropna()
        assert all(isinstance(a, Decimal) for a in amounts)
        # exact to the cent: the lines add up to the ledger's total
        assert sum(amounts) == Decimal(result.input_totals()["ledger_amount"]).scaleb(-2)
    else:
        table = pd.read_csv(out, encoding="utf-8-sig")
    frames = demo["frames"]
    whole = reconcile(frames["ledger"], frames["bank"], rules)
    assert len(table) == lines.rows == len(whole.lines())
    book = write_streamed_report({"bank": (result, lines)}, tmp_path / "report.xlsx")
    sheets = load_workbook(book, read_only=True)
    assert sheets.sheetnames[0] == "Summary"
    summary = [r for r in sheets["Summary"].iter_rows(values_only=True) if r[0] == "Input"]
    assert summary[0][6] == "balanced"
    assert all(sheets[name].max_row <= 4 for name in sheets.sheetnames[1:])  # header + 3


def test_the_recipe_streams_when_given_a_memory_setting(demo, settings):
    from bots.executor import execute

    files = demo["files"]
    whole = execute("reconcile", {"ledger": str(files["ledger"]), "bank": str(files["bank"]),
                                  "portal_export": str(files["portal_export"])},
                    settings=settings)
    small = execute("reconcile", {"ledger": str(files["ledger"]), "bank": str(files["bank"]),
                                  "portal_export": str(files["portal_export"]),
                                  "memory_mb": 64, "lines_format": "parquet"},
                    settings=settings)
    assert whole.ok and small.ok, (whole.error, small.error)
    for key, value in whole.summary.items():
        if key.startswith(("bank.", "portal.")) or key == "break_rows":
            assert small.summary[key] == value, key
