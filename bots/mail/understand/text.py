"""Text as the rules and the model read it: folded (lowercase, no accents), quotes cut."""

from __future__ import annotations

import re
import unicodedata

# A reply's history starts at a quote header or a forwarded block; what follows is the
# customer's earlier mail or ours, and would teach the classifier the wrong category.
_HISTORY = re.compile(
    r"^(?:>|-{2,}\s*(?:original message|mensaje original|forwarded message|mensaje reenviado)"
    r"|on .{4,120} wrote:\s*$|el .{4,120} escribi[oó]:\s*$|from:\s|de:\s)",
    re.IGNORECASE | re.MULTILINE)


def fold(text: str) -> str:
    """'Devolución ÚRGENTE' -> 'devolucion urgente': how patterns and text are compared."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def new_text(text: str) -> str:
    """The part of a mail body the customer just wrote: quoted history cut off."""
    match = _HISTORY.search(text)
    return text[:match.start()] if match and match.start() > 0 else text
