"""Templates: a missing variable is an error, the case reference is required, a language
is a catalog, money by locale, the user's folder first."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bots.outbox import TemplateError, Templates
from tests.outbox.builders import context
from tests.outbox.conftest import SHIPPED


def test_a_missing_variable_is_an_error_when_rendering(templates: Templates) -> None:
    values = context()
    del values["balance"]
    with pytest.raises(TemplateError, match=r"body.txt.j2 \(es\): 'balance' is undefined"):
        templates.render("adjustment_applied", "es", values, case="REQ-1")


def test_money_is_never_a_float(templates: Templates) -> None:
    with pytest.raises(TemplateError, match="not a float"):
        templates.render("adjustment_applied", "es", context(amount=12.5), case="REQ-1")


@pytest.mark.parametrize(("locale", "expected"), [
    ("es", "1.234,56\xa0€"), ("es-ES", "1.234,56\xa0€"), ("en", "€1,234.56"),
    ("en_GB", "€1,234.56"), ("ca", "1.234,56\xa0€")])
def test_money_by_locale(templates: Templates, locale: str, expected: str) -> None:
    rendered = templates.render("adjustment_applied", locale, context(), case="REQ-1",
                                parts=("sms",))
    assert f" {expected} " in (rendered.sms or "")


def test_a_third_language_is_a_catalog_not_code(templates: Templates) -> None:
    assert templates.languages() == ["ca", "en", "es"]
    rendered = templates.render("adjustment_applied", "ca", context(), case="REQ-1")
    assert rendered.subject == ("Abonament NC-2026-000001 aplicat a la factura INV-2026-0001 "
                                "[REQ-1]")
    assert "La vostra referència: REQ-1 (5 de gener del 2026)." in (rendered.text or "")


def test_a_language_without_catalog_falls_back_to_the_default(templates: Templates) -> None:
    rendered = templates.render("adjustment_applied", "fr", context(), case="REQ-1")
    assert rendered.locale == "es"
    assert (rendered.subject or "").startswith("Abono ")
    with pytest.raises(TemplateError, match="unknown locale"):
        templates.render("adjustment_applied", "xx-nonsense-1", context(), case="REQ-1")


def test_every_part_must_show_the_case_reference(tmp_path: Path) -> None:
    folder = tmp_path / "mine"
    shutil.copytree(SHIPPED, folder)
    (folder / "adjustment_applied" / "sms.txt.j2").write_text("Applied {{ document }}.\n")
    with pytest.raises(TemplateError, match="does not show the case reference 'REQ-1'"):
        Templates([folder]).render("adjustment_applied", "en", context(), case="REQ-1",
                                   parts=("sms",))


def test_the_users_folder_comes_before_the_shipped_one(tmp_path: Path) -> None:
    mine = tmp_path / "mine"
    (mine / "adjustment_applied").mkdir(parents=True)
    (mine / "adjustment_applied" / "sms.txt.j2").write_text(
        "{% trans case=case %}Done: {{ case }}{% endtrans %}\n")
    po_dir = mine / "locales" / "es" / "LC_MESSAGES"
    po_dir.mkdir(parents=True)
    (po_dir / "messages.po").write_text(
        'msgid ""\nmsgstr "Content-Type: text/plain; charset=utf-8\\n"\n\n'
        '#, python-format\nmsgid "Done: %(case)s"\nmsgstr "Hecho: %(case)s"\n', encoding="utf-8")
    templates = Templates([mine, SHIPPED])
    assert templates.render("adjustment_applied", "es", context(), case="REQ-7",
                            parts=("sms",)).sms == "Hecho: REQ-7"
    # the shipped parts are still found behind it
    assert templates.render("adjustment_applied", "en", context(), case="REQ-7",
                            parts=("subject",)).subject is not None


def test_a_missing_template_names_the_folders(templates: Templates) -> None:
    with pytest.raises(TemplateError, match="template order_cancelled/subject.txt.j2 not found"):
        templates.render("order_cancelled", "es", {}, case="C-1")
