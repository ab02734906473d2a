"""Running one recipe imports only the module that defines it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from bots.recipe_index import recipe_index
from tests.helpers import ROOT


def test_the_index_names_every_recipe_without_importing_them() -> None:
    index = recipe_index(("recipes",))
    assert {"key_sales", "reconcile", "invoice_adjustments", "send_outbox",
            "productivity_report", "smoke"} <= set(index)
    assert index["invoice_adjustments"].module == "recipes.invoice_adjustments"
    assert index["key_sales"].module == "recipes.key_sales"


def test_custom_names_files_and_names_the_parser_cannot_see(tmp_path: Path) -> None:
    (tmp_path / "mine.py").write_text(
        "from bots import recipe\n"
        "import bots\n\n"
        "@recipe(name='renamed')\ndef original(run): ...\n\n"
        "@bots.recipe\ndef plain(run): ...\n\n"
        "def made(run): ...\n"
        "recipe(name='made_by_a_call')(made)\n")
    (tmp_path / "broken.py").write_text("def (:\n")  # the import will say what is wrong
    index = recipe_index((), [tmp_path])
    assert set(index) == {"renamed", "plain"}
    assert index["plain"].file == tmp_path / "mine.py"


def test_running_key_sales_does_not_import_the_reconciliation_engine() -> None:
    code = ("import sys\nfrom bots.settings import get_settings\n"
            "from bots.executor import load_recipe\n"
            "spec = load_recipe(get_settings(), 'key_sales')\n"
            "print(spec.name, 'polars' in sys.modules, 'bots.reconcile' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                          text=True, check=True)
    assert done.stdout.split() == ["key_sales", "False", "False"]


def test_a_recipe_registered_by_a_call_is_found_by_the_fallback(tmp_path: Path) -> None:
    (tmp_path / "dynamic.py").write_text(
        "from bots import recipe\n\n"
        "def made(run): ...\n\n"
        "recipe(name='made_by_a_call_xyz')(made)\n")
    code = ("from pathlib import Path\nfrom bots.recipe_index import load_recipe\n"
            f"print(load_recipe('made_by_a_call_xyz', (), [Path({str(tmp_path)!r})]).name)")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                          text=True, check=True)
    assert done.stdout.strip() == "made_by_a_call_xyz"
