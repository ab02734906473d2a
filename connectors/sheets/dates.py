"""Dates from messy cells: real dates, Excel day serials, text in declared formats.

Text is tried against the declared formats in order, so the declaration decides what
03/04/2024 means; nothing is guessed from the data.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from connectors.sheets.cells import BLANK, DATE, NUMBER, TEXT, kinds
from connectors.sheets.numbers import Parsed

_EXCEL_EPOCH = np.datetime64("1899-12-30", "D")  # day 0 of Excel's 1900 system
_FIRST_SERIAL, _LAST_SERIAL = 61, 2_958_465  # 1900-03-01 (after Excel's leap bug) .. 9999-12-31


def _serials(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Days since Excel's epoch (a fraction is a time of day, dropped) and which are bad."""
    numbers = values.astype(np.float64)
    bad = ~np.isfinite(numbers) | (numbers < _FIRST_SERIAL) | (numbers >= _LAST_SERIAL + 1)
    days = np.floor(np.where(bad, _FIRST_SERIAL, numbers)).astype(np.int64)
    return (_EXCEL_EPOCH + days.astype("timedelta64[D]")).astype("datetime64[ns]"), bad


def parse_dates(cells: np.ndarray, formats: tuple[str, ...], serials: bool,
                kind: np.ndarray | None = None) -> Parsed:
    kind = kinds(cells) if kind is None else kind
    blank = kind == BLANK
    bad = ~np.isin(kind, (BLANK, DATE, TEXT) + ((NUMBER,) if serials else ()))
    values = np.full(len(cells), np.datetime64("NaT"), dtype="datetime64[ns]")
    real = np.flatnonzero(kind == DATE)
    if len(real):
        stamps = pd.to_datetime(pd.Series(list(cells[real]), dtype=object))
        values[real] = stamps.dt.normalize().to_numpy(dtype="datetime64[ns]")
    numbers = np.flatnonzero(kind == NUMBER) if serials else np.zeros(0, np.int64)
    if len(numbers):
        values[numbers], bad[numbers] = _serials(cells[numbers])
    texts = np.flatnonzero(kind == TEXT)
    if len(texts):
        values[texts], bad[texts] = _from_text(cells[texts], formats, serials)
    forms = " or ".join(formats) + (" or an Excel date" if serials else "")
    return Parsed(values, blank, bad, f"a date as {forms}")


def _from_text(cells: np.ndarray, formats: tuple[str, ...],
               serials: bool) -> tuple[np.ndarray, np.ndarray]:
    text = pd.Series(cells, dtype="str").str.strip()
    found = pd.Series(pd.NaT, index=text.index, dtype="datetime64[ns]")
    for fmt in formats:
        todo = found.isna()
        if not todo.any():
            break
        parsed = pd.to_datetime(text[todo], format=fmt, errors="coerce")
        found[todo] = parsed.dt.normalize().astype("datetime64[ns]")
    # copies: under pandas' copy-on-write these arrays are read-only views of the Series
    values = found.to_numpy(dtype="datetime64[ns]", copy=True)
    bad = found.isna().to_numpy(copy=True)
    if serials:
        # a CSV cannot say "this is a date": its serials arrive as digits
        digits = bad & text.str.fullmatch(r"\d{5}(?:\.\d+)?").fillna(False).to_numpy(dtype=bool)
        if digits.any():
            values[digits], bad[digits] = _serials(text[digits].astype(float).to_numpy())
    return values, bad
