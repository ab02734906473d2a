"""Customer addresses: mail validated (email-validator), phone numbers to E.164 (phonenumbers)."""

from __future__ import annotations

from bots.errors import BusinessError

# phonenumbers and email_validator are imported where used: a scheduled child process that
# never writes to a customer should not pay for them at start-up.


def normalize_email(text: str) -> str:
    """The address in its normal form; a BusinessError naming it when it is not one."""
    from email_validator import EmailNotValidError, validate_email

    try:
        # no SMTPUTF8: every relay must be able to take the message as built (ASCII headers)
        found = validate_email(text.strip(), check_deliverability=False, allow_smtputf8=False)
    except EmailNotValidError as exc:
        raise BusinessError(f"not a valid mail address {text!r}: {exc}",
                            reason="invalid_address") from None
    return found.ascii_email or found.normalized  # an IDN domain in its punycode form


def normalize_phone(text: str, default_region: str = "ES") -> str:
    """+34600123456 from "600 12 34 56" (a number without +prefix is read in default_region)."""
    import phonenumbers

    try:
        number = phonenumbers.parse(text.strip(), default_region)
    except phonenumbers.NumberParseException as exc:
        raise BusinessError(f"not a phone number {text!r}: {exc}", reason="invalid_phone") from None
    if not phonenumbers.is_valid_number(number):
        raise BusinessError(f"not a valid phone number {text!r}", reason="invalid_phone")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
