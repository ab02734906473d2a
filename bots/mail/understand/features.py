"""What the model sees of a mail (subject, new text, language), in three parts:

- words: folded (lowercase, no accents), single words and pairs (TF-IDF);
- characters: 2-5 letter pieces of the folded words (TF-IDF), so a typo or another
  form of a word ('devoluciones', 'devolver') still shares most of its pieces (a
  Snowball stemmer on the words was measured too and did not help: the pieces do it);
- keywords: per category, how strongly the rules' keyword patterns match (the subject
  counting double), so the model learns how far to trust each category's lexicon, and
  the lexicon, written from what such mail says rather than from the training mail,
  carries the model to phrasings the training mail never had.

The keyword patterns are taken from the rules at training time and saved inside the
model, so a model reads mail the way it was trained even if the rules file changes
afterwards (the blend in `reader` uses the current rules; retrain to teach the model).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin

from bots.mail.understand.categories import CATEGORIES
from bots.mail.understand.rules import Keywords, scores_of
from bots.mail.understand.text import fold

Mail = tuple[str, str, str]  # subject, new text, language
# A keyword hit weighs this much against the TF-IDF rows (each of length 1): enough for
# the model to use the lexicon where the mail's words are new to it, not so much that it
# learns to ignore the words (0.05 to 0.5 measured on the demo corpus: 0.1 best, 0.2
# three points of macro-F1 lower, 0.5 about ten).
KEYWORD_SCALE = 0.1


def word_texts(mails: Sequence[Mail]) -> list[str]:
    # the subject counts twice: it is the customer's own summary of the mail
    return [f"lang_{language} {fold(subject)} {fold(subject)} {fold(text)}"
            for subject, text, language in mails]


def char_texts(mails: Sequence[Mail]) -> list[str]:
    return [f"{fold(subject)} {fold(subject)} {fold(text)}" for subject, text, _ in mails]


class KeywordFeatures(TransformerMixin, BaseEstimator):  # type: ignore[misc]
    """One column per category: the rules' keyword score of the mail, times `scale`."""

    def __init__(self, keywords: Keywords | None = None, scale: float = KEYWORD_SCALE) -> None:
        self.keywords = keywords
        self.scale = scale

    def fit(self, mails: Sequence[Mail], labels: Any = None) -> KeywordFeatures:
        return self

    def transform(self, mails: Sequence[Mail]) -> Any:
        rows = np.zeros((len(mails), len(CATEGORIES)))
        if self.keywords:
            for n, (subject, text, language) in enumerate(mails):
                scores = scores_of(self.keywords, subject, text, language)
                rows[n] = [scores[name] for name in CATEGORIES]
        return rows * self.scale
