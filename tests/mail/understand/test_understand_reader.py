"""The reader without a model: language, rules precedence, review threshold, priority."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bots.errors import InputError
from bots.mail.understand import CATEGORIES, Reading, RulesError, load_reader
from bots.mail.understand.language import detect_language

NOW = datetime(2026, 12, 3, 10, 0, tzinfo=UTC)


def read(subject: str, text: str, *, sender: str = "ana@example.com", hours_old: float = 0,
         **paths: Path) -> Reading:
    reader = load_reader(None, paths.get("rules"), paths.get("customers"))
    return reader.read(subject, text, sender, NOW - timedelta(hours=hours_old), NOW)


@pytest.mark.parametrize(("text", "expected"), [
    ("Hola, quiero devolver el pedido que recibí ayer", "es"),
    ("Hello, I would like to return the order I received yesterday", "en"),
    ("Buenos días: adjunto la factura rectificativa", "es"),
    ("Please find attached the signed direct debit mandate", "en"),
    ("OK", "es"),  # too short to tell: the default language
    ("", "es"),
    ("INV-2026-0005 1.234,56", "es"),
])
def test_language(text: str, expected: str) -> None:
    assert detect_language(text, "es")[0] == expected


def test_short_text_takes_the_configured_default(tmp_path: Path) -> None:
    rules = tmp_path / "rules.toml"
    rules.write_text('[classify]\nthreshold = 0.5\ndefault_language = "en"\nrules_weight = 0.3\n')
    assert read("ok", "", rules=rules).language == "en"


@pytest.mark.parametrize(("subject", "text", "category"), [
    ("Cancelar pedido ORD-12345", "Hola, ya no lo necesito, cancelen el pedido por favor.", "order_cancellation"),
    ("Refund", "You charged me twice for INV-2026-0005. I want a refund.", "billing_credit"),
    ("Mandato SEPA", "Les autorizo a cargar en mi cuenta el importe pendiente.", "payment_authorisation"),
    ("Parcel", "My parcel has not arrived and the tracking shows nothing.", "delivery_incident"),
])
def test_keywords_classify_without_a_model(subject: str, text: str, category: str) -> None:
    reading = read(subject, text)
    assert (reading.category, reading.source, reading.needs_review) == (category, "rules", False)
    assert reading.suggestions[0] == (category, reading.confidence)
    assert len(reading.suggestions) == 3


def test_no_evidence_goes_to_review_with_three_suggestions() -> None:
    reading = read("Hola", "Les escribo por lo de siempre.")
    assert reading.needs_review and reading.category == "general"
    assert len(reading.suggestions) == 3 and all(c in CATEGORIES for c, _ in reading.suggestions)


def test_threshold_decides_review(tmp_path: Path) -> None:
    text = ("Cancel", "Please cancel my order.")
    strict = tmp_path / "strict.toml"
    strict.write_text('[classify]\nthreshold = 0.99\ndefault_language = "es"\nrules_weight = 0.3\n')
    lax = tmp_path / "lax.toml"
    lax.write_text('[classify]\nthreshold = 0.1\ndefault_language = "es"\nrules_weight = 0.3\n')
    assert read(*text, rules=strict).needs_review
    assert not read(*text, rules=lax).needs_review


def test_override_wins_over_keywords(tmp_path: Path) -> None:
    rules = tmp_path / "rules.toml"
    rules.write_text('''
[classify]
threshold = 0.5
default_language = "es"
rules_weight = 0.3
[[classify.override]]
category = "complaint"
field = "subject"
pattern = '^queja formal'
[[classify.override]]
category = "general"
language = "en"
pattern = 'newsletter'
''')
    # the keywords say cancellation; the user's override, matching the subject, says complaint
    reading = read("QUEJA FORMAL", "Quiero cancelar el pedido ORD-12345.", rules=rules)
    assert (reading.category, reading.confidence, reading.source) == ("complaint", 1.0, "override")
    # an override bound to a field or a language does not fire outside it
    assert read("Hola", "queja formal: cancelar el pedido", rules=rules).category == "order_cancellation"
    assert read("newsletter", "cancelar el pedido ya", rules=rules).source == "rules"
    assert read("newsletter", "please cancel my order", rules=rules).category == "general"


@pytest.mark.parametrize(("content", "message"), [
    ("[classify]\nthreshold = 2\ndefault_language = 'es'\nrules_weight = 0", "classify.threshold"),
    ("[keywords.refunds]\nes = ['x']", "unknown category 'refunds'"),
    ("[keywords.general]\nfr = ['x']", "unknown language 'fr'"),
    ("[keywords.general]\nes = ['(']", "not a regular expression"),
    ("[mail]\nx = 1", "unknown section"),
    ("[classify\n", "not valid TOML"),
])
def test_bad_rules_file_is_refused_naming_the_key(tmp_path: Path, content: str, message: str) -> None:
    rules = tmp_path / "rules.toml"
    rules.write_text(content)
    with pytest.raises(RulesError, match=message) as caught:
        load_reader(None, rules, None)
    assert str(rules) in str(caught.value)


def test_priority_rises_with_age_words_tier_and_amount(tmp_path: Path) -> None:
    customers = tmp_path / "customers.csv"
    customers.write_text("customer,email,tier\nCLI-00042,,gold\n,vip@example.com,Platinum\n")
    base = read("Duda", "Tengo una duda sobre la factura, ¿me la explican?").priority
    assert read("Duda", "Tengo una duda sobre la factura, ¿me la explican?", hours_old=48).priority == base + 20
    assert read("Duda", "URGENTE: una duda sobre la factura").priority == base + 20
    assert read("Duda", "Una duda sobre la factura o iré al juzgado").priority == base + 50
    assert read("Duda", "Duda sobre la factura, cliente CLI-00042", customers=customers).priority == base + 40
    assert read("Duda", "Duda sobre la factura", sender="VIP@example.com", customers=customers).priority == base + 60
    assert read("Duda", "Duda sobre la factura de 12.500,00 €").priority == base + 30
    assert read("Duda", "Duda sobre la factura de 1.500,00 €").priority == base + 10


def test_bad_customer_file_names_row_and_column(tmp_path: Path) -> None:
    customers = tmp_path / "customers.csv"
    customers.write_text("customer,tier\nCLI-1,gold\nCLI-2,diamond\n")
    with pytest.raises(InputError, match=r"row 3.*column 'tier'.*diamond"):
        load_reader(None, None, customers)


def test_public_face_is_pinned() -> None:
    import bots.mail.understand as understand

    assert sorted(understand.__all__) == [
        "CATEGORIES", "LANGUAGES", "MailToRead", "Reader", "Reading", "RulesError",
        "append_reviewed", "evaluate", "load_reader", "load_rules", "train_and_save"]
    assert all(hasattr(understand, name) for name in understand.__all__)


def test_customer_file_saved_by_a_spanish_excel(tmp_path: Path) -> None:
    customers = tmp_path / "clientes.csv"
    customers.write_bytes("\ufeffCustomer;Email;Tier\nCLI-00042;;Gold\n".encode())
    base = read("Duda", "Duda sobre la factura").priority
    assert read("Duda", "Duda sobre la factura, cliente CLI-00042", customers=customers).priority == base + 40


def test_customer_file_not_in_utf8_is_refused(tmp_path: Path) -> None:
    customers = tmp_path / "clientes.csv"
    customers.write_bytes("customer,tier\nCLI-1,gold\nPeña,gold\n".encode("cp1252"))
    with pytest.raises(InputError, match="not UTF-8.*CSV UTF-8"):
        load_reader(None, None, customers)
