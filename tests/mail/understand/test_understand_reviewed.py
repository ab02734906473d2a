"""Reviewed labels feed the next training: from a review export (CSV, xlsx) or from the
mail agents moved into Reviewed/<category> on a real Dovecot, each mail once."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import openpyxl
import pytest

from bots.errors import InputError
from bots.mail.understand.dataset import append_reviewed, load_csv
from bots.mail.understand.reviewed import REVIEWED_COLUMNS, add_reviewed, read_export
from bots.settings import get_settings
from connectors.mailbox import open_mailbox
from demo.mail_corpus import corpus, to_eml, write_csv
from demo.mail_world import MailWorld, generate_mails
from tests.helpers import run_cli

HEADER = ["message_id", "subject", "text", "suggestions", "category", "language"]
ROWS = [
    ["<a1@example.com>", "Cobro dos veces", "Me habéis cobrado dos veces la factura.", "x", "billing_credit", ""],
    ["<a2@example.com>", "Where is my parcel", "It has not arrived yet.", "x", "delivery_incident", "en"],
    ["<a3@example.com>", "Consulta", "¿Tienen tienda en Bilbao?", "x", "", ""],  # not reviewed yet
]


def write_export(path: Path, rows: list[list[str]]) -> Path:
    if path.suffix == ".xlsx":
        book = openpyxl.Workbook()
        sheet = book.active
        assert sheet is not None
        for row in [HEADER, *rows]:
            sheet.append(row)
        book.save(path)
    else:
        with open(path, "w", newline="", encoding="utf-8") as handle:
            csv.writer(handle, delimiter=";").writerows([HEADER, *rows])  # as a Spanish Excel saves
    return path


def rows_of(path: Path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_an_export_adds_the_reviewed_rows_once(tmp_path: Path, suffix: str) -> None:
    export = read_export(write_export(tmp_path / f"review{suffix}", ROWS))
    assert export.pending == 1 and [label.category for label in export.labels] == [
        "billing_credit", "delivery_incident"]
    assert [label.language for label in export.labels] == ["es", "en"]  # detected when empty
    target = tmp_path / "data" / "reviewed.csv"
    first = add_reviewed(target, export.labels)
    again = add_reviewed(target, read_export(tmp_path / f"review{suffix}").labels)
    assert (first.added, first.already, again.added, again.already) == (2, 0, 0, 2)
    rows = rows_of(target)
    assert list(rows[0]) == list(REVIEWED_COLUMNS)
    assert [r["message_id"] for r in rows] == ["<a1@example.com>", "<a2@example.com>"]
    # the training reads it like any labelled CSV
    assert [e.category for e in load_csv(target)] == ["billing_credit", "delivery_incident"]


def test_a_bad_export_row_is_refused_whole_and_nothing_is_written(tmp_path: Path) -> None:
    bad = write_export(tmp_path / "review.xlsx", [ROWS[0], [*ROWS[1][:4], "refund", "en"]])
    with pytest.raises(InputError) as caught:
        read_export(bad)
    message = str(caught.value)
    assert "review.xlsx" in message and "row 3" in message and "category" in message and "'refund'" in message
    headerless = tmp_path / "headerless.csv"
    headerless.write_text("asunto;texto\nHola;Adiós\n", encoding="utf-8")
    with pytest.raises(InputError, match="lacks columns"):
        read_export(headerless)


def test_a_file_made_before_message_ids_keeps_its_rows(tmp_path: Path) -> None:
    target = tmp_path / "reviewed.csv"
    with open(target, "w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows([["subject", "text", "category", "language"],
                                      ["Baja", "Den de baja el pedido", "order_cancellation", "es"]])
    assert append_reviewed(target, subject="Baja", text="Den de baja el pedido",
                           category="order_cancellation", language="es") is False  # known by its text
    added = add_reviewed(target, read_export(write_export(tmp_path / "r.csv", ROWS[:1])).labels)
    assert added.added == 1
    rows = rows_of(target)
    assert [r["subject"] for r in rows] == ["Baja", "Cobro dos veces"]
    assert rows[0]["message_id"] == "" and rows[1]["message_id"] == "<a1@example.com>"


@pytest.mark.slow
def test_mail_reviewed_reads_the_folders_agents_filed_on_dovecot(
        world_for, rpa_env: dict[str, str], tmp_path: Path) -> None:
    world: MailWorld = world_for(generate_mails(3, seed=2, automated_share=0.0, hard_share=0.0))
    mails, _ = corpus(seed=4, train_per_cell=1, test_per_cell=1)
    filed = {"Reviewed/complaint": [m for m in mails if m.category == "complaint"],
             "Reviewed/order_return": [m for m in mails if m.category == "order_return"],
             "Reviewed/misc": mails[:1]}  # not a category: reported, not learnt
    with open_mailbox(get_settings().mail.imap) as box:
        for folder, group in filed.items():
            for n, mail in enumerate(group):
                box.append(to_eml(mail, message_id=f"<{folder[9:]}-{n}@example.com>"), folder)
        box.append(b"Subject: \r\n\r\n", "Reviewed/complaint")  # nothing readable: skipped
    env = {**rpa_env, **world.env}
    export = write_export(tmp_path / "review.csv", ROWS)
    done = run_cli("mail", "reviewed", "--mailbox", "--export", str(export), "--json", env=env)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert (result["added"], result["already"], result["pending"]) == (6, 0, 1)
    assert result["folders"] == {"Reviewed/complaint": 2, "Reviewed/order_return": 2}
    assert any("Reviewed/misc: not a category" in line for line in result["skipped"])
    assert any(line.startswith("Reviewed/complaint UID") for line in result["skipped"])
    reviewed = Path(rpa_env["RPA_DATA_DIR"]) / "mail" / "reviewed.csv"
    learnt = {(r["message_id"], r["category"]) for r in rows_of(reviewed)}
    assert ("<complaint-1@example.com>", "complaint") in learnt
    assert ("<order_return-0@example.com>", "order_return") in learnt
    # a second pass finds nothing new: the agents' folders are read, never changed
    again = json.loads(run_cli("mail", "reviewed", "--mailbox", "--json", env=env).stdout)
    assert (again["added"], again["already"]) == (0, 4)
    assert len(world.folders()["Reviewed/complaint"]) == 3
    # and the next training learns from them by default
    train_csv = write_csv(corpus(seed=1, train_per_cell=3, test_per_cell=1)[0], tmp_path / "t.csv")
    trained = run_cli("mail", "train", "--data", str(train_csv), "--json", env=env)
    assert trained.returncode == 0, trained.stderr
    assert json.loads(trained.stdout)["examples"] == 66 + 6


def test_mail_reviewed_needs_something_to_read(rpa_env: dict[str, str]) -> None:
    done = run_cli("mail", "reviewed", env=rpa_env)
    assert done.returncode == 2 and "--export" in done.stderr
