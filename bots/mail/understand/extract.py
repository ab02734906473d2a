"""Facts a mail states: invoice, order and customer references, amounts, IBANs, dates.

The reference patterns come from the rules file ([extract]); amounts, IBANs and dates
are read here because their rules are not a matter of taste:

- an amount is a number next to a currency word or symbol, in either convention
  (`1.234,56 €`, `EUR 1,234.56`); one that could be read both ways (`1.234 €`) is a
  thousand and more, since money has two decimals at most; kept as text "1234.56";
- an IBAN counts only when python-stdnum validates its check digits; an IBAN-shaped
  string that fails is reported in `notes`, never in the facts;
- a date is an ISO date, from `01/12/2026`, `2026-12-01`, `1 de diciembre de 2026`,
  `December 1st, 2026` or `1 Dec`; a date without its year takes the year that puts it
  nearest the mail's arrival (a promise made in December for "15 de enero" is January
  next year). Digits-only dates follow the language's order (dmy/mdy, configurable).
  Forward-looking relative dates count too, from the mail's arrival: mañana/tomorrow,
  pasado mañana/the day after tomorrow, "el viernes"/"next Friday" (the next such day
  after arrival), fin de mes/end of the month. "Hoy"/"today" does not: it says when
  the customer writes, not when something is due.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from functools import lru_cache

from babel.dates import get_day_names, get_month_names
from stdnum import iban as stdnum_iban

from bots.mail.understand.config import ExtractRules
from bots.mail.understand.text import fold
from bots.money import CENT, Convention, parse_money

FACT_KINDS = ("invoice", "order", "customer", "amount", "iban", "date")
# at most fifteen digits before the decimals: a longer run of digits is no amount (an
# account number, a tracking code) and would overflow the cents arithmetic
_NUMBER = r"[1-9]\d{0,2}(?:[.,\u00a0 ]\d{3}){1,4}(?:[.,]\d{1,2})?|\d{1,15}(?:[.,]\d{1,2})?"
_IBAN = re.compile(r"\b[A-Z]{2}\d{2}(?:\s?[A-Z0-9]{4}){2,7}(?:\s?[A-Z0-9]{1,3})?\b")
_NUMERIC_DATE = re.compile(r"(?<![\d/.-])(\d{1,2})([/.-])(\d{1,2})\2(\d{4}|\d{2})(?![\d/.-])")
_ISO_DATE = re.compile(r"(?<![\d-])(\d{4})-(\d{2})-(\d{2})(?![\d-])")
_ORDINAL = r"(?:st|nd|rd|th|º|o)?"


@dataclass(frozen=True)
class Extraction:
    facts: dict[str, list[str]]
    notes: tuple[str, ...]


def extract_facts(text: str, language: str, received: date, rules: ExtractRules) -> Extraction:
    notes: list[str] = []
    facts = {
        "invoice": _references(text, rules.invoice),
        "order": _references(text, rules.order),
        "customer": _references(text, rules.customer),
        "amount": amounts(text, language, rules.currency),
        "iban": ibans(text, notes),
        "date": dates(text, language, received, rules.numeric_dates[language]),
    }
    return Extraction(facts, tuple(notes))


def _unique(values: list[str]) -> list[str]:
    return list(dict.fromkeys(values))


def _references(text: str, patterns: tuple[re.Pattern[str], ...]) -> list[str]:
    found = []
    for pattern in patterns:
        for match in pattern.finditer(text):
            value = match.group(1) if pattern.groups else match.group(0)
            found.append(re.sub(r"\s+", "-", value.strip()).upper())
    return _unique(found)


@lru_cache(maxsize=8)
def _amount_pattern(currency: tuple[str, ...]) -> re.Pattern[str]:
    words = "|".join(f"(?<![a-z]){word}(?![a-z])" if word[:1].isalpha() else word
                     for word in currency)
    return re.compile(rf"(?:(?:{words})\s?(?P<after>{_NUMBER})(?!\d)|(?<![\d.,])(?P<before>{_NUMBER})\s?(?:{words}))",
                      re.IGNORECASE)


def amounts(text: str, language: str, currency: tuple[str, ...]) -> list[str]:
    found = []
    for match in _amount_pattern(currency).finditer(text):
        written = (match.group("after") or match.group("before")).replace("\u00a0", " ").strip()
        value = _read_amount(written, language)
        if value is not None:
            found.append(str(value.quantize(CENT)))
    return _unique(found)


def _read_amount(written: str, language: str) -> Decimal | None:
    try:
        return parse_money(written)
    except ValueError:
        pass
    # "1.234" or "1,234": money has at most two decimals, so the mark groups thousands,
    # whichever convention the mail's language writes in
    preferred = Convention.COMMA if language == "es" else Convention.POINT
    for convention in (preferred, *(c for c in Convention if c is not preferred)):
        try:
            value = parse_money(written, convention)
        except ValueError:
            continue
        if value == value.quantize(CENT):
            return value
    return None


def ibans(text: str, notes: list[str]) -> list[str]:
    found = []
    for match in _IBAN.finditer(text.upper()):
        groups = match.group(0).split()
        # a word glued after the IBAN ("... 1332 GRAC") may have been taken as a group
        candidates = ["".join(groups), "".join(groups[:-1])] if len(groups) > 1 else ["".join(groups)]
        valid = next((c for c in candidates if len(c) >= 15 and stdnum_iban.is_valid(c)), None)
        if valid:
            found.append(valid)
        elif len(candidates[0]) >= 15:
            notes.append(f"invalid IBAN {candidates[0]} (check digits or length do not match)")
    return _unique(found)


@lru_cache(maxsize=4)
def _months(language: str) -> dict[str, int]:
    names: dict[str, int] = {}
    for width in ("wide", "abbreviated"):
        for context in ("format", "stand-alone"):
            for number, name in get_month_names(width, context, locale=language).items():
                names[fold(name).rstrip(".")] = number
    if language == "es":
        names["setiembre"] = 9
    return names


@lru_cache(maxsize=4)
def _word_dates(language: str) -> tuple[re.Pattern[str], ...]:
    months = "|".join(sorted(map(re.escape, _months(language)), key=len, reverse=True))
    day_month = (rf"\b(?P<day>\d{{1,2}}){_ORDINAL}\s+(?:de\s+|of\s+)?(?P<month>{months})\.?"
                 rf"(?:,?\s+(?:de\s+|del\s+)?(?P<year>\d{{4}}))?\b")
    month_day = (rf"\b(?P<month>{months})\.?\s+(?P<day>\d{{1,2}}){_ORDINAL}"
                 rf"(?:,?\s+(?P<year>\d{{4}}))?\b")
    return (re.compile(day_month), re.compile(month_day))


_RELATIVE_DAYS = {
    "es": ((r"\bpasado manana\b", 2), (r"(?<!la )(?<!pasado )\bmanana\b", 1)),
    "en": ((r"\b(?:the )?day after tomorrow\b", 2), (r"(?<!after )\btomorrow\b", 1)),
}
_MONTH_END = {"es": r"\b(?:a )?(?:fin|final|finales) de(?:l)? mes\b", "en": r"\bend of (?:the )?month\b"}
_WEEKDAY_LEAD = {"es": r"\b(?:el|este|el proximo|el siguiente)\s+", "en": r"\b(?:on|next|this|by)\s+"}


@lru_cache(maxsize=4)
def _weekday_pattern(language: str) -> tuple[re.Pattern[str], dict[str, int]]:
    names = {fold(name): number for number, name in get_day_names("wide", locale=language).items()}
    pattern = re.compile(_WEEKDAY_LEAD[language] + "(" + "|".join(map(re.escape, names)) + r")\b")
    return pattern, names


def _relative_dates(folded: str, language: str, received: date) -> list[tuple[int, date]]:
    found = []
    for pattern, days in _RELATIVE_DAYS[language]:
        found += [(m.start(), received + timedelta(days=days)) for m in re.finditer(pattern, folded)]
    for match in re.finditer(_MONTH_END[language], folded):
        following = (received.replace(day=28) + timedelta(days=4)).replace(day=1)
        found.append((match.start(), following - timedelta(days=1)))
    weekday, names = _weekday_pattern(language)
    for match in weekday.finditer(folded):
        ahead = (names[match.group(1)] - received.weekday() - 1) % 7 + 1
        found.append((match.start(), received + timedelta(days=ahead)))
    return found


def dates(text: str, language: str, received: date, order: str) -> list[str]:
    folded = fold(text)
    found: list[tuple[int, date]] = _relative_dates(folded, language, received)
    for match in _ISO_DATE.finditer(folded):
        _add(found, match.start(), int(match[1]), int(match[2]), int(match[3]))
    for match in _NUMERIC_DATE.finditer(folded):
        first, second, year = int(match[1]), int(match[3]), int(match[4])
        day, month = (first, second) if order == "dmy" else (second, first)
        if month > 12 >= day:  # 25/12 in an mdy mail, 12/25 in a dmy one: only one reading works
            day, month = month, day
        _add(found, match.start(), year + 2000 if year < 100 else year, month, day)
    for pattern in _word_dates(language):
        for match in pattern.finditer(folded):
            month = _months(language)[match["month"].rstrip(".")]
            named_year = int(match["year"]) if match["year"] else None
            _add(found, match.start(), named_year, month, int(match["day"]), received)
    return _unique([value.isoformat() for _, value in sorted(found, key=lambda pair: pair[0])])


def _add(found: list[tuple[int, date]], at: int, year: int | None, month: int, day: int,
         received: date | None = None) -> None:
    try:
        if year is not None:
            found.append((at, date(year, month, day)))
            return
        assert received is not None
        candidates = []
        for offset in (-1, 0, 1):
            try:
                candidates.append(date(received.year + offset, month, day))
            except ValueError:
                continue
        if candidates:
            found.append((at, min(candidates, key=lambda d: abs((d - received).days))))
    except ValueError:
        return


def received_date(received_at: datetime) -> date:
    return received_at.date()
