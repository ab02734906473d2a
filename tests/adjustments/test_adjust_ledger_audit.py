"""The ledger step records which cells changed: an artifact and an audit event per run;
a rerun changes nothing, writes nothing, and says so in both."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import sqlalchemy as sa
from adjust_builders import ROWS, write_requests_xlsx
from adjust_fake_portal import FakePortal
from ledger_corpus import xlsxwriter_ledger

from bots.audit import verify
from bots.executor import execute
from bots.settings import get_settings
from bots.store.schema import audit_events


def ledger_events() -> list[tuple[str, dict]]:
    engine = sa.create_engine(get_settings().store_url)
    with engine.connect() as conn:
        rows = conn.execute(sa.select(audit_events.c.action, audit_events.c.data)
                            .where(audit_events.c.action.like("ledger.%"))
                            .order_by(audit_events.c.id)).all()
    engine.dispose()
    return [(action, json.loads(data)) for action, data in rows]


def test_changed_cells_in_the_artifact_and_the_audit(fake_portal: FakePortal,
                                                     tmp_path: Path) -> None:
    requests = write_requests_xlsx(tmp_path / "requests.xlsx", ROWS)
    (tmp_path / "made").mkdir()
    kept = shutil.copy2(xlsxwriter_ledger(tmp_path / "made" / "ledger.xlsx"),
                        tmp_path / "ledger.xlsx")
    params = {"requests": str(requests), "ledger": str(kept)}
    first = execute("invoice_adjustments", params)
    assert first.state == "succeeded_with_exceptions", first.error
    assert first.summary["ledger"] == {"applied": 3, "already": 0, "refused": 1}  # over
    artifacts = get_settings().runs_dir / str(first.run_id) / "artifacts"
    changes = json.loads((artifacts / "ledger-changes.json").read_text())
    assert changes["written"] and changes["sha256_after"] != changes["sha256_before"]
    cells = {(c["sheet"], c["cell"]): (c["before"], c["after"]) for c in changes["cells"]}
    assert cells[("Ledger", "G4")] == ("0", "12.10")  # R-1's credit on INV-1
    assert cells[("Ledger", "F4")] == ("0", "0.08")  # R-4's charge of 0.07 + 0.01
    assert cells[("Adjustments", "A3")] == ("", "R-1")  # above the table's totals row
    assert any("totals row moved" in line for line in changes["structure"])
    assert {"Ledger!H4", "Adjustments!G6"} <= set(changes["stale_formulas"])  # the totals
    (action, data), = ledger_events()
    assert action == "ledger.edited" and data["run_id"] == first.run_id
    assert ["Ledger", "G4", "0", "12.10"] in data["cells"]
    assert len(data["cells"]) == len(changes["cells"])
    assert data["stale_formulas"] == changes["stale_formulas"]

    before = kept.read_bytes()
    again = execute("invoice_adjustments", params)
    assert again.summary["ledger"] == {"applied": 0, "already": 3, "refused": 1}
    assert kept.read_bytes() == before
    artifacts = get_settings().runs_dir / str(again.run_id) / "artifacts"
    changes = json.loads((artifacts / "ledger-changes.json").read_text())
    assert (changes["written"], changes["cells"]) == (False, [])
    assert changes["sha256_after"] == changes["sha256_before"]
    assert [action for action, _ in ledger_events()] == ["ledger.edited", "ledger.unchanged"]
    engine = sa.create_engine(get_settings().store_url)
    assert verify(engine).ok
    engine.dispose()
