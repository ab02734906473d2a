"""The one class every input row ends in."""

from __future__ import annotations

from enum import StrEnum


class MatchClass(StrEnum):
    MATCHED = "matched"
    MATCHED_TOLERANCE = "matched_tolerance"
    GROUPED = "grouped"
    AMOUNT_BREAK = "amount_break"
    DATE_BREAK = "date_break"
    AMBIGUOUS = "ambiguous"
    DUPLICATE = "duplicate"
    MISSING_LEFT = "missing_left"  # a right row with no counterpart on the left
    MISSING_RIGHT = "missing_right"  # a left row with no counterpart on the right

    @property
    def code(self) -> int:
        return _CODES[self]

    @classmethod
    def from_code(cls, code: int) -> MatchClass:
        return _ORDER[code]

    @property
    def is_break(self) -> bool:
        """Rows a person has to look at."""
        return self not in (MatchClass.MATCHED, MatchClass.MATCHED_TOLERANCE, MatchClass.GROUPED)

    @property
    def title(self) -> str:  # type: ignore[override]  # the class's heading, not str.title
        return _TITLES[self]

    @property
    def description(self) -> str:
        return _DESCRIPTIONS[self]


_ORDER: tuple[MatchClass, ...] = tuple(MatchClass)
_CODES = {cls: code for code, cls in enumerate(_ORDER)}
UNSET = -1  # code of a row no step has classified yet

_TITLES = {
    MatchClass.MATCHED: "Matched",
    MatchClass.MATCHED_TOLERANCE: "Within tolerance",
    MatchClass.GROUPED: "Settled by group",
    MatchClass.AMOUNT_BREAK: "Amount break",
    MatchClass.DATE_BREAK: "Date break",
    MatchClass.AMBIGUOUS: "Ambiguous",
    MatchClass.DUPLICATE: "Duplicate",
    MatchClass.MISSING_LEFT: "Missing left",
    MatchClass.MISSING_RIGHT: "Missing right",
}

_DESCRIPTIONS = {
    MatchClass.MATCHED: "paired, amounts equal",
    MatchClass.MATCHED_TOLERANCE: "paired, amounts differ within the tolerance",
    MatchClass.GROUPED: "one row settles several on the other side",
    MatchClass.AMOUNT_BREAK: "paired on the key, amounts differ beyond the tolerance",
    MatchClass.DATE_BREAK: "paired on the key, dates outside the window",
    MatchClass.AMBIGUOUS: "two or more equally good candidates: a person decides",
    MatchClass.DUPLICATE: "repeats an earlier row of the same file",
    MatchClass.MISSING_LEFT: "only in the right file",
    MatchClass.MISSING_RIGHT: "only in the left file",
}
