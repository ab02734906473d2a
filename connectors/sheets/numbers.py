"""Numbers from messy cells, exactly: `1,234.56`, `1.234,56`, `(12,50)`, `-5 €`, 1234.5.

Money never passes through a float it could be rounded by: text is cut into its
integer and fraction digits, and a number cell (which an xlsx stores as a double) is
accepted only when it is within rounding noise of a whole count of minor units.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import numpy as np
import pandas as pd

from connectors.sheets.cells import BLANK, NUMBER, TEXT, kinds
from connectors.sheets.schema import NumberStyle

_MINUS = "\u2212"  # typographic minus; literal, as pyarrow's RE2 knows no \u escapes
_SHAPE = (r"^(?P<open>\()?(?P<lead>[+\-" + _MINUS + r"])?(?:[A-Z]{3}|[€$£¥])?(?P<lead2>[+\-"
          + _MINUS + r"])?(?P<num>\d[\d.,]*)(?:[A-Z]{3}|[€$£¥])?(?P<trail>[+\-" + _MINUS
          + r"])?(?P<close>\))?$")
_SPACES = "[\\s\u00a0\u202f']"  # spaces, no-break spaces and apostrophes group thousands
_POINT = r"^(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?$"
_COMMA = r"^(?:\d{1,3}(?:\.\d{3})+|\d+)(?:,\d+)?$"
_MAX_EXACT = 2**53  # a double holds every integer up to here


@dataclass(frozen=True)
class Parsed:
    """Per cell: the value (minor units, or Decimal), blank, bad; and what was expected."""

    values: np.ndarray
    blank: np.ndarray
    bad: np.ndarray
    expected: str


def _example(style: NumberStyle) -> str:
    return {NumberStyle.COMMA: "1.234,56", NumberStyle.POINT: "1,234.56"}.get(
        style, "1,234.56 or 1.234,56")


def _decide_style(num: pd.Series, style: NumberStyle) -> tuple[NumberStyle, pd.Series]:
    """The column's style and the cells that cannot be read in it."""
    point = num.str.fullmatch(_POINT).fillna(False).astype(bool)
    comma = num.str.fullmatch(_COMMA).fillna(False).astype(bool)
    if style is NumberStyle.AUTO:
        only_point, only_comma = int((point & ~comma).sum()), int((comma & ~point).sum())
        style = NumberStyle.COMMA if only_comma > only_point else NumberStyle.POINT
        if not (only_point or only_comma):
            # nothing tells: a lone separator before three digits could be either
            unsure = num.str.contains(r"[.,]\d{3}$", regex=True).fillna(False).astype(bool)
            return style, ~point | unsure
    return style, ~(comma if style is NumberStyle.COMMA else point)


def _canonical(text: pd.Series, style: NumberStyle) -> tuple[pd.Series, pd.Series, pd.Series]:
    """(sign, digits with '.' as decimal point, bad) for text cells."""
    squeezed = text.str.replace(_SPACES, "", regex=True)
    parts = squeezed.str.extract(_SHAPE)
    signs = parts[["lead", "lead2", "trail"]].notna().sum(axis=1)
    parens = parts["open"].notna()
    bad = parts["num"].isna() | (parens != parts["close"].notna()) | (signs + parens > 1)
    negative = parens | parts[["lead", "lead2", "trail"]].isin(["-", _MINUS]).any(axis=1)
    num = parts["num"].fillna("0")
    style, unreadable = _decide_style(num, style)
    bad |= unreadable
    if style is NumberStyle.COMMA:
        num = num.str.replace(".", "", regex=False).str.replace(",", ".", regex=False)
    else:
        num = num.str.replace(",", "", regex=False)
    return negative, num.where(~bad, "0"), bad


def parse_numbers(cells: np.ndarray, *, scale: int | None, style: NumberStyle,
                  integer: bool = False, kind: np.ndarray | None = None) -> Parsed:
    """Money (scale = minor digits) as int64, integers (integer=True), else Decimals."""
    kind = kinds(cells) if kind is None else kind
    blank = kind == BLANK
    bad = ~np.isin(kind, (BLANK, NUMBER, TEXT))
    exact = scale is not None or integer
    digits = 0 if integer else (scale or 0)
    values = np.zeros(len(cells), np.int64) if exact else np.full(len(cells), None, object)
    numbers, texts = np.flatnonzero(kind == NUMBER), np.flatnonzero(kind == TEXT)
    if len(numbers):
        got, wrong = (_from_doubles(cells[numbers], digits) if exact
                      else (np.array([Decimal(repr(float(v))) for v in cells[numbers]]), None))
        values[numbers] = got
        if wrong is not None:
            bad[numbers] = wrong
    if len(texts):
        got, wrong = _from_text(pd.Series(cells[texts], dtype="str"), digits, style, exact)
        values[texts] = got
        bad[texts] = wrong
    if integer:
        expected = "a whole number"
    elif scale is not None:
        expected = f"an amount like {_example(style)} with at most {scale} decimals"
    else:
        expected = f"a number like {_example(style)}"
    return Parsed(values, blank, bad, expected)


def _from_doubles(cells: np.ndarray, digits: int) -> tuple[np.ndarray, np.ndarray]:
    doubles = cells.astype(np.float64)
    scaled = doubles * 10**digits
    rounded = np.round(scaled)
    # within a few ulps of a whole count: 1234.56 * 100 = 123455.99999999999 is 123456
    noise = np.abs(scaled) * 8 * np.finfo(np.float64).eps + 1e-9
    wrong = ~np.isfinite(scaled) | (np.abs(scaled - rounded) > noise) | (np.abs(rounded) >= _MAX_EXACT)
    return np.where(wrong, 0, rounded).astype(np.int64), wrong


def _from_text(text: pd.Series, digits: int, style: NumberStyle,
               exact: bool) -> tuple[np.ndarray, np.ndarray]:
    negative, num, bad = _canonical(text, style)
    whole = num.str.extract(r"^(?P<int>\d+)(?:\.(?P<frac>\d*))?$")
    frac = whole["frac"].fillna("")
    if not exact:
        decimals = [Decimal(("-" if neg else "") + n) for neg, n in zip(negative, num, strict=True)]
        return np.array(decimals, dtype=object), bad.to_numpy()
    too_fine = frac.str.rstrip("0").str.len() > digits
    too_big = whole["int"].str.lstrip("0").str.len() > 17 - digits
    bad = (bad | too_fine | too_big).to_numpy()
    ints = whole["int"].where(~bad, "0").astype("int64").to_numpy()
    padded = frac.str.slice(0, digits).str.ljust(digits, "0") if digits else None
    fraction = padded.where(~bad, "0").astype("int64").to_numpy() if padded is not None else 0
    value = ints * 10**digits + fraction
    return np.where(negative.to_numpy(), -value, value), bad
