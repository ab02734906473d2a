"""The home menu, the sales entry form (inside an iframe), search and the paged list."""

from __future__ import annotations

import logging
import math

from flask import Blueprint, render_template, request

from demo.portal import catalog
from demo.portal.faults import Fault
from demo.portal.pages import page_number, server_error
from demo.portal.sale_form import FIELDS, MAX_LENGTH, validate_sale
from demo.portal.sales_store import (
    PAGE_SIZE,
    count_sales,
    find_by_external_id,
    insert_sale,
    page_of_sales,
)
from demo.portal.state import current_session, db, portal_state

log = logging.getLogger(__name__)
bp = Blueprint("sales", __name__)


@bp.route("/")
def home() -> str:
    return render_template("home.html")


@bp.route("/sales/new")
def new_sale() -> str:
    return render_template("sales_new.html")


def _form(values: dict[str, str], errors: dict[str, str]) -> str:
    return render_template("sale_form.html", values=values, errors=errors, fields=FIELDS,
                           max_length=MAX_LENGTH, catalog=catalog)


@bp.route("/sales/form", methods=["GET"])
def sale_form() -> str:
    return _form({"currency": "EUR"}, {})


@bp.route("/sales/form", methods=["POST"])
def save_sale() -> str | tuple[str, int]:
    values = {name: request.form.get(name, "") for name in FIELDS}
    sale, errors = validate_sale(request.form)
    if sale is None:
        return _form(values, errors)
    faults = portal_state().faults
    # Both draws happen on every valid attempt, so the n-th save meets the same fate.
    fail_before, fail_after = faults.roll(Fault.ERROR_BEFORE_SAVE), faults.roll(Fault.ERROR_AFTER_SAVE)
    if fail_before:
        return server_error()
    reference = insert_sale(db(), sale, current_session().user or "")
    log.info("sale %s saved as %s", sale.external_id, reference)
    if fail_after:
        return server_error()
    return render_template("sale_saved.html", reference=reference, sale=sale)


@bp.route("/sales/search")
def search_sales() -> str:
    external_id = request.args.get("external_id", "").strip()
    rows = find_by_external_id(db(), external_id) if external_id else []
    return render_template("sales_search.html", external_id=external_id, rows=rows,
                           searched=bool(external_id))


@bp.route("/sales")
def list_sales() -> str:
    page = page_number()
    total = count_sales(db())
    pages = max(1, math.ceil(total / PAGE_SIZE))
    rows = page_of_sales(db(), page)
    return render_template("sales_list.html", rows=rows, page=page, pages=pages, total=total)
