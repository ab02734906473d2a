"""The declarative portal map: everything the connector knows about one portal's pages.

A map is a TOML file validated by these models (unknown keys are refused, regexes and
URL templates are checked on load), so a new portal is a new file, not new code. Paths are
relative to the portal's base URL (settings `portal.url`); a path may hold `{name}`
placeholders filled, URL-quoted, from the record being keyed (`{key}` is the item's key).
The format, every key with an example, is in docs/portal-maps.md.

Exactly once is the default: every form names the lookup (a search) that tells whether a
record is already saved, or declares that the portal itself refuses duplicates
(`idempotent`), or that a submit whose fate is unknown goes to a person (`on_unknown =
"review"`). A form with none of these is refused when the map is loaded: without one, a
session that drops right after a save would make the bot key the record twice.
"""

from __future__ import annotations

import re
import string
import tomllib
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from bots.browser import DialogRule, DialogType, FrameRef
from connectors.portal.errors import MapError

MAPS_DIR = Path(__file__).resolve().parent.parent / "portal_maps"
Selector = Annotated[str, Field(min_length=1)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _regex(value: str | None) -> str | None:
    if value is not None:
        try:
            re.compile(value)
        except re.error as exc:
            raise ValueError(f"not a valid regular expression {value!r}: {exc}") from None
    return value


def placeholders(template: str) -> set[str]:
    names = {name for _, name, _, _ in string.Formatter().parse(template) if name is not None}
    bad = sorted(n for n in names if not n.isidentifier())
    if bad:
        raise ValueError(f"{template!r}: placeholders must be plain names, got {bad}")
    return names


class Detect(_Model):
    """A page is recognised by a selector present in it, or by its URL (a regex)."""

    selector: str | None = None
    url: str | None = None

    @field_validator("url")
    @classmethod
    def _check_url(cls, value: str | None) -> str | None:
        return _regex(value)

    @model_validator(mode="after")
    def _something(self) -> Detect:
        if not self.selector and not self.url:
            raise ValueError("give a selector, a url pattern, or both")
        return self

    def url_matches(self, url: str) -> bool:
        return bool(self.url and re.search(self.url, url))


class LoginMap(_Model):
    """The portal's login page, in a portal map (docs/portal-maps.md, `[login]`)."""

    url: str = Field(description="path of the login page")
    detect: Detect = Field(description="what means: this is the login page")
    username: Selector
    password: Selector
    submit: Selector
    error: str | None = Field(default=None, description="shown when credentials are refused")


class FieldKind(StrEnum):
    """How a form field is filled: text, a select, a radio group, a checkbox, a date or an
    amount."""

    TEXT = "text"
    TEXTAREA = "textarea"
    SELECT = "select"
    RADIO = "radio"
    CHECKBOX = "checkbox"
    DATE = "date"
    AMOUNT = "amount"


class FieldMap(_Model):
    """One field of a form in a portal map (docs/portal-maps.md, `[[forms.NAME.fields]]`)."""

    name: str = Field(description="the portal's name for the field (as in its error messages)")
    selector: Selector = Field(description="the input; for radio, the whole group")
    kind: FieldKind = FieldKind.TEXT
    source: str | None = Field(default=None, description="record attribute; default: name")
    required: bool = False
    format: str = Field(default="%d/%m/%Y", description="date: strftime format")
    decimal_separator: Literal[".", ","] = "."
    thousands_separator: Literal["", ".", ",", " "] = ""
    places: int = Field(default=2, ge=0, le=6)
    values: dict[str, str] = Field(default_factory=dict,
                                   description="record value -> portal value")
    by: Literal["value", "label"] = Field(default="value", description="select by option")
    sensitive: bool = Field(default=False, description="masked in screenshots and HTML")

    @property
    def attribute(self) -> str:
        return self.source or self.name

    @model_validator(mode="after")
    def _separators(self) -> FieldMap:
        if self.kind is FieldKind.AMOUNT and self.decimal_separator == self.thousands_separator:
            raise ValueError(f"field {self.name}: decimal and thousands separators are equal")
        return self


class ReferenceMap(_Model):
    selector: Selector
    pattern: str | None = Field(default=None, description="regex; group 1 or the whole match")

    @field_validator("pattern")
    @classmethod
    def _check_pattern(cls, value: str | None) -> str | None:
        return _regex(value)

    def extract(self, text: str | None) -> str | None:
        return extract_reference(self.pattern, text)


def extract_reference(pattern: str | None, text: str | None) -> str | None:
    """The reference in `text`: the regex's group 1 (or whole match), or the whole text."""
    if not text:
        return None
    if not pattern:
        return text.strip() or None
    match = re.search(pattern, text)
    if match is None:
        return None
    return (match.group(1) if match.groups() else match.group(0)).strip()


class FieldErrorsMap(_Model):
    selector: Selector
    field_attribute: str | None = Field(default=None, description="names the field in error")


class OutcomeMap(_Model):
    """How the answer to a submit is read, in a portal map (`[forms.NAME.outcome]`)."""

    confirmed: Selector = Field(description="present when the portal saved the record")
    reference: ReferenceMap
    rejected: str | None = Field(default=None, description="the validation error box")
    duplicate: str | None = Field(default=None, description=(
        "present when the portal refused the record as already saved (idempotent forms)"))
    field_errors: FieldErrorsMap | None = None
    server_error: str | None = Field(default=None, description="the portal's error page")
    server_message: str | None = None


class ConfirmMap(_Model):
    type: DialogType = DialogType.CONFIRM
    message: str | None = None
    accept: bool = True

    @field_validator("message")
    @classmethod
    def _check_message(cls, value: str | None) -> str | None:
        return _regex(value)

    def rule(self) -> DialogRule:
        return DialogRule(accept=self.accept, type=self.type, message=self.message)


class FormMap(_Model):
    """A form the bot keys, in a portal map (docs/portal-maps.md, `[forms.NAME]`)."""

    url: str = Field(description="the form document (in its frame, if framed)")
    host: str | None = Field(default=None, description="the page holding the frames")
    frames: tuple[FrameRef, ...] = ()
    ready: Selector = Field(description="present when the form can be filled")
    submit: Selector
    submit_method: Literal["script", "click"] = Field(
        default="script", description="script: one round trip; click: a trusted mouse click")
    navigates: bool = Field(default=True, description="the submit loads a new document")
    dialog: ConfirmMap | None = Field(default=None, description="the dialog the submit raises")
    tokens: Literal["form", "session"] = Field(
        default="form", description="request mode: the hidden inputs (CSRF tokens) of a "
        "form serve one post (read afresh each time) or a whole session (read once)")
    outcome: OutcomeMap
    fields: tuple[FieldMap, ...] = Field(min_length=1)
    lookup: str | None = Field(default=None, description=(
        "the search that finds a saved record: checked before keying and after any "
        "submit whose fate is unknown"))
    idempotent: bool = Field(default=False, description=(
        "the portal refuses a duplicate by itself (outcome.duplicate shows it): a submit "
        "whose fate is unknown may be repeated"))
    on_unknown: Literal["retry", "review"] = Field(default="retry", description=(
        "review: with no lookup, a submit whose fate is unknown goes to a person"))

    @model_validator(mode="after")
    def _consistent(self) -> FormMap:
        if self.idempotent and not self.outcome.duplicate:
            raise ValueError("an idempotent form needs outcome.duplicate: the sign that the "
                             "portal refused a record as already saved")
        if self.frames and not self.host:
            raise ValueError("a framed form needs the host page that holds the frames")
        names = [f.name for f in self.fields]
        if len(names) != len(set(names)):
            raise ValueError(f"field names repeat: {sorted({n for n in names if names.count(n) > 1})}")
        for template in (self.url, self.host or ""):
            placeholders(template)
        return self

    @property
    def templated(self) -> bool:
        return bool(placeholders(self.url))

    def sensitive_selectors(self) -> list[str]:
        return [f.selector for f in self.fields if f.sensitive]


class ColumnCheck(_Model):
    """How a record value is shown in a result column, for UI spot checks."""

    source: str
    kind: Literal[FieldKind.TEXT, FieldKind.DATE, FieldKind.AMOUNT] = FieldKind.TEXT
    format: str = "%d/%m/%Y"
    decimal_separator: Literal[".", ","] = "."
    thousands_separator: Literal["", ".", ",", " "] = ""
    places: int = Field(default=2, ge=0, le=6)
    values: dict[str, str] = Field(default_factory=dict)

    @property
    def name(self) -> str:
        return self.source


class SearchMap(_Model):
    """A lookup on a search results page, in a portal map (`[searches.NAME]`)."""

    url: str = Field(description="path with {placeholders}: {key} and any record field")
    rows: Selector = Field(description="one element per result")
    columns: dict[str, Selector] = Field(description="name -> selector inside a row")
    key_column: str | None = Field(default=None, description="a result must show the key here")
    match: dict[str, ColumnCheck] = Field(default_factory=dict, description=(
        "column -> record value it must show, for a result to be the record"))
    params: dict[str, ColumnCheck] = Field(default_factory=dict, description=(
        "placeholder -> record value written the portal's way (a date as it searches)"))
    method: Literal["get", "post"] = Field(default="get", description=(
        "post: the search is a form posted to `url` with `form`'s parameters"))
    form: dict[str, str] = Field(default_factory=dict, description=(
        "post: parameter -> template of {placeholders}, as the search form would post it"))
    page: str | None = Field(default=None, description=(
        "post: the page holding the search form, whose hidden inputs (CSRF) go along"))
    submit: str | None = Field(default=None, description="post with page: the form's button")
    reference_column: str
    reference_pattern: str | None = None
    verify: dict[str, ColumnCheck] = Field(
        default_factory=dict, description="column -> record value it must show (spot checks)")

    @field_validator("reference_pattern")
    @classmethod
    def _check_pattern(cls, value: str | None) -> str | None:
        return _regex(value)

    @model_validator(mode="after")
    def _consistent(self) -> SearchMap:
        named = set().union(placeholders(self.url), *(placeholders(t) for t in self.form.values()))
        if not named:
            raise ValueError(f"search url {self.url!r} names nothing to search by: put "
                             "{key} or record fields in it (or in `form`)")
        if self.form and self.method != "post":
            raise ValueError("`form` parameters are posted: set method = \"post\"")
        if self.page and not self.submit:
            raise ValueError("a search `page` needs `submit`: the button of its form")
        if self.key_column is None and not self.match:
            raise ValueError("a search needs key_column or match: how a result is known "
                             "to be the record")
        columns = (self.key_column, self.reference_column, *self.verify, *self.match)
        for column in columns:
            if column is not None and column not in self.columns:
                raise ValueError(f"column {column!r} is not among the columns {sorted(self.columns)}")
        return self

    def record_fields(self) -> set[str]:
        """The record fields the search needs (placeholders and matched values)."""
        used = set().union(placeholders(self.url), *(placeholders(t) for t in self.form.values()))
        used -= {"key"} | set(self.params)
        return used | {c.source for c in (*self.match.values(), *self.params.values())}


class PortalMap(_Model):
    """Everything the toolkit knows about one portal's pages, loaded from TOML
    (docs/portal-maps.md)."""

    name: str
    description: str = ""
    home: str = "/"
    login: LoginMap
    forms: dict[str, FormMap] = Field(default_factory=dict)
    searches: dict[str, SearchMap] = Field(default_factory=dict)
    exports: dict[str, str] = Field(default_factory=dict, description="name -> path")

    @model_validator(mode="after")
    def _exactly_once(self) -> PortalMap:
        for name, form in self.forms.items():
            if form.lookup is not None:
                if form.lookup not in self.searches:
                    raise ValueError(f"form {name}: lookup {form.lookup!r} is not a search of "
                                     f"the map (has {sorted(self.searches) or 'none'})")
            elif not form.idempotent and form.on_unknown != "review":
                raise ValueError(
                    f"form {name} has no lookup, so a submit whose fate is unknown (the "
                    "session dropped right after a save, a timeout, an error page) could be "
                    "keyed twice. Add `lookup = \"<search>\"` naming a search that finds a "
                    "saved record; or `idempotent = true` if the portal itself refuses "
                    "duplicates; or `on_unknown = \"review\"` to send such items to a person")
        return self

    def form(self, name: str) -> FormMap:
        try:
            return self.forms[name]
        except KeyError:
            raise MapError(f"map {self.name!r} has no form {name!r} (has {sorted(self.forms)})") from None

    def search(self, name: str) -> SearchMap:
        try:
            return self.searches[name]
        except KeyError:
            raise MapError(f"map {self.name!r} has no search {name!r} (has {sorted(self.searches)})") from None

    def dialog_rules(self) -> list[DialogRule]:
        """How to answer the dialogs the map's forms raise."""
        return [form.dialog.rule() for form in self.forms.values() if form.dialog is not None]

    def sensitive_selectors(self) -> list[str]:
        found = [self.login.password]
        for form in self.forms.values():
            found.extend(form.sensitive_selectors())
        return found


def load_map(name_or_path: str | Path) -> PortalMap:
    """A map by name (`demo`: a file in connectors/portal_maps) or by path to a .toml file."""
    path = Path(name_or_path)
    if path.suffix != ".toml":
        path = MAPS_DIR / f"{name_or_path}.toml"
    if not path.is_file():
        known = sorted(p.stem for p in MAPS_DIR.glob("*.toml"))
        raise MapError(f"no portal map {str(name_or_path)!r} (known: {', '.join(known)})")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        return PortalMap.model_validate(data)
    except tomllib.TOMLDecodeError as exc:
        raise MapError(f"portal map {path}: {exc}") from None
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc']) or '(map)'}: {e['msg']}"
                             for e in exc.errors())
        raise MapError(f"portal map {path}: {problems}") from None
