"""One order request, whether an agent wrote it in the sheet or mail triage queued it.

The sheet (`COLUMNS`, a `ColumnMap`; `-p columns=my.columns.toml` for other headers):

    Request ID | Kind | Order | Lines | Reason | New address | Slot day | Incident |
    Description | Requested by | Approved by | Customer e-mail | Language

`Lines` is the old program's way of writing a partial return: "1x2, 3x1" (line 1 two
units, line 3 one); empty returns everything still returnable. Mail items follow the
triage contract (see docs in README "Orders"): the kind comes from the category, the
order from `facts.order`, and what a mail cannot say (lines, address) is left empty;
the work item's key is the request id either way.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from bots.errors import BusinessError
from connectors.sheets import ColumnMap


class Kind(StrEnum):
    CANCEL = "cancel"
    RETURN = "return"
    CHANGE = "change"  # the delivery address
    SLOT = "slot"  # book the earliest free dispatch slot (on `slot_day`, if given)
    INCIDENT = "incident"


MAIL_KINDS = {"order_cancellation": Kind.CANCEL, "order_return": Kind.RETURN,
              "order_change": Kind.CHANGE, "delivery_incident": Kind.INCIDENT}
ORDER_ID = re.compile(r"^ORD-\d{4,8}$")
_LINES = re.compile(r"^\s*(\d{1,2})\s*[xX×]\s*(\d{1,4})\s*$")

COLUMNS = ColumnMap(headers={
    "request_id": ("Request ID", "Request", "Solicitud"),
    "kind": ("Kind", "Type", "Tipo"),
    "order_id": ("Order", "Order ID", "Pedido"),
    "lines": ("Lines", "Líneas"),
    "reason": ("Reason", "Reason code", "Motivo"),
    "address": ("New address", "Address", "Dirección"),
    "slot_day": ("Slot day", "Día"),
    "incident": ("Incident", "Incidencia"),
    "description": ("Description", "Descripción"),
    "requested_by": ("Requested by", "Solicitante"),
    "approved_by": ("Approved by", "Aprobado por"),
    "customer_email": ("Customer e-mail", "Email"),
    "language": ("Language", "Idioma"),
})


def parse_day(text: str) -> date:
    for pattern in ("%d/%m/%Y", "%Y-%m-%d"):
        try:
            return datetime.strptime(text.strip()[:10], pattern).date()
        except ValueError:
            continue
    raise ValueError(f"{text!r} is not a date like 31/12/2026")


def parse_lines(text: str) -> dict[int, int]:
    """"1x2, 3x1" -> {1: 2, 3: 1}; ValueError names the part it cannot read."""
    found: dict[int, int] = {}
    for part in filter(None, (p.strip() for p in re.split(r"[,;]", text))):
        match = _LINES.match(part)
        if match is None:
            raise ValueError(f"{part!r} is not LINExQTY (e.g. 1x2)")
        line, qty = int(match[1]), int(match[2])
        if line in found:
            raise ValueError(f"line {line} is given twice")
        if qty < 1:
            raise ValueError(f"line {line}: the quantity must be at least 1")
        found[line] = qty
    return found


class OrderRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)

    request_id: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9:._-]{2,59}$")
    kind: Kind
    order_id: str = ""
    lines: str = ""
    reason: str = ""
    address: str = Field(default="", max_length=200)
    slot_day: str = ""  # dd/mm/yyyy or ISO, as the sheet has it; text, compared as a date
    incident: str = ""
    description: str = Field(default="", max_length=2000)
    requested_by: str = ""
    approved_by: str = ""
    customer_email: str = ""
    language: str = "es"
    source: str = "sheet"
    case: str = ""  # the reference the customer was told (mail); the request id otherwise
    message_id: str = ""  # the customer's mail, answered in its thread
    subject: str = ""

    @field_validator("kind", mode="before")
    @classmethod
    def _kind(cls, value: Any) -> Any:
        return value.strip().lower() if isinstance(value, str) else value

    @field_validator("order_id")
    @classmethod
    def _order(cls, value: str) -> str:
        value = value.upper()
        if value and not ORDER_ID.match(value):
            raise ValueError("an order number looks like ORD-1001")
        return value

    @field_validator("lines")
    @classmethod
    def _lines(cls, value: str) -> str:
        parse_lines(value)
        return value

    @field_validator("slot_day")
    @classmethod
    def _slot_day(cls, value: str) -> str:
        if value:
            parse_day(value)
        return value

    @field_validator("incident")
    @classmethod
    def _incident(cls, value: str) -> str:
        value = value.lower()
        if value not in ("", "lost", "damaged", "late"):
            raise ValueError("an incident is lost, damaged or late")
        return value

    @field_validator("reason")
    @classmethod
    def _reason(cls, value: str) -> str:
        value = value.upper()
        if value and not re.match(r"^[CR]0[1-5]$", value):
            raise ValueError("a reason code is C01-C03 (cancel) or R01-R05 (return)")
        return value

    @field_validator("language")
    @classmethod
    def _language(cls, value: str) -> str:
        value = (value or "es").lower()
        if value not in ("es", "en"):
            raise ValueError("the language is es or en")
        return value

    @property
    def quantities(self) -> dict[int, int]:
        return parse_lines(self.lines)

    @property
    def case_reference(self) -> str:
        return self.case or self.request_id

    def to_payload(self) -> dict[str, Any]:
        return self.model_dump(mode="json")

    @classmethod
    def from_payload(cls, payload: dict[str, Any], key: str) -> OrderRequest:
        """A sheet item's payload, or a mail item as triage queued it (the contract)."""
        if payload.get("source") != "mail":
            return cls.model_validate(payload)
        return from_mail(payload, key)


