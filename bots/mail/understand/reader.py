"""Reading one mail: language, category (with review below a threshold), facts, priority."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import NamedTuple, Protocol

from bots.mail.understand.categories import CATEGORIES
from bots.mail.understand.config import Rules, load_rules
from bots.mail.understand.extract import extract_facts
from bots.mail.understand.language import detect_language
from bots.mail.understand.priority import Customers, PriorityInputs, load_customers, priority_of
from bots.mail.understand.rules import keyword_probabilities, keyword_scores, override_for
from bots.mail.understand.text import new_text

SUGGESTIONS = 3


class Classifier(Protocol):
    def probabilities_many(self, mails: list[tuple[str, str, str]]) -> list[dict[str, float]]: ...


class MailToRead(NamedTuple):
    subject: str
    text: str
    sender: str
    received_at: datetime


@dataclass(frozen=True)
class Reading:
    """What the toolkit understood of one mail. `facts` has the payload's keys, always."""

    language: str  # "es" | "en"
    category: str  # one of CATEGORIES
    confidence: float  # 0..1, of `category`
    suggestions: list[tuple[str, float]]  # the three likeliest categories, best first
    needs_review: bool  # confidence below the threshold: a person picks the category
    priority: int  # 0..1000, higher is worked sooner
    facts: dict[str, list[str]]
    source: str = "rules"  # what decided: "override", "model" or "rules"
    notes: tuple[str, ...] = field(default=())  # e.g. an IBAN whose check digits fail


class Reader:
    def __init__(self, rules: Rules, model: Classifier | None = None,
                 customers: Customers | None = None) -> None:
        self.rules, self.model = rules, model
        self.customers = customers or Customers()

    def read(self, subject: str, text: str, sender: str, received_at: datetime,
             now: datetime) -> Reading:
        return self.read_many([MailToRead(subject, text, sender, received_at)], now)[0]

    def read_many(self, mails: Sequence[MailToRead], now: datetime) -> list[Reading]:
        """`read` for a batch: the same readings, the model called once (scikit-learn's
        cost is mostly per call: a batch of 100 is 5-10x cheaper per mail, see README)."""
        prepared = []
        for mail in mails:
            subject, body = mail.subject or "", new_text(mail.text or "")
            language, _ = detect_language(f"{subject}\n{body}", self.rules.classify.default_language)
            prepared.append((subject, body, language))
        classified = self.classify_many(prepared)
        return [self._reading(mail, subject, body, language, probabilities, source, now)
                for mail, (subject, body, language), (probabilities, source)
                in zip(mails, prepared, classified, strict=True)]

    def _reading(self, mail: MailToRead, subject: str, body: str, language: str,
                 probabilities: dict[str, float], source: str, now: datetime) -> Reading:
        ranked = sorted(probabilities.items(), key=lambda kv: (-kv[1], CATEGORIES.index(kv[0])))
        category, confidence = ranked[0]
        received_at = _utc(mail.received_at)
        extraction = extract_facts(f"{subject}\n{body}", language, received_at.date(),
                                   self.rules.extract)
        tier = self.customers.tier(mail.sender or "", extraction.facts["customer"])
        priority = priority_of(self.rules.priority, PriorityInputs(
            category=category, language=language, subject=subject, text=body,
            received_at=received_at, now=_utc(now), tier=tier,
            amounts=tuple(Decimal(a) for a in extraction.facts["amount"])))
        return Reading(
            language=language, category=category, confidence=round(confidence, 4),
            suggestions=[(name, round(p, 4)) for name, p in ranked[:SUGGESTIONS]],
            needs_review=confidence < self.rules.classify.threshold,
            priority=priority, facts=extraction.facts, source=source, notes=extraction.notes)

    def classify(self, subject: str, body: str, language: str) -> tuple[dict[str, float], str]:
        return self.classify_many([(subject, body, language)])[0]

    def classify_many(self, mails: list[tuple[str, str, str]]) -> list[tuple[dict[str, float], str]]:
        rules = self.rules.classify
        results: list[tuple[dict[str, float], str] | None] = []
        for subject, body, language in mails:
            override = override_for(rules, subject, body, language)
            results.append(None if override is None else
                           ({name: float(name == override.category) for name in CATEGORIES}, "override"))
        pending = [n for n, found in enumerate(results) if found is None]
        from_model = (self.model.probabilities_many([mails[n] for n in pending])
                      if self.model is not None and pending else [])
        weight = rules.rules_weight
        for turn, n in enumerate(pending):
            from_rules = keyword_probabilities(keyword_scores(rules, *mails[n]))
            if self.model is None:
                results[n] = (from_rules, "rules")
                continue
            model_p = from_model[turn]
            results[n] = ({name: (1 - weight) * model_p.get(name, 0.0) + weight * from_rules[name]
                           for name in CATEGORIES}, "model")
        return [found for found in results if found is not None]


def _utc(moment: datetime) -> datetime:
    # a naive time is taken as UTC, the toolkit's storage time, rather than refused
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def load_reader(model_path: Path | None = None, rules_path: Path | None = None,
                customers: Path | None = None) -> Reader:
    """A reader with the packaged rules (or `rules_path`'s), the model at `model_path`
    (None: rules only) and the customer tiers of `customers` (None: no tiers)."""
    rules = load_rules(Path(rules_path) if rules_path is not None else None)
    model = None
    if model_path is not None:
        from bots.mail.understand.model import load_model

        model = load_model(Path(model_path))
    tiers = load_customers(Path(customers), rules.priority.tiers) if customers is not None else None
    return Reader(rules, model, tiers)
