"""Train and save in one call: what `runner.py mail train` does, for scripts and demos."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bots.mail.understand.config import load_rules
from bots.mail.understand.dataset import data_sha256, load_sources
from bots.mail.understand.model import save_model, train


@dataclass(frozen=True)
class Trained:
    folder: Path
    examples: int
    data_sha256: str
    sources: list[str]
    skipped: list[str]
    metrics: dict[str, Any]

    def summary(self) -> dict[str, Any]:
        return {"model": str(self.folder), "examples": self.examples, "data_sha256": self.data_sha256,
                "sources": self.sources, "skipped": self.skipped, **self.metrics}


def train_and_save(sources: list[Path], folder: Path, rules_path: Path | None = None) -> Trained:
    """Read every source (CSV or category folders), fit, write the model folder whole.
    The model learns the keywords of `rules_path` (None: the packaged rules): give the
    rules file the triage reads with. Bad data raises `InputError` (or ValueError: too
    little of it), a bad rules file `RulesError`, before anything is written."""
    rules = load_rules(rules_path)
    loaded = load_sources(sources, rules.classify.default_language)
    model = train(loaded.examples, keywords=rules.classify.keywords)
    digest = data_sha256(loaded.examples)
    save_model(model, folder, data_sha256_=digest, sources=loaded.sources)
    return Trained(Path(folder), len(loaded.examples), digest, loaded.sources, loaded.skipped,
                   dict(model.meta["metrics"]))
