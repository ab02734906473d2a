"""Message templates: Jinja2 with the i18n extension, Babel catalogs, locale formats.

A template folder (the user's, searched first, then the one shipped with a recipe):

    <folder>/<template>/subject.txt.j2     mail subject (one line)
    <folder>/<template>/body.txt.j2        mail plain text part
    <folder>/<template>/body.html.j2       mail HTML part (autoescaped; optional)
    <folder>/<template>/sms.txt.j2         SMS text
    <folder>/locales/<lang>/LC_MESSAGES/messages.po

Texts to translate are `{% trans %}...{% endtrans %}` / `_()`; a language is a catalog,
not code (add `locales/pt/LC_MESSAGES/messages.po` and Portuguese customers are written
to in Portuguese). Filters: `money(amount, "EUR")` -> "1.234,56 €" (es) / "€1,234.56"
(en), `date` and `datetime` in the locale's long form. A variable the template uses but
the context lacks is an error when rendering (StrictUndefined), never a blank. Every
rendered part must show the case reference.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any

import jinja2
from babel import Locale, UnknownLocaleError
from babel.dates import format_date, format_datetime
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_currency
from babel.support import Translations

from bots.outbox.model import TemplateError

PARTS = {"subject": "subject.txt.j2", "text": "body.txt.j2", "html": "body.html.j2",
         "sms": "sms.txt.j2"}
SOURCE_LANGUAGE = "en"  # the msgids are English


@dataclass(frozen=True)
class Rendered:
    locale: str  # the locale actually used, e.g. "es" (after falling back)
    subject: str | None
    text: str | None
    html: str | None
    sms: str | None


def parse_locale(text: str) -> Locale:
    try:
        return Locale.parse(text.replace("-", "_"))
    except (UnknownLocaleError, ValueError) as exc:
        raise TemplateError(f"unknown locale {text!r}") from exc


class Templates:
    def __init__(self, folders: Sequence[Path], *, default_locale: str = "es") -> None:
        self.folders = [Path(f) for f in folders if f is not None and Path(f).is_dir()]
        if not self.folders:
            raise TemplateError(f"no template folder found among {[str(f) for f in folders]}")
        self.default_locale = default_locale
        self._envs: dict[str, jinja2.Environment] = {}
        self._languages: list[str] | None = None

    def languages(self) -> list[str]:
        """Languages with a catalog in some folder (read once: every message asks)."""
        if self._languages is None:
            self._languages = sorted({p.name for folder in self.folders
                                      for p in (folder / "locales").glob("*")
                                      if (p / "LC_MESSAGES").is_dir()})
        return self._languages

    def resolve(self, locale: str | None) -> str:
        """The customer's locale if a catalog speaks it, else the default locale."""
        for candidate in (locale, self.default_locale):
            if not candidate:
                continue
            parsed = parse_locale(candidate)
            if parsed.language in self.languages():
                return str(parsed)
        raise TemplateError(f"no catalog for {locale!r} nor for the default locale "
                            f"{self.default_locale!r} in {[str(f) for f in self.folders]}")

    def render(self, template: str, locale: str | None, context: Mapping[str, Any], *,
               case: str, parts: Sequence[str] = ("subject", "text", "html")) -> Rendered:
        used = self.resolve(locale)
        env = self._env(used)
        out: dict[str, str | None] = {name: None for name in PARTS}
        for part in parts:
            name = f"{template}/{PARTS[part]}"
            try:
                loaded = env.get_template(name)
            except jinja2.TemplateNotFound:
                if part == "html":
                    continue  # a plain-text-only mail is fine
                raise TemplateError(f"template {name} not found in "
                                    f"{[str(f) for f in self.folders]}") from None
            try:
                text = loaded.render({**context, "case": case})
            except jinja2.UndefinedError as exc:
                raise TemplateError(f"{name} ({used}): {exc.message}") from None
            except jinja2.TemplateError as exc:
                raise TemplateError(f"{name} ({used}): {exc}") from None
            if case not in text:
                raise TemplateError(f"{name} ({used}) does not show the case reference {case!r}")
            out[part] = text.strip() if part in ("subject", "sms") else text
        if out["subject"] is not None and "\n" in out["subject"]:
            raise TemplateError(f"{template}/{PARTS['subject']}: the subject must be one line")
        return Rendered(used, out["subject"], out["text"], out["html"], out["sms"])

    def _env(self, locale: str) -> jinja2.Environment:
        env = self._envs.get(locale)
        if env is None:
            env = self._build(locale)
            self._envs[locale] = env
        return env

    def _build(self, locale: str) -> jinja2.Environment:
        env = jinja2.Environment(
            loader=jinja2.ChoiceLoader([jinja2.FileSystemLoader(f) for f in self.folders]),
            undefined=jinja2.StrictUndefined, extensions=["jinja2.ext.i18n"],
            autoescape=lambda name: name is not None and ".html" in name,
            keep_trailing_newline=True, lstrip_blocks=True,
            auto_reload=False)  # a run renders from the templates as they were at its start
        env.install_gettext_translations(self._translations(locale), newstyle=True)  # type: ignore[attr-defined]
        env.filters["money"] = lambda value, currency="EUR": money(value, currency, locale)
        env.filters["date"] = lambda value, form="long": _date(value, form, locale)
        env.filters["datetime"] = lambda value, form="medium": _datetime(value, form, locale)
        env.globals["locale"] = locale
        return env

    def _translations(self, locale: str) -> Translations:
        language = parse_locale(locale).language
        for folder in self.folders:
            po = folder / "locales" / language / "LC_MESSAGES" / "messages.po"
            if po.is_file():
                return _compiled(po, po.stat().st_mtime_ns)
        raise TemplateError(f"no catalog for {language!r}")


@lru_cache(maxsize=64)
def _compiled(po: Path, _mtime: int) -> Translations:
    """A .po file compiled in memory: the user edits the .po, nothing to build."""
    try:
        with po.open("rb") as handle:
            catalog = read_po(handle)
    except (OSError, ValueError) as exc:
        raise TemplateError(f"catalog {po}: {exc}") from None
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return Translations(fp=buffer)


def money(value: Any, currency: str, locale: str) -> str:
    if isinstance(value, float):
        raise TemplateError(f"money must be Decimal or text, not a float ({value!r})")
    try:
        amount = Decimal(str(value))
    except ArithmeticError as exc:
        raise TemplateError(f"not an amount: {value!r}") from exc
    return format_currency(amount, currency, locale=locale)


def _date(value: Any, form: str, locale: str) -> str:
    if isinstance(value, str):
        value = date.fromisoformat(value)
    return format_date(value, format=form, locale=locale)


def _datetime(value: Any, form: str, locale: str) -> str:
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return format_datetime(value, format=form, locale=locale)