def from_mail(payload: dict[str, Any], key: str) -> OrderRequest:
    """A triaged mail as a request; what it lacks is a business exception with a reason."""
    category = payload.get("category", "")
    kind = MAIL_KINDS.get(category)
    if kind is None:
        raise BusinessError(f"{key}: mail category {category!r} is not an order request",
                            reason="not_an_order_request")
    orders = [str(o).strip().upper() for o in (payload.get("facts") or {}).get("order", [])]
    orders = list(dict.fromkeys(o for o in orders if ORDER_ID.match(o)))
    if len(orders) > 1:
        raise BusinessError(f"{key}: the mail names several orders ({', '.join(orders)})",
                            reason="several_orders")
    text = str(payload.get("text", ""))
    try:
        return OrderRequest(
            request_id=key, kind=kind, order_id=orders[0] if orders else "",
            description=text[:2000], reason="R03" if kind is Kind.RETURN else "",
            incident=_incident_kind(text) if kind is Kind.INCIDENT else "",
            customer_email=str(payload.get("from", "")), language=payload.get("language", "es"),
            source="mail", case=str(payload.get("case", "")),
            message_id=str(payload.get("message_id", "")), subject=str(payload.get("subject", "")),
            requested_by="mail", address=_address(text) if kind is Kind.CHANGE else "")
    except ValueError as exc:
        raise BusinessError(f"{key}: the mail cannot be read as a request: {exc}",
                            reason="unreadable_mail") from None


def _incident_kind(text: str) -> str:
    lowered = text.lower()
    if any(w in lowered for w in ("roto", "dañad", "damaged", "broken")):
        return "damaged"
    if any(w in lowered for w in ("perdid", "lost", "never arrived", "no ha llegado", "no llegó")):
        return "lost"
    return "late"


_ADDRESS = re.compile(r"(?im)^(?:nueva direcci[oó]n|new address)\s*:\s*(.{8,200})$")


def _address(text: str) -> str:
    match = _ADDRESS.search(text)
    return match.group(1).strip() if match else ""
