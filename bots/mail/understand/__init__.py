"""Understanding a customer's mail: language, category, facts, priority.

    reader = load_reader(model_path, rules_path, customers)   # None: packaged defaults
    reading = reader.read(subject, text, sender, received_at, now)

Language is detected offline (py3langid, its model in the wheel). The category comes
from the rules file's overrides, then a trained model (`runner.py mail train`) blended
with the rules' keywords, or the keywords alone when no model is given; below the
rules' threshold the reading `needs_review`, with three suggestions. Facts (invoice,
order, customer, amount, iban, date) and priority follow the rules file too.

Errors, each a ValueError so a bad file is refused before any mail is read:

    RulesError       the rules file (TOML) is unusable: file and key named
    ModelError       no usable model at the path (missing, corrupt, not ours)
    └── ModelMismatch  a model made by another format or scikit-learn version, or
                       for labels this toolkit does not know: retrain it
    InputError       (bots.errors) a bad training CSV or customer file: file, row, column
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bots.mail.understand.categories import CATEGORIES, LANGUAGES
from bots.mail.understand.config import RulesError, load_rules
from bots.mail.understand.dataset import append_reviewed
from bots.mail.understand.reader import MailToRead, Reader, Reading, load_reader

__all__ = ["CATEGORIES", "LANGUAGES", "MailToRead", "Reader", "Reading", "RulesError", "evaluate",
           "append_reviewed", "load_reader", "load_rules", "train_and_save"]


def train_and_save(sources: list[Path], folder: Path, rules_path: Path | None = None) -> Any:
    """Fit on CSVs and category folders and write the model folder (`runner.py mail train`)."""
    from bots.mail.understand.training import train_and_save as run

    return run(sources, folder, rules_path)


def evaluate(*args: Any, **kwargs: Any) -> dict[str, Any]:
    """Train on labelled mail, score held-out mail phrased otherwise; see
    `bots.mail.understand.evaluation.evaluate` (imported late: scikit-learn is heavy)."""
    from bots.mail.understand.evaluation import evaluate as run

    return run(*args, **kwargs)
