"""Invoices: the paged list, search, the detail page and its adjustment form."""

from __future__ import annotations

import logging
import math

from flask import Blueprint, render_template, request

from demo.portal import catalog
from demo.portal.adjust_form import FIELDS, validate_adjustment
from demo.portal.faults import Fault
from demo.portal.ledger import (
    PAGE_SIZE,
    AdjustmentRefused,
    apply_adjustment,
    count_invoices,
    find_adjustments,
    get_invoice,
    page_of_invoices,
)
from demo.portal.pages import error_page, page_number, server_error
from demo.portal.state import current_session, db, portal_state

log = logging.getLogger(__name__)
bp = Blueprint("invoices", __name__)


@bp.route("/invoices")
def list_invoices() -> str:
    page = page_number()
    total = count_invoices(db())
    pages = max(1, math.ceil(total / PAGE_SIZE))
    return render_template("invoices_list.html", invoices=page_of_invoices(db(), page),
                           page=page, pages=pages, total=total)


@bp.route("/invoices/search")
def search_invoices() -> str:
    invoice_id = request.args.get("invoice_id", "").strip()
    reference = request.args.get("request_reference", "").strip()
    invoice = get_invoice(db(), invoice_id) if invoice_id else None
    adjustments = find_adjustments(db(), reference) if reference else []
    return render_template("invoices_search.html", invoice_id=invoice_id, invoice=invoice,
                           request_reference=reference, adjustments=adjustments)


def _detail(invoice_id: str, values: dict[str, str], errors: dict[str, str],
            status: int = 200) -> tuple[str, int]:
    invoice = get_invoice(db(), invoice_id)
    if invoice is None:
        return error_page(404, "Not Found", f"Invoice {invoice_id} was not found.")
    return render_template("invoice_detail.html", invoice=invoice, values=values, errors=errors,
                           fields=FIELDS, catalog=catalog), status


@bp.route("/invoices/<invoice_id>")
def invoice_detail(invoice_id: str) -> tuple[str, int]:
    return _detail(invoice_id, {}, {})


@bp.route("/invoices/<invoice_id>/adjust", methods=["POST"])
def adjust_invoice(invoice_id: str) -> tuple[str, int]:
    values = {name: request.form.get(name, "") for name in FIELDS}
    if get_invoice(db(), invoice_id) is None:
        return error_page(404, "Not Found", f"Invoice {invoice_id} was not found.")
    adjustment, errors = validate_adjustment(request.form)
    if adjustment is None:
        return _detail(invoice_id, values, errors)
    faults = portal_state().faults
    fail_before, fail_after = faults.roll(Fault.ERROR_BEFORE_SAVE), faults.roll(Fault.ERROR_AFTER_SAVE)
    if fail_before:
        return server_error()
    try:
        number, balance = apply_adjustment(db(), invoice_id, adjustment,
                                           current_session().user or "")
    except AdjustmentRefused as refused:
        return _detail(invoice_id, values, {refused.field or "form": str(refused)})
    log.info("adjustment %s on %s (request %r)", number, invoice_id, adjustment.request_reference)
    if fail_after:
        return server_error()
    invoice = get_invoice(db(), invoice_id)
    return render_template("adjustment_saved.html", number=number, balance=balance,
                           invoice=invoice, adjustment=adjustment), 200
