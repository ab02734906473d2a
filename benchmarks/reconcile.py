"""Reconciliation benchmark: the engine against datacompy and plain pandas, in one run.

    .venv/bin/python benchmarks/reconcile.py            # the full run (a few minutes)
    .venv/bin/python benchmarks/reconcile.py --quick    # small sizes, a smoke run

Three cases, data generated with a fixed seed:
1. keyed: 1M ledger rows against a shuffled 1M-row copy with a 0.01 tolerance; 5 % of
   the amounts moved by exactly one cent (the edge), 1 % beyond it, rows deleted and
   added. Tools: the engine, datacompy.PandasCompare, pandas.merge(indicator=True) as a
   user writes it (float amounts from read_csv), the same merge on integer cents, and
   polars as a reference point. Every tool starts from frames in memory.
2. no key: 100k invoices against 100k payments by customer, amount within 0.01, date
   within 3 days; planted twins must come out ambiguous. pandas.merge_asof, which a
   user would reach for, is shown beside it.
3. xlsx: two 100k-row workbooks in, a formatted report out, against
   read_excel(openpyxl) + merge + to_excel.
4. stream (not run by default: `--cases stream --stream-rows 20000000`): case 1's data
   written to two CSV files, reconciled by the streamed engine within `--stream-memory-mb`,
   every line written to Parquet. Its figures include the absolute peak RSS (rss_mb) and
   the partitions used; wrong rows are judged from the Parquet lines afterwards.

Each measurement runs in a forked process, so its peak memory is its own. A table is
printed, then, as the last line, one JSON object with seconds, peak memory and wrong
rows per tool. Wrong rows: rows whose verdict (match, break, only left, only right,
ambiguous) differs from the truth the generator knows.
"""

from __future__ import annotations

import sys
from pathlib import Path

# ruff: noqa: E402 -- the path must be fixed before the first import that needs `queue`:
# run as a script, this folder comes first on sys.path, where its queue.py would hide
# the standard library's queue (numpy and polars need it): put the project root there
_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]
sys.path.insert(0, str(_HERE.parent))

import argparse
import json
import multiprocessing as mp
import tempfile
import time
import traceback
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from bots.reconcile import (
    AmountTolerance,
    DateWindow,
    MatchRule,
    RuleSet,
    SideRoles,
    reconcile,
)

SEED = 20240601
MATCH, BREAK, LEFT_ONLY, RIGHT_ONLY, AMBIGUOUS = 0, 1, 2, 3, 4
DAY0 = np.datetime64("2024-01-01")


# ---- measuring ------------------------------------------------------------------------
def _status(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field):
            return int(line.split()[1]) * 1024
    return 0


def _child(conn: Any, work: Callable[[], tuple[Callable[[], Any], Callable[[Any], dict]]]) -> None:
    try:
        conn.send(_measured(work))
    except Exception:  # noqa: BLE001 -- any failure goes to the parent, which stops
        conn.send({"error": traceback.format_exc()})


def _measured(work: Callable[[], tuple[Callable[[], Any], Callable[[Any], dict]]]) -> dict:
    run, judge = work()
    try:
        Path("/proc/self/clear_refs").write_text("5")  # peak RSS := current RSS
    except OSError:
        pass  # without it the peak includes the shared inputs
    base = _status("VmRSS:")
    start = time.perf_counter()
    output = run()
    seconds = time.perf_counter() - start
    high = _status("VmHWM:")
    peak = max(0, high - base)
    return {"seconds": round(seconds, 3), "peak_mb": round(peak / 2**20, 1),
            "rss_mb": round(high / 2**20, 1), **judge(output)}


def measure(work: Callable[[], tuple[Callable[[], Any], Callable[[Any], dict]]]) -> dict:
    """Run `work()`'s runner in a forked child; time it, take its peak memory, judge it."""
    context = mp.get_context("fork")
    receive, send = context.Pipe(duplex=False)
    process = context.Process(target=_child, args=(send, work))
    process.start()
    send.close()  # so a child that dies unheard ends recv() instead of hanging it
    try:
        result = receive.recv()
    finally:
        process.join()
    if "error" in result:
        raise RuntimeError(f"a measured run failed:\n{result['error']}")
    return result


def wrong(verdict: np.ndarray, truth: np.ndarray) -> dict:
    return {"wrong_rows": int((verdict != truth).sum())}


