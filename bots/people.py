"""People are identities, not strings: a staff directory, name resolution, four eyes.

A back office writes the same person many ways: `sara.ortiz`, `Sara Ortiz`, `sara_ortiz`,
`SARA.ORTIZ`, her mail address, an alias ("Ortiz, Sara"). A forger writes her in ways a
person cannot tell apart: `sara.órtiz`, a zero-width space inside, a Cyrillic `ѕ` for the
Latin `s`, full-width letters. A four-eyes rule that compares text accepts each of those
as a second person. Here every name is resolved to a person id through the directory
after normalising it (`name_key`), and four eyes compares ids (`four_eyes`, the one
place every recipe uses). A name the directory does not know is a business exception
with its reason: never a new, unchecked person.

`name_key(text)`:
  1. Unicode NFKC (full-width letters, ligatures, compatibility spaces and dots);
  2. invisible characters removed (format characters such as zero-width spaces and
     joiners, the BOM, soft hyphens; controls; "filler" letters that draw nothing);
  3. confusable letters folded to the Latin letter they imitate (Cyrillic, Greek and
     other scripts, per Unicode's confusables table through `confusable_homoglyphs`);
  4. case folded, accents removed (NFKD, combining marks dropped);
  5. separators (spaces, dots, underscores, hyphens, commas, apostrophes) collapsed into
     one space, trimmed.
Two directory entries whose keys collide are refused when the directory is loaded.

The directory is a TOML file the user edits (`RPA_STAFF_FILE`; the demo's is
`demo/staff.toml`):

    [[person]]
    id = "sara.ortiz"
    name = "Sara Ortiz"
    aliases = ["Ortiz, Sara"]
    emails = ["sara.ortiz@backoffice.example"]
"""

from __future__ import annotations

import functools
import re
import tomllib
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from confusable_homoglyphs import categories, confusables

from bots.errors import BusinessError, UsageError

# Letters that draw nothing (Hangul fillers, the braille blank) and are not format chars.
_INVISIBLE_LETTERS = frozenset("\u115f\u1160\u3164\uffa0\u2800\u180e")
_SEPARATORS = re.compile(r"[\s._\-,'’‘`´·/\\]+")
_SCRIPTS_KEPT = frozenset({"LATIN", "COMMON", "INHERITED"})


class UnknownPerson(BusinessError):
    """A name the staff directory does not know: a person reviews it."""

    def __init__(self, role: str, text: str, source: str) -> None:
        super().__init__(f"{role} {text!r} is not in the staff directory ({source})",
                         reason="unknown_person")
        self.role, self.text = role, text


class SamePerson(BusinessError):
    """Two roles that four eyes keeps apart are held by one person."""

    def __init__(self, first: str, second: str, person: Person, texts: tuple[str, str]) -> None:
        super().__init__(f"the {first} ({texts[0]!r}) and the {second} ({texts[1]!r}) are "
                         f"the same person, {person.id}: four eyes needs two people",
                         reason="four_eyes")
        self.roles, self.person = (first, second), person


@functools.lru_cache(maxsize=4096)
def _fold(char: str) -> str:
    """The Latin letter(s) `char` imitates, or `char` itself."""
    if char.isascii() or categories.alias(char) in _SCRIPTS_KEPT and not char.isalpha():
        return char
    found = confusables.is_confusable(char, greedy=True, preferred_aliases=["latin"]) or []
    for entry in found:
        for glyph in entry["homoglyphs"]:
            candidate = glyph["c"]
            if candidate.isascii() and candidate.isalnum():
                return str(candidate)
    return char


def _visible(char: str) -> bool:
    return unicodedata.category(char) not in ("Cf", "Cc", "Co", "Cs", "Cn") \
        and char not in _INVISIBLE_LETTERS


def name_key(text: str) -> str:
    """The comparable form of a person's name, alias or id (see the module docstring)."""
    text = unicodedata.normalize("NFKC", text)
    text = "".join(_fold(c) for c in text if _visible(c))
    text = unicodedata.normalize("NFKD", text.casefold())
    # every mark goes: accents, and variation selectors (marks of combining class 0)
    text = "".join(c for c in text if not unicodedata.category(c).startswith("M"))
    text = "".join(_fold(c) for c in text)  # letters left bare once their accents went
    return _SEPARATORS.sub(" ", text).strip()


