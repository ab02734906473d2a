"""Money is never a float on the adjustments path: not in the code, not at run time,
not in what is stored or written."""

from __future__ import annotations

import ast
import decimal
import zipfile
from dataclasses import fields, is_dataclass
from decimal import Decimal as D
from pathlib import Path
from typing import Any

import pytest
from adjust_builders import ROWS, write_requests_xlsx
from adjust_fake_portal import FakePortal
from adjust_ledger_builder import write_ledger
from adjust_world import item_rows

from bots.executor import execute
from bots.settings import get_settings
from connectors.xlsx_exact import stored_numbers

ROOT = Path(__file__).resolve().parents[2]
MONEY_PATH = [
    "bots/money.py", "connectors/invoice_model.py", "connectors/invoice_ledger.py",
    "connectors/xlsx_exact.py", "connectors/portal/invoices.py",
    "connectors/portal/invoice_pages.py", *sorted(
        str(p.relative_to(ROOT)) for p in (ROOT / "recipes" / "invoice_adjustments").glob("*.py")),
]


def floats_in(node: Any, where: str = "") -> list[str]:
    """Every float reachable from `node` (JSON values, dataclasses, containers)."""
    if isinstance(node, float):
        return [f"{where}={node!r}"]
    if isinstance(node, dict):
        return [f for k, v in node.items() for f in floats_in(v, f"{where}.{k}")]
    if isinstance(node, (list, tuple, set, frozenset)):
        return [f for i, v in enumerate(node) for f in floats_in(v, f"{where}[{i}]")]
    if is_dataclass(node) and not isinstance(node, type):
        return [f for field in fields(node)
                for f in floats_in(getattr(node, field.name), f"{where}.{field.name}")]
    return []


@pytest.mark.parametrize("module", MONEY_PATH)
def test_no_float_in_the_code(module: str) -> None:
    """No float literal and no float() call: `isinstance(x, float)` guards are the only use."""
    tree = ast.parse((ROOT / module).read_text(encoding="utf-8"))
    found = [f"line {n.lineno}: {ast.unparse(n)}" for n in ast.walk(tree)
             if (isinstance(n, ast.Constant) and isinstance(n.value, float))
             or (isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id == "float")]
    assert found == []


def test_no_float_at_run_time_nor_in_what_is_kept(fake_portal: FakePortal, tmp_path: Path) -> None:
    requests = write_requests_xlsx(tmp_path / "requests.xlsx", ROWS)
    ledger = write_ledger(tmp_path / "ledger.xlsx", [
        (invoice.id, "Customer", invoice.net, invoice.tax, D("0"), D("0"), invoice.status)
        for invoice in fake_portal.invoices.values()])
    # Inside this context a Decimal built from a float, or compared with one, raises.
    with decimal.localcontext() as context:
        context.traps[decimal.FloatOperation] = True
        result = execute("invoice_adjustments", {"requests": str(requests), "ledger": str(ledger)})
    assert result.state == "succeeded_with_exceptions", result.error
    assert result.summary["ledger"]["applied"] == 4

    items = item_rows(get_settings().store_url)
    assert floats_in([item["payload"] for item in items.values()], "payload") == []
    assert floats_in([item["output"] for item in items.values()], "output") == []
    assert floats_in(result.summary, "summary") == []
    assert floats_in(list(fake_portal.invoices.values()), "portal") == []

    # the workbooks hold the digits, never a float's approximation of them
    artifacts = get_settings().runs_dir / str(result.run_id) / "artifacts"
    for path, sheet in ((artifacts / "before_after.xlsx", "Before and after"),
                        (ledger, "Ledger"), (ledger, "Adjustments")):
        with zipfile.ZipFile(path) as package:
            xml = b"".join(package.read(n) for n in package.namelist() if "worksheets" in n)
        assert b"0000000000" not in xml and b"9999999999" not in xml, path
        numbers = stored_numbers(path, sheet)
        assert numbers and all(n == n.quantize(D("0.01")) or n == n.to_integral_value()
                               for n in numbers.values()), path
    adjustments = stored_numbers(ledger, "Adjustments")
    assert D("0.07") in adjustments.values()  # R-4's charge, read from 0.07000000000000001
