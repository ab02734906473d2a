"""Four eyes on identities: a known-answer table of bypass attempts, every one refused.

The table is the runtime's (key_sales' seller/validator rule calls `four_eyes` with
these roles); tests/adjustments has the same attempts through invoice_adjustments."""

from __future__ import annotations

from pathlib import Path

import pytest

from bots.errors import UsageError
from bots.people import (
    Person,
    SamePerson,
    StaffDirectory,
    UnknownPerson,
    four_eyes,
    name_key,
    staff_directory,
)
from bots.settings import PROJECT_ROOT

DEMO_STAFF = PROJECT_ROOT / "demo" / "staff.toml"

# (how the validator column was written, what it tries) - the seller is "sara.ortiz"
BYPASS_ATTEMPTS = [
    ("sara.ortiz", "the same text"),
    ("sara ortiz", "a space for the dot"),
    ("sara_ortiz", "an underscore for the dot"),
    ("sara-ortiz", "a hyphen for the dot"),
    ("Sara Ortiz", "her display name"),
    ("SARA.ORTIZ", "upper case"),
    ("  sara.ortiz  ", "padding"),
    ("sara.órtiz", "an accent"),
    ("sára.ortíz", "two accents"),
    ("sara.ortiz\u200b", "a trailing zero-width space"),
    ("sa\u200dra.or\u200ctiz", "zero-width joiner and non-joiner inside"),
    ("\ufeffsara.ortiz", "a byte-order mark"),
    ("sara.or\u00adtiz", "a soft hyphen"),
    ("sara\u3164.ortiz", "a Hangul filler (draws nothing)"),
    ("\u0455ara.ortiz", "Cyrillic dze for s"),
    ("s\u0430ra.ortiz", "Cyrillic a"),
    ("sara.\u03bfrtiz", "Greek omicron for o"),
    ("\u0455\u0430r\u0430.\u043ert\u0456z", "every letter that can be Cyrillic"),
    ("ｓａｒａ．ｏｒｔｉｚ", "full-width letters and dot"),
    ("sara\u2024ortiz", "a one-dot leader for the dot"),
    ("sara\u00a0ortiz", "a no-break space"),
    ("sara\u3000ortiz", "an ideographic space"),
    ("SARA.ORT\u0130Z", "Turkish dotted capital I"),
    ("sara.ortiz\ufe0f", "a variation selector"),
    ("Ortiz, Sara", "an alias in the directory"),
    ("S. Ortiz", "an initial alias"),
    ("sara.ortiz@backoffice.example", "her mail address"),
    ("Sara.Ortiz@BACKOFFICE.EXAMPLE", "her mail address in capitals"),
]


@pytest.fixture(scope="module")
def staff() -> StaffDirectory:
    return StaffDirectory.load(DEMO_STAFF)


@pytest.mark.parametrize(("written", "trick"), BYPASS_ATTEMPTS,
                         ids=[trick for _, trick in BYPASS_ATTEMPTS])
def test_every_bypass_attempt_is_refused(staff: StaffDirectory, written: str, trick: str) -> None:
    with pytest.raises(SamePerson) as caught:
        four_eyes(staff, {"seller": "sara.ortiz", "validator": written})
    assert caught.value.reason == "four_eyes" and caught.value.person.id == "sara.ortiz"
    # and the other way round: the disguise on the seller's side
    with pytest.raises(SamePerson):
        four_eyes(staff, {"seller": written, "validator": "Sara Ortiz"})


@pytest.mark.parametrize("written", ["sara.0rtiz", "sara.ortiz2", "sara", "s.ortiz.x", "",
                                     "sara.ortiz@elsewhere.example", "\u200b"])
def test_a_name_not_in_the_directory_is_a_business_exception(staff: StaffDirectory,
                                                              written: str) -> None:
    with pytest.raises(UnknownPerson) as caught:
        four_eyes(staff, {"seller": "sara.ortiz", "validator": written})
    assert caught.value.reason == "unknown_person" and "validator" in str(caught.value)


def test_two_different_people_pass_and_come_back_resolved(staff: StaffDirectory) -> None:
    held = four_eyes(staff, {"seller": "Sara Ortiz", "validator": "m.campos"})
    assert {role: p.id for role, p in held.items()} == {"seller": "sara.ortiz",
                                                         "validator": "m.campos"}
    held = four_eyes(staff, {"requester": "c.soto", "approver": "R. Delgado",
                             "second approver": "j.castillo@backoffice.example"})
    assert [p.id for p in held.values()] == ["c.soto", "r.delgado", "j.castillo"]


def test_the_demo_directory_knows_everyone_in_the_demo_samples(staff: StaffDirectory) -> None:
    from demo.samples import invoices, sales

    names = (sales.SELLERS + sales.VALIDATORS + invoices.REQUESTERS + invoices.APPROVERS
             + invoices.SECOND_APPROVERS)
    assert all(staff.find(name) is not None for name in names)


def test_the_configured_directory_is_the_setting(rpa_env: dict[str, str], tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    from bots.settings import reset_settings

    own = tmp_path / "staff.toml"
    own.write_text('[[person]]\nid = "x1"\nname = "Xavi Uno"\n')
    monkeypatch.setenv("RPA_STAFF_FILE", str(own))
    reset_settings()
    assert staff_directory().resolve("xavi_uno").id == "x1"


def test_a_directory_whose_names_collide_is_refused() -> None:
    with pytest.raises(UsageError, match="both written"):
        StaffDirectory([Person("sara.ortiz", "Sara Ortiz"), Person("s.ortiz2", "Sára Ortiz")])
    with pytest.raises(UsageError, match="appears twice"):
        StaffDirectory([Person("a", "A"), Person("a", "B")])


def test_name_key_known_answers() -> None:
    assert name_key("José  Núñez-García") == "jose nunez garcia"
    assert name_key("\u0455\u0430r\u0430") == "sara"
    assert name_key("ß") == "ss"  # case folding, not lowering
