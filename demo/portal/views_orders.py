"""Orders: the search screen, the detail with its tabs, the action screens, dispatch slots.

An action screen is `/orders/<id>/<action>` (reached from the detail's buttons, which
depend on the state); its form asks `confirm()` before it posts back to the same URL.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from datetime import date

from flask import Blueprint, render_template, request

from demo.portal import orders
from demo.portal.faults import Fault
from demo.portal.pages import error_page, server_error
from demo.portal.state import current_session, db, portal_state

log = logging.getLogger(__name__)
bp = Blueprint("orders", __name__)
TABS = ("summary", "lines", "history")
TITLES = {"cancel": "Cancel order", "return": "Return lines", "offer-return": "Offer a return",
          "address": "Change delivery address", "slot": "Book dispatch slot",
          "incident": "Open carrier incident"}


@bp.route("/orders")
def search() -> str:
    args = {k: request.args.get(k, "").strip() for k in ("order_id", "customer", "state")}
    searched = any(args.values())
    found = orders.search_orders(db(), **args) if searched else []
    return render_template("orders_search.html", args=args, searched=searched, found=found,
                           states=orders.STATES)


@bp.route("/orders/<order_id>")
def detail(order_id: str) -> tuple[str, int]:
    order = orders.get_order(db(), order_id)
    if order is None:
        return error_page(404, "Not Found", f"Order {order_id} was not found.")
    tab = request.args.get("tab", "summary")
    tab = tab if tab in TABS else "summary"
    return render_template("order_detail.html", order=order, tab=tab, tabs=TABS,
                           titles=TITLES), 200


@bp.route("/dispatch/slots")
def slots() -> str:
    order_id = request.args.get("order_id", "").strip()
    return render_template("dispatch_slots.html", order_id=order_id,
                           slots=orders.free_slots(db()))


def _quantities(form: Mapping[str, str]) -> tuple[dict[int, int], dict[str, str]]:
    found, errors = {}, {}
    for n in range(1, orders.MAX_LINES + 1):
        text = form.get(f"qty_{n}", "").strip()
        if not text:
            continue
        if not text.isdigit():
            errors[f"qty_{n}"] = f"Line {n}: quantity must be a whole number."
        elif int(text):
            found[n] = int(text)
    if not found and not errors:
        errors["qty_1"] = "Enter the quantity to return on at least one line."
    return found, errors


def _apply(action: str, order_id: str, form: Mapping[str, str],
           user: str) -> Callable[[], str] | dict[str, str]:
    """The portal call the posted form asks for, or the form's errors."""
    conn, ref = db(), form.get("request_reference", "").strip()
    reason = form.get("reason", "")
    if action == "cancel":
        if reason not in orders.CANCEL_REASONS:
            return {"reason": "Choose a cancellation reason."}
        return lambda: orders.cancel(conn, order_id, reason, ref, user)
    if action == "return":
        quantities, errors = _quantities(form)
        if reason not in orders.RETURN_REASONS:
            errors["reason"] = "Choose a return reason code."
        if errors:
            return errors
        return lambda: orders.return_lines(conn, order_id, quantities, reason, ref, user)
    if action == "offer-return":
        return lambda: orders.offer_return(conn, order_id, form.get("note", ""), ref, user)
    if action == "address":
        address = form.get("address", "").strip()
        if len(address) < 8:
            return {"address": "Enter the full new address."}
        return lambda: orders.change_address(conn, order_id, address, ref, user)
    if action == "slot":
        slot = form.get("slot_id", "").strip()
        if not slot.isdigit():
            return {"slot_id": "Choose a slot."}
        return lambda: orders.book_slot(conn, order_id, int(slot), ref, user)
    kind = form.get("kind", "")
    if kind not in orders.INCIDENT_KINDS:
        return {"kind": "Choose the incident type."}
    description = form.get("description", "").strip()
    if not description:
        return {"description": "Describe the incident."}
    return lambda: orders.open_incident(conn, order_id, kind, description, ref, user)


def _screen(action: str, order: orders.Order, values: Mapping[str, str],
            errors: Mapping[str, str]) -> tuple[str, int]:
    return render_template("order_action.html", action=action, title=TITLES[action],
                           order=order, values=values, errors=errors, orders=orders,
                           slots=orders.free_slots(db()) if action == "slot" else [],
                           today=date.today().isoformat()), 200


@bp.route("/orders/<order_id>/<action>", methods=["GET", "POST"])
def action_screen(order_id: str, action: str) -> tuple[str, int]:
    if action not in TITLES:
        return error_page(404, "Not Found", f"No screen {action!r}.")
    order = orders.get_order(db(), order_id)
    if order is None:
        return error_page(404, "Not Found", f"Order {order_id} was not found.")
    if request.method == "GET":
        return _screen(action, order, {}, {})
    values = dict(request.form.items())
    call = _apply(action, order_id, request.form, current_session().user or "")
    if isinstance(call, dict):
        return _screen(action, order, values, call)
    faults = portal_state().faults
    fail_before = faults.roll(Fault.ERROR_BEFORE_SAVE)
    fail_after = faults.roll(Fault.ERROR_AFTER_SAVE)
    if fail_before:
        return server_error()
    try:
        reference = call()
    except orders.OrderRefused as refused:
        return _screen(action, order, values, {refused.field: str(refused)})
    log.info("order %s: %s as %s (request %r)", order_id, action, reference,
             values.get("request_reference"))
    if fail_after:
        return server_error()
    return render_template("order_saved.html", title=TITLES[action], reference=reference,
                           order=orders.get_order(db(), order_id)), 200