def _email_key(text: str) -> str | None:
    local, at, domain = text.rpartition("@")
    if not at or not local or not domain:
        return None
    return f"{name_key(local)}@{name_key(domain)}"


@dataclass(frozen=True)
class Person:
    id: str
    name: str
    aliases: tuple[str, ...] = ()
    emails: tuple[str, ...] = ()


class StaffDirectory:
    """Who is who: every spelling of every person, normalised, to their id."""

    def __init__(self, people: Iterable[Person], *, source: str = "staff directory") -> None:
        self.source = source
        self.people: dict[str, Person] = {}
        self._keys: dict[str, str] = {}
        for person in people:
            if person.id in self.people:
                raise UsageError(f"{source}: person id {person.id!r} appears twice")
            self.people[person.id] = person
            spellings = [person.id, person.name, *person.aliases]
            keys = {name_key(s) for s in spellings if s.strip()}
            keys |= {k for k in (_email_key(e) for e in person.emails) if k}
            for key in keys:
                other = self._keys.setdefault(key, person.id)
                if other != person.id:
                    raise UsageError(f"{source}: {person.id!r} and {other!r} are both written "
                                     f"{key!r} once normalised; tell them apart with ids")

    @classmethod
    def load(cls, path: Path) -> StaffDirectory:
        try:
            document = tomllib.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise UsageError(f"staff directory {path} does not exist (RPA_STAFF_FILE)") from None
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise UsageError(f"staff directory {path}: not valid TOML: {exc}") from None
        people = []
        for n, entry in enumerate(document.get("person", []), 1):
            people.append(_person(entry, f"{path}: person {n}"))
        if not people:
            raise UsageError(f"staff directory {path}: no [[person]] entries")
        return cls(people, source=str(path))

    def find(self, text: str) -> Person | None:
        key = _email_key(text) if "@" in text else None
        person_id = self._keys.get(key) if key else None
        person_id = person_id or self._keys.get(name_key(text))
        return self.people[person_id] if person_id else None

    def resolve(self, text: str, *, role: str = "person") -> Person:
        """The person `text` names, or UnknownPerson (a business exception)."""
        person = self.find(text)
        if person is None:
            raise UnknownPerson(role, text, self.source)
        return person


def _person(entry: object, where: str) -> Person:
    if not isinstance(entry, dict):
        raise UsageError(f"{where}: expected a table")
    unknown = set(entry) - {"id", "name", "aliases", "emails"}
    if unknown:
        raise UsageError(f"{where}: unknown key(s) {', '.join(sorted(unknown))}")
    person_id, name = entry.get("id"), entry.get("name", "")
    if not isinstance(person_id, str) or not person_id.strip():
        raise UsageError(f"{where}: `id` must be a non-empty string")
    lists = {}
    for key in ("aliases", "emails"):
        value = entry.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise UsageError(f"{where} ({person_id}): `{key}` must be a list of strings")
        lists[key] = tuple(value)
    if not isinstance(name, str):
        raise UsageError(f"{where} ({person_id}): `name` must be a string")
    return Person(person_id.strip(), name, lists["aliases"], lists["emails"])


def four_eyes(directory: StaffDirectory, roles: Mapping[str, str]) -> dict[str, Person]:
    """Resolve who holds each role ({"seller": "sara.ortiz", "validator": ...}) and require
    them all to be different people. Raises UnknownPerson for a name the directory does
    not know and SamePerson for two roles held by one id (both business exceptions);
    returns {role: Person}."""
    held = {role: directory.resolve(text, role=role) for role, text in roles.items()}
    seen: dict[str, str] = {}
    for role, person in held.items():
        if person.id in seen:
            first = seen[person.id]
            raise SamePerson(first, role, person, (roles[first], roles[role]))
        seen[person.id] = role
    return held


@functools.lru_cache(maxsize=8)
def _load_cached(path: Path, mtime_ns: int) -> StaffDirectory:
    return StaffDirectory.load(path)


def staff_directory(path: Path | None = None) -> StaffDirectory:
    """The configured directory (`RPA_STAFF_FILE`), read again when the file changes."""
    if path is None:
        from bots.settings import get_settings

        path = get_settings().staff_file
    try:
        mtime = path.stat().st_mtime_ns
    except OSError:
        raise UsageError(f"staff directory {path} does not exist (RPA_STAFF_FILE)") from None
    return _load_cached(path, mtime)
