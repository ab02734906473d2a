"""The rules half of classification: overrides that decide, keywords that give evidence.

Precedence, highest first: an override that matches decides (confidence 1.0); then,
with a model, the model's probabilities blended with the keyword evidence by
`rules_weight`; without a model, the keyword evidence alone. A mail with no keyword at
all leans to `general` with a low confidence, so it goes to review rather than being
guessed at.
"""

from __future__ import annotations

import re

from bots.mail.understand.categories import CATEGORIES
from bots.mail.understand.config import ClassifyRules, Override
from bots.mail.understand.text import fold

SUBJECT_WEIGHT = 2.0  # a subject line says what the mail is about more than a body line
NO_EVIDENCE = 0.5  # the weight `general` gets from silence; a keyword outweighs it
SLACK = 1.0  # mass kept back from every category so one weak hit is not a sure thing


def override_for(rules: ClassifyRules, subject: str, text: str, language: str) -> Override | None:
    folded = {"subject": fold(subject), "text": fold(text)}
    folded["any"] = folded["subject"] + "\n" + folded["text"]
    for override in rules.overrides:
        if override.language not in (None, language):
            continue
        if override.pattern.search(folded[override.field]):
            return override
    return None


Keywords = dict[str, dict[str, tuple[re.Pattern[str], ...]]]  # category -> language -> patterns


def keyword_scores(rules: ClassifyRules, subject: str, text: str, language: str) -> dict[str, float]:
    return scores_of(rules.keywords, subject, text, language)


def scores_of(keywords: Keywords, subject: str, text: str, language: str) -> dict[str, float]:
    """Per category: each of its patterns for `language` that matches counts once, or
    SUBJECT_WEIGHT when it matches the subject."""
    subject_f, text_f = fold(subject), fold(text)
    scores = dict.fromkeys(CATEGORIES, 0.0)
    for category, by_language in keywords.items():
        for pattern in by_language.get(language, ()):
            if pattern.search(subject_f):
                scores[category] += SUBJECT_WEIGHT
            elif pattern.search(text_f):
                scores[category] += 1.0
    return scores


def keyword_probabilities(scores: dict[str, float]) -> dict[str, float]:
    """Scores to a distribution that is confident only when the evidence is one-sided."""
    weights = dict(scores)
    if not any(weights.values()):
        weights["general"] = NO_EVIDENCE
    total = sum(weights.values()) + SLACK
    spread = SLACK / len(weights)
    return {name: (weight + spread) / total for name, weight in weights.items()}
