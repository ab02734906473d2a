"""The trained model: save, load, refuse a mismatched one; `runner.py mail train`."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bots.mail.understand import CATEGORIES, load_reader
from bots.mail.understand.dataset import Example, append_reviewed, data_sha256, load_sources
from bots.mail.understand.model import (
    FORMAT,
    META_FILE,
    MODEL_FILE,
    ModelError,
    ModelMismatch,
    load_model,
    save_model,
    train,
)
from demo.mail_corpus import corpus, write_csv, write_folders
from tests.helpers import run_cli

NOW = datetime(2026, 12, 3, 10, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def examples() -> list[Example]:
    mails, _ = corpus(seed=11, train_per_cell=8, test_per_cell=1)
    return [Example(m.subject, m.text, m.category, m.language) for m in mails]


@pytest.fixture(scope="module")
def saved(examples: list[Example], tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("model") / "model"
    return save_model(train(examples), folder, data_sha256_=data_sha256(examples), sources=["t"])


def copy_of(saved: Path, tmp_path: Path) -> Path:
    target = tmp_path / "copy"
    target.mkdir()
    for name in (MODEL_FILE, META_FILE):
        (target / name).write_bytes((saved / name).read_bytes())
    return target


def test_saved_model_loads_with_its_metadata(saved: Path, examples: list[Example]) -> None:
    model = load_model(saved, expect_data_sha256=data_sha256(examples))
    meta = json.loads((saved / META_FILE).read_text())
    assert meta["labels"] == sorted(CATEGORIES) and meta["format"] == FORMAT
    assert meta["metrics"]["examples"] == len(examples) and 0 <= meta["metrics"]["holdout_macro_f1"] <= 1
    probabilities = model.probabilities("Cancelar pedido", "Quiero cancelar el pedido ORD-123456", "es")
    assert set(probabilities) == set(CATEGORIES)
    assert abs(sum(probabilities.values()) - 1) < 1e-6
    assert max(probabilities, key=probabilities.__getitem__) == "order_cancellation"


def test_reader_with_model(saved: Path) -> None:
    reading = load_reader(saved, None, None).read(
        "Refund", "You charged me twice for invoice INV-2026-0005, please refund 12.50 EUR.",
        "a@example.com", NOW, NOW)
    assert (reading.category, reading.source, reading.language) == ("billing_credit", "model", "en")
    assert reading.facts["amount"] == ["12.50"] and reading.facts["invoice"] == ["INV-2026-0005"]


@pytest.mark.parametrize(("key", "value", "error", "message"), [
    ("sklearn", "0.24.2", ModelMismatch, "scikit-learn 0.24.2"),
    ("format", 99, ModelMismatch, "format 99"),
    ("labels", ["refunds", "general"], ModelMismatch, "refunds"),
    ("model_sha256", "0" * 64, ModelError, "sha256 is not the one"),
])
def test_mismatched_model_is_refused(saved: Path, tmp_path: Path, key: str, value: object,
                                     error: type[Exception], message: str) -> None:
    folder = copy_of(saved, tmp_path)
    meta = json.loads((folder / META_FILE).read_text())
    meta[key] = value
    (folder / META_FILE).write_text(json.dumps(meta))
    with pytest.raises(error, match=message):
        load_reader(folder, None, None)


def test_swapped_model_file_is_not_unpickled(saved: Path, tmp_path: Path) -> None:
    folder = copy_of(saved, tmp_path)
    (folder / MODEL_FILE).write_bytes(b"not the pickle the metadata hashed")
    with pytest.raises(ModelError, match="replaced or damaged"):
        load_model(folder)


def test_missing_model_and_other_data(saved: Path, tmp_path: Path) -> None:
    with pytest.raises(ModelError, match="no trained model here"):
        load_model(tmp_path)
    with pytest.raises(ModelMismatch, match="expected abc"):
        load_model(saved, expect_data_sha256="abc")


def test_too_little_data_is_refused() -> None:
    few = [Example("a", "cancel my order", "order_cancellation", "en")] * 5
    with pytest.raises(ValueError, match="too little labelled mail"):
        train(few)


def test_same_mail_in_csv_or_folders_hashes_the_same(tmp_path: Path) -> None:
    mails, _ = corpus(seed=5, train_per_cell=1, test_per_cell=1)
    csv_path = write_csv(mails, tmp_path / "train.csv")
    from_csv = load_sources([csv_path])
    from_eml = load_sources([write_folders(mails, tmp_path / "eml")])
    from_maildir = load_sources([write_folders(mails, tmp_path / "maildir", layout="maildir")])
    assert len(from_csv.examples) == len(from_eml.examples) == len(from_maildir.examples) == len(mails)
    assert data_sha256(from_csv.examples) == data_sha256(from_eml.examples) == data_sha256(from_maildir.examples)


@pytest.mark.slow
def test_mail_train_on_csv_and_reviewed_labels(rpa_env: dict[str, str], tmp_path: Path) -> None:
    mails, _ = corpus(seed=2, train_per_cell=5, test_per_cell=1)
    csv_path = write_csv(mails, tmp_path / "train.csv")
    reviewed = Path(rpa_env["RPA_DATA_DIR"]) / "mail" / "reviewed.csv"
    append_reviewed(reviewed, subject="Baja", text="Den de baja el pedido ORD-111111",
                    category="order_cancellation", language="es")
    done = run_cli("mail", "train", "--data", str(csv_path), "--json", env=rpa_env)
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout)
    assert summary["examples"] == len(mails) + 1  # the reviewed label is learnt too
    assert summary["sources"] == [str(csv_path), str(reviewed)]
    model_dir = Path(rpa_env["RPA_DATA_DIR"]) / "mail" / "model"
    assert load_model(model_dir).meta["data_sha256"] == summary["data_sha256"]


@pytest.mark.slow
def test_mail_train_on_category_folders(rpa_env: dict[str, str], tmp_path: Path) -> None:
    mails, _ = corpus(seed=3, train_per_cell=4, test_per_cell=1)
    root = write_folders(mails, tmp_path / "filed", layout="maildir")
    (root / "general" / "cur" / "broken:2,S").write_bytes(b"\xff\xfe not a mail at all")
    out = tmp_path / "model"
    done = run_cli("mail", "train", "--data", str(root), "--out", str(out), env=rpa_env)
    assert done.returncode == 0, done.stderr
    assert f"trained on {len(mails)} mails" in done.stdout or f"trained on {len(mails) + 1} mails" in done.stdout
    assert (out / MODEL_FILE).exists() and (out / META_FILE).exists()


@pytest.mark.parametrize(("content", "message"), [
    ("subject,text\nHola,Que tal\n", "lacks columns"),
    ("subject,text,category\nHola,Que tal,refunds\n", r"row 2.*column 'category'.*refunds"),
    ("subject,text,category,language\nHola,Que tal,general,fr\n", r"row 2.*column 'language'"),
])
def test_mail_train_refuses_a_bad_csv(rpa_env: dict[str, str], tmp_path: Path, content: str,
                                      message: str) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text(content)
    done = run_cli("mail", "train", "--data", str(bad), env=rpa_env)
    assert done.returncode == 2
    assert str(bad) in done.stderr and __import__("re").search(message, done.stderr.replace("\n", " "))
    assert not (Path(rpa_env["RPA_DATA_DIR"]) / "mail" / "model").exists()


def test_mail_train_refuses_a_folder_that_is_not_a_category(rpa_env: dict[str, str], tmp_path: Path) -> None:
    (tmp_path / "filed" / "refunds").mkdir(parents=True)
    done = run_cli("mail", "train", "--data", str(tmp_path / "filed"), env=rpa_env)
    assert done.returncode == 2 and "not a category" in done.stderr


def test_read_many_reads_as_read_does(saved: Path) -> None:
    from bots.mail.understand import MailToRead

    mails, _ = corpus(seed=4, train_per_cell=1, test_per_cell=1)
    reader = load_reader(saved, None, None)
    batch = [MailToRead(m.subject, m.text, m.sender, NOW) for m in mails]
    assert reader.read_many(batch, NOW) == [reader.read(*mail, NOW) for mail in batch]
    assert reader.read_many([], NOW) == []


def test_mail_read_shows_readings_of_stored_mail(rpa_env: dict[str, str], tmp_path: Path,
                                                 saved: Path) -> None:
    mails, _ = corpus(seed=6, train_per_cell=1, test_per_cell=1)
    root = write_folders(mails[:3], tmp_path / "filed")
    files = sorted(str(p) for p in root.rglob("*.eml"))
    done = run_cli("mail", "read", *files, "--model", str(saved), env=rpa_env)
    assert done.returncode == 0, done.stderr
    lines = [json.loads(line) for line in done.stdout.splitlines()]
    assert [line["file"] for line in lines] == files
    assert all(line["source"] == "model" and line["category"] in CATEGORIES for line in lines)
    refused = run_cli("mail", "read", str(tmp_path / "missing.eml"), env=rpa_env)
    assert refused.returncode == 2 and "missing.eml" in refused.stderr


def test_training_csv_with_semicolons_and_quoted_newlines(tmp_path: Path) -> None:
    path = tmp_path / "train.csv"
    path.write_text('subject;text;category\n"Baja";"Hola;\nden de baja el pedido";order_cancellation\n',
                    encoding="utf-8")
    (example,) = load_sources([path]).examples
    assert (example.text, example.category, example.language) == (
        "Hola;\nden de baja el pedido", "order_cancellation", "es")


def test_the_model_learns_the_keywords_of_the_rules_it_is_trained_with(tmp_path: Path) -> None:
    from bots.mail.understand import train_and_save

    rules = tmp_path / "rules.toml"
    rules.write_text("[keywords.complaint]\nes = ['zorglub\\w*']\nen = ['grumble']\n", encoding="utf-8")
    mails, _ = corpus(seed=1, train_per_cell=3, test_per_cell=1)
    train_and_save([write_csv(mails, tmp_path / "t.csv")], tmp_path / "model", rules)
    parts = dict(load_model(tmp_path / "model").pipeline.named_steps["features"].transformer_list)
    learnt = parts["keywords"].keywords
    assert [p.pattern for p in learnt["complaint"]["es"]] == ["zorglub\\w*"]
    assert learnt["billing_credit"] == {"es": (), "en": ()}  # the user's [keywords] replaced ours
    scores = parts["keywords"].transform([("Zorglubs otra vez", "", "es"), ("Hola", "", "es")])
    assert scores[0].tolist()[9] > 0 == scores[1].tolist()[9]  # complaint's column