# ---- case 1: keyed --------------------------------------------------------------------
def keyed_data(n: int, rng: np.random.Generator) -> dict:
    keys = np.array([f"INV-{i:08d}" for i in range(n)], dtype=object)
    amount = rng.integers(100, 10**8, n)
    days = rng.integers(0, 365, n)
    kind = rng.random(n)
    right_amount = amount.copy()
    edge = kind < 0.05
    right_amount[edge] += rng.choice([-1, 1], int(edge.sum()))
    beyond = (kind >= 0.05) & (kind < 0.06)
    right_amount[beyond] += rng.integers(2, 50_000, int(beyond.sum())) * rng.choice(
        [-1, 1], int(beyond.sum()))
    deleted = kind >= 0.999
    extra = max(1, n // 1000)
    truth_left = np.where(deleted, LEFT_ONLY, np.where(beyond, BREAK, MATCH))
    keep = np.flatnonzero(~deleted)
    order = rng.permutation(len(keep) + extra)
    right_keys = np.concatenate([keys[keep], [f"NEW-{i:08d}" for i in range(extra)]])[order]
    right_cents = np.concatenate([right_amount[keep], rng.integers(100, 10**6, extra)])[order]
    right_days = np.concatenate([days[keep], rng.integers(0, 365, extra)])[order]
    truth_right = np.concatenate([truth_left[keep], np.full(extra, RIGHT_ONLY)])[order]
    left = pd.DataFrame({"invoice": pd.array(keys, dtype="str"), "amount": amount,
                         "date": DAY0 + days.astype("timedelta64[D]")})
    right = pd.DataFrame({"invoice": pd.array(right_keys, dtype="str"), "amount": right_cents,
                          "date": DAY0 + right_days.astype("timedelta64[D]")})
    return {"left": left, "right": right, "truth_left": truth_left, "truth_right": truth_right,
            "left_float": left.assign(amount=left["amount"] / 100),
            "right_float": right.assign(amount=right["amount"] / 100)}


KEYED_RULES = RuleSet(SideRoles("ledger"), SideRoles("bank"), rules=(
    MatchRule("invoice", ("invoice",), ("invoice",), amount=AmountTolerance.of("0.01"),
              breaks=True),))
_ENGINE_VERDICT = {"matched": MATCH, "matched_tolerance": MATCH, "amount_break": BREAK,
                   "date_break": BREAK, "missing_right": LEFT_ONLY, "missing_left": RIGHT_ONLY,
                   "ambiguous": AMBIGUOUS, "duplicate": RIGHT_ONLY, "grouped": MATCH}


def _engine_verdicts(result: Any) -> tuple[np.ndarray, np.ndarray]:
    return tuple(result.classes(side).astype("str").map(_ENGINE_VERDICT).to_numpy(dtype=np.int64)
                 for side in ("left", "right"))


def _judge_sides(data: dict, left: np.ndarray, right: np.ndarray) -> dict:
    return {"wrong_rows": int((left != data["truth_left"]).sum()
                              + (right != data["truth_right"]).sum())}


def engine_keyed(data: dict) -> tuple[Callable, Callable]:
    def run() -> Any:
        return reconcile(data["left"], data["right"], KEYED_RULES)

    return run, lambda result: _judge_sides(data, *_engine_verdicts(result))


def datacompy_keyed(data: dict) -> tuple[Callable, Callable]:
    import datacompy

    def run() -> Any:
        return datacompy.PandasCompare(data["left_float"], data["right_float"],
                                       join_columns="invoice", abs_tol=0.01)

    def judge(compare: Any) -> dict:
        both = compare.intersect_rows
        matched = set(both.loc[both["amount_match"], "invoice"])
        broken = set(both.loc[~both["amount_match"], "invoice"])
        only_l, only_r = set(compare.df1_unq_rows["invoice"]), set(compare.df2_unq_rows["invoice"])

        def verdict(keys: pd.Series, only: set) -> np.ndarray:
            return np.select([keys.isin(matched), keys.isin(broken), keys.isin(only)],
                             [MATCH, BREAK, LEFT_ONLY if only is only_l else RIGHT_ONLY], -1)

        return _judge_sides(data, verdict(data["left"]["invoice"], only_l),
                            verdict(data["right"]["invoice"], only_r))

    return run, judge


def _merge_judge(data: dict, merged: pd.DataFrame, ok: pd.Series) -> dict:
    state = merged["_merge"].astype("str")
    verdict = np.select([state.eq("both") & ok, state.eq("both"), state.eq("left_only")],
                        [MATCH, BREAK, LEFT_ONLY], RIGHT_ONLY)
    by_key = pd.Series(verdict, index=merged["invoice"].to_numpy())
    return _judge_sides(data, by_key.reindex(data["left"]["invoice"].to_numpy()).to_numpy(),
                        by_key.reindex(data["right"]["invoice"].to_numpy()).to_numpy())


def merge_keyed(data: dict, integer: bool) -> tuple[Callable, Callable]:
    left, right = (data["left"], data["right"]) if integer else (
        data["left_float"], data["right_float"])
    tolerance = 1 if integer else 0.01

    def run() -> Any:
        merged = left.merge(right, on="invoice", how="outer", indicator=True,
                            suffixes=("_ledger", "_bank"))
        ok = (merged["amount_ledger"] - merged["amount_bank"]).abs() <= tolerance
        return merged, ok

    return run, lambda out: _merge_judge(data, *out)


def polars_keyed(data: dict) -> tuple[Callable, Callable]:
    import polars as pl

    left, right = pl.from_pandas(data["left"]), pl.from_pandas(data["right"])

    def run() -> Any:
        joined = left.join(right, on="invoice", how="full", suffix="_bank", coalesce=True)
        return joined.with_columns(
            ((pl.col("amount") - pl.col("amount_bank")).abs() <= 1).alias("ok"))

    def judge(joined: Any) -> dict:
        frame = joined.select("invoice", "amount", "amount_bank", "ok").to_pandas()
        verdict = np.select([frame["ok"].fillna(False).astype(bool), frame["amount"].notna()
                             & frame["amount_bank"].notna(), frame["amount_bank"].isna()],
                            [MATCH, BREAK, LEFT_ONLY], RIGHT_ONLY)
        by_key = pd.Series(verdict, index=frame["invoice"].to_numpy())
        return _judge_sides(data, by_key.reindex(data["left"]["invoice"].to_numpy()).to_numpy(),
                            by_key.reindex(data["right"]["invoice"].to_numpy()).to_numpy())

    return run, judge


# ---- case 2: no shared key --------------------------------------------------------------
def nokey_data(n: int, rng: np.random.Generator) -> dict:
    customers = rng.integers(0, max(1, n // 20), n)
    amount = rng.integers(1_000, 5_000_000, n)
    days = rng.integers(0, 365, n)
    twins = np.sort(rng.choice(n - 1, max(1, n // 1000), replace=False))
    twins = twins[np.diff(np.r_[-2, twins]) > 1]  # twin pairs must not overlap
    customers[twins + 1], amount[twins + 1], days[twins + 1] = customers[twins], amount[twins], days[twins]
    pay_amount = amount + rng.choice([-1, 0, 0, 0, 1], n)
    pay_days = days + rng.integers(-3, 4, n)
    payer = np.arange(n)
    payer = np.delete(payer, twins + 1)  # one payment for a pair of twins: nobody can tell
    truth_left = np.full(n, MATCH)
    truth_left[np.r_[twins, twins + 1]] = AMBIGUOUS
    truth_right = np.where(np.isin(payer, twins), AMBIGUOUS, MATCH)
    order = rng.permutation(len(payer))
    left = pd.DataFrame({"invoice": pd.array([f"INV-{i:07d}" for i in range(n)], dtype="str"),
                         "customer": pd.array([f"C{c:06d}" for c in customers], dtype="str"),
                         "amount": amount, "date": DAY0 + days.astype("timedelta64[D]")})
    right = pd.DataFrame({
        "payment": pd.array([f"PAY-{i:07d}" for i in range(len(payer))], dtype="str"),
        "customer": pd.array([f"C{c:06d}" for c in customers[payer][order]], dtype="str"),
        "amount": pay_amount[payer][order],
        "date": DAY0 + pay_days[payer][order].astype("timedelta64[D]")})
    return {"left": left, "right": right, "truth_left": truth_left,
            "truth_right": truth_right[order], "payer": payer[order]}


NOKEY_RULES = RuleSet(SideRoles("ledger"), SideRoles("bank"), rules=(
    MatchRule("customer-amount-date", ("customer",), ("customer",),
              amount=AmountTolerance.of("0.01"), dates=DateWindow(3, 3)),))


def engine_nokey(data: dict) -> tuple[Callable, Callable]:
    def run() -> Any:
        return reconcile(data["left"], data["right"], NOKEY_RULES)

    def judge(result: Any) -> dict:
        left, right = _engine_verdicts(result)
        # a match must also be with the right payment, not just any
        right_of = np.full(int(max(result.left.link.max(), result.right.link.max())) + 1, -1)
        right_of[result.right.link] = np.arange(len(data["right"]))
        partner = right_of[result.left.link]
        good = np.full(len(data["left"]), -1)
        good[data["payer"]] = np.arange(len(data["right"]))
        left = np.where((left == MATCH) & (partner != good), -1, left)
        counts = result.counts()
        return {**_judge_sides(data, left, right),
                "ambiguous_rows": counts["ledger_ambiguous"] + counts["bank_ambiguous"]}

    return run, judge


def asof_nokey(data: dict) -> tuple[Callable, Callable]:
    def run() -> Any:
        payments = data["right"].reset_index(names="row").sort_values("amount")
        invoices = data["left"].reset_index(names="inv").sort_values("amount")
        return pd.merge_asof(payments, invoices, on="amount", by="customer", tolerance=1,
                             direction="nearest")

    def judge(out: Any) -> dict:
        picked = out.sort_values("row")["inv"].to_numpy()
        right = np.where(np.isnan(picked), RIGHT_ONLY, MATCH)
        right = np.where((right == MATCH) & (picked != data["payer"]), -1, right)
        hit = np.zeros(len(data["left"]), bool)
        hit[picked[~np.isnan(picked)].astype(np.int64)] = True
        left = np.where(hit, MATCH, LEFT_ONLY)
        return _judge_sides(data, left, right)  # a silent pick among twins counts as wrong

    return run, judge


# ---- case 3: xlsx in, formatted xlsx out ----------------------------------------------------
def xlsx_data(n: int, rng: np.random.Generator, folder: Path) -> dict:
    from connectors.sheets import CellKind, ReportWorkbook, TableColumn

    keyed = keyed_data(n, rng)
    paths = {}
    for side, frame in (("ledger", keyed["left"]), ("bank", keyed["right"])):
        book = ReportWorkbook()
        book.add_table("Data", frame, [TableColumn("invoice", "Invoice"),
                                       TableColumn("date", "Date", CellKind.DATE),
                                       TableColumn("amount", "Amount", CellKind.MONEY)])
        paths[side] = book.save(folder / f"{side}.xlsx")
    return {**keyed, "paths": paths, "folder": folder}


def engine_xlsx(data: dict) -> tuple[Callable, Callable]:
    from connectors.recon_report import write_recon_report
    from connectors.sheets import Column, ColumnType, SheetSchema, load_sheet

    schema = SheetSchema(columns=(Column("invoice", headers=("Invoice",)),
                                  Column("date", ColumnType.DATE, headers=("Date",)),
                                  Column("amount", ColumnType.MONEY, headers=("Amount",))),
                         row_column="")

    def run() -> Any:
        left = load_sheet(data["paths"]["ledger"], schema).frame
        right = load_sheet(data["paths"]["bank"], schema).frame
        result = reconcile(left, right, KEYED_RULES)
        write_recon_report(result, data["folder"] / "engine_report.xlsx")
        return result

    return run, lambda result: _judge_sides(data, *_engine_verdicts(result))


def pandas_xlsx(data: dict) -> tuple[Callable, Callable]:
    def run() -> Any:
        left = pd.read_excel(data["paths"]["ledger"], engine="openpyxl")
        right = pd.read_excel(data["paths"]["bank"], engine="openpyxl")
        merged = left.merge(right, on="Invoice", how="outer", indicator=True,
                            suffixes=("_ledger", "_bank"))
        merged["ok"] = (merged["Amount_ledger"] - merged["Amount_bank"]).abs() <= 0.01
        merged.to_excel(data["folder"] / "pandas_report.xlsx", index=False, engine="openpyxl")
        return merged

    def judge(merged: pd.DataFrame) -> dict:
        renamed = merged.rename(columns={"Invoice": "invoice"})
        return _merge_judge(data, renamed, renamed["ok"])

    return run, judge


# ---- case 4: CSV files beyond memory, streamed ---------------------------------------------
STREAM_CHUNK = 1_000_000


def _stream_chunk(n: int, chunk: int) -> dict:
    """Rows [chunk * STREAM_CHUNK, ...) of case 4, regenerated identically on demand."""
    rng = np.random.default_rng([SEED, n, chunk])
    first = chunk * STREAM_CHUNK
    rows = min(STREAM_CHUNK, n - first)
    index = np.arange(first, first + rows)
    amount = rng.integers(100, 10**8, rows)
    days = rng.integers(0, 365, rows)
    kind = rng.random(rows)
    right = amount.copy()
    edge = kind < 0.05
    right[edge] += rng.choice([-1, 1], int(edge.sum()))
    beyond = (kind >= 0.05) & (kind < 0.06)
    right[beyond] += rng.integers(2, 50_000, int(beyond.sum()))
    deleted = kind >= 0.999
    truth = np.where(deleted, LEFT_ONLY, np.where(beyond, BREAK, MATCH))
    return {"index": index, "amount": amount, "right": right, "days": days,
            "deleted": deleted, "truth": truth, "order": rng.permutation(rows),
            "extra": max(1, rows // 1000), "extra_amount": rng.integers(100, 10**6, rows // 1000
                                                                        or 1)}


def _cents_text(cents: np.ndarray) -> list[str]:
    return [f"{c // 100}.{c % 100:02d}" for c in cents.tolist()]


def stream_files(n: int, folder: Path) -> dict:
    ledger, bank = folder / "ledger.csv", folder / "bank.csv"
    with ledger.open("w") as lf, bank.open("w") as bf:
        lf.write("invoice,date,amount\n")
        bf.write("invoice,date,amount\n")
        for chunk in range(-(-n // STREAM_CHUNK)):
            c = _stream_chunk(n, chunk)
            dates = (DAY0 + c["days"].astype("timedelta64[D]")).astype(str)
            keys = np.char.add("INV-", np.char.zfill(c["index"].astype(str), 9))
            pd.DataFrame({"invoice": keys, "date": dates, "amount": _cents_text(c["amount"])}
                         ).to_csv(lf, header=False, index=False)
            kept = np.flatnonzero(~c["deleted"])
            keep = kept[np.argsort(c["order"][kept])]  # the kept rows, shuffled
            extra = np.char.add("NEW-", np.char.zfill(
                (c["index"][: c["extra"]]).astype(str), 9))
            right = pd.DataFrame({
                "invoice": np.concatenate([keys[keep], extra]),
                "date": np.concatenate([dates[keep], dates[: c["extra"]]]),
                "amount": _cents_text(np.concatenate([c["right"][keep], c["extra_amount"]]))})
            right.to_csv(bf, header=False, index=False)
    return {"ledger": ledger, "bank": bank, "folder": folder, "rows": n}


def engine_stream(data: dict, memory_mb: int) -> tuple[Callable, Callable]:
    from bots.reconcile.stream import MemoryBudget, reconcile_streams
    from connectors.recon_report import LineFormat, LinesFile, line_money
    from connectors.sheets import Column, ColumnType, SheetSchema
    from connectors.sheets.columnar import stream_table

    schema = SheetSchema(columns=(Column("invoice"), Column("date", ColumnType.DATE),
                                  Column("amount", ColumnType.MONEY)), number_style="point")
    budget = MemoryBudget(memory_mb)
    out = data["folder"] / "lines.parquet"

    def run() -> Any:
        with LinesFile(out, LineFormat.PARQUET, money=line_money(KEYED_RULES),
                       scale=2) as lines:
            return reconcile_streams(stream_table(data["ledger"], schema, budget),
                                     stream_table(data["bank"], schema, budget), KEYED_RULES,
                                     budget=budget, lines=lines, workdir=data["folder"])

    def judge(result: Any) -> dict:
        import pyarrow.parquet as pq

        table = pq.read_table(out, columns=["class", "ledger invoice", "bank invoice"])
        frame = table.to_pandas()
        verdict = frame["class"].map(_ENGINE_VERDICT).to_numpy(dtype=np.int64)
        ledger = frame["ledger invoice"].dropna()
        got = np.full(data["rows"], -1)
        got[ledger.str.slice(4).astype(np.int64).to_numpy()] = verdict[ledger.index]
        truth = np.concatenate([_stream_chunk(data["rows"], c)["truth"]
                                for c in range(-(-data["rows"] // STREAM_CHUNK))])
        new = frame["bank invoice"].str.startswith("NEW-", na=False).to_numpy()
        wrong = int((got != truth).sum()) + int((verdict[new] != RIGHT_ONLY).sum())
        return {"wrong_rows": wrong, "partitions": result.partitions,
                "lines": len(frame), "memory_mb": memory_mb}

    return run, judge


def stream_case(rows: int, memory_mb: int) -> dict:
    with tempfile.TemporaryDirectory() as folder:
        data = stream_files(rows, Path(folder))
        sizes = {side: round(data[side].stat().st_size / 2**20, 1) for side in ("ledger", "bank")}
        result = measure(lambda: engine_stream(data, memory_mb))
        return {"engine": {**result, "csv_mb": sizes}}


# ---- the run -------------------------------------------------------------------------------
def keyed_case(rows: int, rng: np.random.Generator) -> dict:
    data = keyed_data(rows, rng)
    return {"engine": measure(lambda: engine_keyed(data)),
            "datacompy": measure(lambda: datacompy_keyed(data)),
            "pandas_merge_float": measure(lambda: merge_keyed(data, integer=False)),
            "pandas_merge_cents": measure(lambda: merge_keyed(data, integer=True)),
            "polars_cents": measure(lambda: polars_keyed(data))}


def nokey_case(rows: int, rng: np.random.Generator) -> dict:
    data = nokey_data(rows, rng)
    return {"engine": measure(lambda: engine_nokey(data)),
            "pandas_merge_asof": measure(lambda: asof_nokey(data))}


def xlsx_case(rows: int, rng: np.random.Generator) -> dict:
    with tempfile.TemporaryDirectory() as folder:
        data = xlsx_data(rows, rng, Path(folder))
        return {"engine": measure(lambda: engine_xlsx(data)),
                "pandas_openpyxl": measure(lambda: pandas_xlsx(data))}


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keyed-rows", type=int, default=1_000_000)
    parser.add_argument("--nokey-rows", type=int, default=100_000)
    parser.add_argument("--xlsx-rows", type=int, default=100_000)
    parser.add_argument("--stream-rows", type=int, default=20_000_000)
    parser.add_argument("--stream-memory-mb", type=int, default=1024)
    parser.add_argument("--quick", action="store_true", help="10k/10k/5k/20k rows")
    parser.add_argument("--cases", default="keyed,nokey,xlsx",
                        help="comma-separated subset of keyed,nokey,xlsx,stream")
    args = parser.parse_args(argv)
    if args.quick:
        args.keyed_rows, args.nokey_rows, args.xlsx_rows = 10_000, 10_000, 5_000
        args.stream_rows = 20_000
    cases = {"keyed": (keyed_case, args.keyed_rows), "nokey": (nokey_case, args.nokey_rows),
             "xlsx": (xlsx_case, args.xlsx_rows),
             "stream": (lambda rows, _rng: stream_case(rows, args.stream_memory_mb),
                        args.stream_rows)}
    chosen = args.cases.split(",")
    unknown = set(chosen) - set(cases)
    if unknown:
        parser.error(f"unknown case(s) {sorted(unknown)}")
    report = {}
    for name in chosen:
        case, rows = cases[name]
        report[name] = case(rows, np.random.default_rng([SEED, rows]))
    sizes = {name: f"{cases[name][1]:,} x {cases[name][1]:,}" for name in chosen}
    print_table(report, sizes)
    return report


def print_table(report: dict, sizes: dict) -> None:
    lines = [f"{'case':<8} {'rows':<22} {'tool':<20} {'seconds':>8} {'peak MB':>8} "
             f"{'wrong rows':>10} {'time/engine':>11}"]
    for case, tools in report.items():
        engine = tools["engine"]["seconds"]
        for tool, m in tools.items():
            ratio = "" if tool == "engine" else f"{m['seconds'] / engine:.1f}x"
            lines.append(f"{case:<8} {sizes[case]:<22} {tool:<20} {m['seconds']:>8.3f} "
                         f"{m['peak_mb']:>8.1f} {m['wrong_rows']:>10,} {ratio:>11}")
    ratios = {f"{case}_vs_{tool}": round(m["seconds"] / tools["engine"]["seconds"], 2)
              for case, tools in report.items() for tool, m in tools.items() if tool != "engine"}
    sys.stdout.write("\n".join(lines) + "\n")
    sys.stdout.write(json.dumps({"sizes": sizes, **report, "speedups": ratios}) + "\n")


if __name__ == "__main__":
    main()
