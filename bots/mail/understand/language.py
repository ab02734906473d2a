"""Which language a mail is written in, es or en, offline.

py3langid ships its model inside the wheel (no download at run time). It is narrowed to
the two languages the back office answers in; a text too short to tell (an empty body,
"OK", a bare invoice number) falls back to the configured default, because a guess at
0.5 is a coin toss and the answer must at least be in the house language.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from bots.mail.understand.categories import LANGUAGES

_LETTERS = re.compile(r"[^\W\d_]+")
MIN_LETTERS = 8  # below this many letters the detector is guessing
MIN_CONFIDENCE = 0.7


@lru_cache(maxsize=1)
def _identifier() -> Any:
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    identifier.set_languages(list(LANGUAGES))
    return identifier


def detect_language(text: str, default: str = "es") -> tuple[str, float]:
    """(language, confidence); the default with confidence 0 when the text cannot tell."""
    letters = sum(len(word) for word in _LETTERS.findall(text))
    if letters < MIN_LETTERS:
        return default, 0.0
    language, confidence = _identifier().classify(text)
    if confidence < MIN_CONFIDENCE:
        return default, float(confidence)
    return str(language), float(confidence)
