"""Macro-F1 of the category on held-out mail phrased unlike the training mail.

The caller brings the labelled mail: `train` to fit on, `test` to score (ideally
phrased differently, not a random split of one set), and optional `extra` sets scored
by the same model (e.g. a phrasing written after tuning, or hard cases). The toolkit
never generates mail itself: the benchmark builds the sets from the demo corpus.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bots.mail.understand.categories import CATEGORIES
from bots.mail.understand.config import load_rules
from bots.mail.understand.dataset import Example, Labelled, data_sha256
from bots.mail.understand.model import train as train_model
from bots.mail.understand.reader import MailToRead, Reader

NOON = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def evaluate(train: Sequence[Labelled], test: Sequence[Labelled], *,
             extra: Mapping[str, Sequence[Labelled]] | None = None, seed: int = 0,
             rules_path: Path | None = None) -> dict[str, Any]:
    """Fit on `train`, read `test` (and every `extra` set) as the triage recipe would.

    {"macro_f1", "per_category", "train", "test", "model_only_macro_f1",
    "rules_only_macro_f1", "rules_weight", "threshold", "review_share",
    "accuracy_not_reviewed", "extra": {name: {"macro_f1", "review_share",
    "accuracy_not_reviewed", "mails"}}, "data_sha256"}. `review_share` is the part of the
    mail sent to a person; `accuracy_not_reviewed` the accuracy of the rest (decided
    without a person)."""
    from sklearn.metrics import f1_score

    if not train or not test:
        raise ValueError("evaluate needs labelled mail to train on and to test on")
    rules = load_rules(rules_path)
    examples = [Example(e.subject, e.text, e.category, e.language) for e in train]
    model = train_model(examples, seed=seed, keywords=rules.classify.keywords)
    blend, rules_only = Reader(rules, model), Reader(rules, None)
    truth = [e.category for e in test]
    readings = _read(blend, test)
    predicted = [r.category for r in readings]
    per_category = f1_score(truth, predicted, labels=list(CATEGORIES), average=None, zero_division=0)
    return {
        "macro_f1": _macro(truth, predicted),
        "per_category": {c: round(float(f), 4) for c, f in zip(CATEGORIES, per_category, strict=True)},
        "train": len(train),
        "test": len(test),
        "model_only_macro_f1": _macro(truth, model.predict(
            [Example(e.subject, e.text, e.category, e.language) for e in test])),
        "rules_only_macro_f1": _macro(truth, [r.category for r in _read(rules_only, test)]),
        "rules_weight": rules.classify.rules_weight,
        "threshold": rules.classify.threshold,
        **_review(truth, readings),
        "extra": {name: _score(blend, examples) for name, examples in (extra or {}).items()},
        "data_sha256": data_sha256(examples),
    }


def _read(reader: Reader, examples: Sequence[Labelled]) -> list[Any]:
    return reader.read_many([MailToRead(e.subject, e.text, "customer@example.com", NOON)
                             for e in examples], NOON)


def _score(reader: Reader, examples: Sequence[Labelled]) -> dict[str, Any]:
    truth = [e.category for e in examples]
    readings = _read(reader, examples)
    return {"mails": len(examples), "macro_f1": _macro(truth, [r.category for r in readings]),
            **_review(truth, readings)}


def _review(truth: list[str], readings: list[Any]) -> dict[str, Any]:
    kept = [t == r.category for t, r in zip(truth, readings, strict=True) if not r.needs_review]
    return {"review_share": round(1 - len(kept) / len(truth), 4) if truth else 0.0,
            "accuracy_not_reviewed": round(sum(kept) / len(kept), 4) if kept else None}


def _macro(truth: list[str], predicted: list[str]) -> float:
    from sklearn.metrics import f1_score

    return round(float(f1_score(truth, predicted, labels=list(CATEGORIES), average="macro",
                                zero_division=0)), 4)
