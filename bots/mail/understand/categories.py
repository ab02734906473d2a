"""The fixed mail categories (the classifier's labels, shared with the routing table)."""

from __future__ import annotations

CATEGORIES: tuple[str, ...] = (
    "billing_credit",
    "billing_enquiry",
    "payment_authorisation",
    "payment_promise",
    "invoice_dispute",
    "order_cancellation",
    "order_return",
    "order_change",
    "delivery_incident",
    "complaint",
    "general",
)
LANGUAGES: tuple[str, ...] = ("es", "en")


def check_category(name: str, where: str) -> str:
    if name not in CATEGORIES:
        raise ValueError(f"{where}: unknown category {name!r} (one of: {', '.join(CATEGORIES)})")
    return name


def check_language(code: str, where: str) -> str:
    if code not in LANGUAGES:
        raise ValueError(f"{where}: unknown language {code!r} (one of: {', '.join(LANGUAGES)})")
    return code
