"""Addresses: validated and normalised before anything is written to the outbox."""

from __future__ import annotations

import pytest

from bots.errors import BusinessError
from connectors.outbound import normalize_email, normalize_phone


@pytest.mark.parametrize(("raw", "expected"), [
    (" John.Smith@Example.COM ", "John.Smith@example.com"),
    ("ana@españa.es", "ana@xn--espaa-rta.es"),  # the domain as every relay takes it
])
def test_mail_addresses(raw: str, expected: str) -> None:
    assert normalize_email(raw) == expected


@pytest.mark.parametrize("raw", ["ana.perez@", "ana perez@example.com", "josé@example.com", ""])
def test_bad_mail_addresses_are_business_errors(raw: str) -> None:
    with pytest.raises(BusinessError, match="not a valid mail address") as caught:
        normalize_email(raw)
    assert caught.value.reason == "invalid_address"


@pytest.mark.parametrize(("raw", "region", "expected"), [
    ("600 12 34 56", "ES", "+34600123456"), ("+34 (600) 123-456", "ES", "+34600123456"),
    ("0034600123456", "ES", "+34600123456"), ("07911 123456", "GB", "+447911123456"),
])
def test_phone_numbers_to_e164(raw: str, region: str, expected: str) -> None:
    assert normalize_phone(raw, region) == expected


@pytest.mark.parametrize("raw", ["12345", "phone", "+34 100 000 000"])
def test_bad_phone_numbers(raw: str) -> None:
    with pytest.raises(BusinessError) as caught:
        normalize_phone(raw)
    assert caught.value.reason == "invalid_phone"
