"""Reading the demo portal's invoice detail page (loop side) into `connectors.invoice_model`.

One fetch with the lane's session reads the whole page without rendering it: the header
texts, the lines table and the adjustments table (as parallel lists, one per column,
since a fetch reads one table). Amounts are shown the European way ("1.234,56") and
parsed exactly (`bots.money.parse_money`); the rate column shows "21%".
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from urllib.parse import quote

from bots.browser import ListSpec, PageState, Probe, TableSpec, dom
from bots.money import Convention, parse_money
from connectors.invoice_model import (
    AdjustmentKind,
    FoundAdjustment,
    Invoice,
    InvoiceLine,
    PostedAdjustment,
)
from connectors.portal.errors import MapMismatch, PortalUnavailable, SessionLost
from connectors.portal.session import MAX_LOGINS_PER_ACTION, PortalSession

DETAIL_URL = "/invoices/{invoice_id}"
LINES = TableSpec("#invoice-lines tr.line-row", {
    "number": "td.line-no", "description": "td.description", "net": "td.net",
    "rate": "td.rate", "tax": "td.tax"})
TEXTS = {"id": "#invoice-id", "status": "#invoice-status", "customer": "#invoice-customer",
         "net": "#invoice-net", "tax": "#invoice-tax", "balance": "#open-balance",
         "error_title": "#error-title"}
ADJUSTMENT_COLUMNS = {"document_number": "td.document-number", "kind": "td.kind",
                      "net": "td.net", "tax": "td.tax", "reason": "td.reason",
                      "request_reference": "td.request-reference", "note": "td.note"}


def amount(text: str | None, what: str) -> Decimal:
    if text is None:
        raise MapMismatch(f"the invoice page shows no {what}; has the portal changed?")
    try:
        return parse_money(text, Convention.COMMA, what=what)
    except ValueError as exc:
        raise MapMismatch(f"the invoice page shows {what} as {text!r}: {exc}") from None


def rate(text: str | None) -> Decimal:
    return amount((text or "").replace("%", "").strip() or None, "VAT rate")


def adjustment_from_row(row: Mapping[str, str | None]) -> PostedAdjustment:
    try:
        kind = AdjustmentKind.parse(row.get("kind") or "")
    except ValueError:
        raise MapMismatch(f"unknown adjustment kind {row.get('kind')!r} on the portal") from None
    return PostedAdjustment(
        document_number=row.get("document_number") or "", kind=kind,
        net=amount(row.get("net"), "adjustment net"), tax=amount(row.get("tax"), "adjustment tax"),
        reason_code=row.get("reason") or "", request_reference=row.get("request_reference") or "",
        note=row.get("note") or "")


def found_from_rows(rows: Sequence[Mapping[str, str | None]]) -> list[FoundAdjustment]:
    return [FoundAdjustment(row.get("invoice_id") or "", adjustment_from_row(row)) for row in rows]


def _column_lists(state: PageState) -> list[dict[str, str | None]]:
    columns = {name: [entry.get("text") for entry in state.lists.get(f"adj_{name}", [])]
               for name in ADJUSTMENT_COLUMNS}
    counts = {len(values) for values in columns.values()}
    if len(counts) > 1:
        raise MapMismatch("the adjustments table of the invoice page has ragged rows")
    size = counts.pop() if counts else 0
    return [{name: values[i] for name, values in columns.items()} for i in range(size)]


def invoice_from_page(state: PageState, lines: Sequence[Mapping[str, str | None]]) -> Invoice:
    texts = state.texts
    built = tuple(
        InvoiceLine(number=int(row.get("number") or n), description=row.get("description") or "",
                    net=amount(row.get("net"), "line net"), rate=rate(row.get("rate")),
                    tax=amount(row.get("tax"), "line VAT"))
        for n, row in enumerate(lines, start=1))
    invoice = Invoice(
        id=texts.get("id") or "", status=(texts.get("status") or "").strip().lower(),
        lines=built, open_balance=amount(texts.get("balance"), "open balance"),
        adjustments=tuple(adjustment_from_row(row) for row in _column_lists(state)),
        customer=texts.get("customer") or "")
    # The page's own totals must agree with its lines: a cheap guard against misreading.
    if (amount(texts.get("net"), "invoice net"), amount(texts.get("tax"), "invoice VAT")) != (
            invoice.net, invoice.tax):
        raise MapMismatch(f"invoice {invoice.id}: the lines do not add up to the totals shown")
    return invoice


def detail_probe(login: Mapping[str, str]) -> Probe:
    lists = {f"adj_{name}": ListSpec(f"#adjustments tr.adjustment-row {selector}")
             for name, selector in ADJUSTMENT_COLUMNS.items()}
    return Probe(detectors={"invoice": "#invoice-id", "error": "#error-page", **login},
                 texts=TEXTS, lists=lists)


async def read_invoice(session: PortalSession, invoice_id: str) -> Invoice | None:
    """The invoice as its detail page shows it now, or None when the portal has none."""
    url = session.url(DETAIL_URL.format(invoice_id=quote(invoice_id.strip(), safe="")))
    probe = detail_probe(dict(session.login_probe.detectors))
    for _ in range(MAX_LOGINS_PER_ACTION + 1):
        await session.ensure_on_portal()
        result = await dom.fetch(session.lane.page.main_frame, url, probe=probe, table=LINES,
                                 timeout_ms=session.lane.options.timeout_ms)
        if session.is_login(result.state):
            await session.login()
            continue
        if result.status == 404 and "error" in result.state.matched:
            return None
        if result.status >= 400 or "invoice" not in result.state.matched:
            shown = result.state.texts.get("error_title") or result.state.title
            raise PortalUnavailable(f"invoice {invoice_id}: HTTP {result.status} {shown!r}")
        return invoice_from_page(result.state, result.rows or [])
    raise SessionLost(f"{session.map.name} kept asking to log in while reading {invoice_id}")
