"""What a raw cell is (blank, number, text, date, other) and its text form."""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict

import numpy as np
import pandas as pd

BLANK, NUMBER, TEXT, DATE, OTHER = 0, 1, 2, 3, 4


def _kind(value: object) -> int:
    if value is None:
        return BLANK
    if isinstance(value, str):
        return TEXT if value.strip() else BLANK
    if isinstance(value, bool):
        return OTHER
    if isinstance(value, int | float | np.integer | np.floating):
        return BLANK if isinstance(value, float) and math.isnan(value) else NUMBER
    if isinstance(value, dt.date):  # datetime is a date too
        return DATE
    return OTHER


_BY_TYPE: defaultdict[type, int] = defaultdict(lambda: OTHER, {
    str: TEXT, float: NUMBER, int: NUMBER, dt.datetime: DATE, dt.date: DATE, type(None): BLANK})


def kinds(cells: np.ndarray) -> np.ndarray:
    """The kind of every cell. By type first (C speed), then what types miss: empty or
    whitespace text and NaN are blank; odd types (numpy scalars, bools) take the slow look."""
    kind = np.fromiter(map(_BY_TYPE.__getitem__, map(type, cells)), dtype=np.int8,
                       count=len(cells))
    text = np.flatnonzero(kind == TEXT)
    strings = cells[text]
    spaces = np.fromiter(map(str.isspace, strings), dtype=bool, count=len(text))
    kind[text[(strings == "") | spaces]] = BLANK
    numbers = np.flatnonzero(kind == NUMBER)
    if len(numbers):
        kind[numbers[np.isnan(cells[numbers].astype(np.float64))]] = BLANK
    other = np.flatnonzero(kind == OTHER)
    kind[other] = [_kind(v) for v in cells[other]]
    return kind


def _text(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        text = value.strip()
        return text or None
    if isinstance(value, float):
        if math.isnan(value):
            return None
        # ids typed as numbers come back from xlsx as 12345.0: the person typed 12345
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ") if value.time() != dt.time() else value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def to_text(cells: np.ndarray) -> pd.Series:
    """Trimmed text; blanks are missing."""
    return pd.Series([_text(v) for v in cells], dtype="str")


def cell_repr(value: object) -> object:
    """A cell as an error message shows it."""
    return value.strip() if isinstance(value, str) else value
