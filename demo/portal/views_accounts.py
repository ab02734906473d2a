"""Customer accounts: the list, an account's page, the charge / payment / service forms,
the customer's consent to be charged (authorisation form, as the self-service screen
records it), the search of actions by request reference, and the exports of open invoices
and of authorisations.

Each form lives at a fixed address (`/accounts/<form>/new`, posted to `/accounts/<form>`)
with the account as a field, as the legacy system's other screens do. Faults as on the
invoice screens: a server error before the save or after it (saved, but unconfirmed).
"""

from __future__ import annotations

import csv
import io
import logging
from datetime import datetime

from flask import Blueprint, Response, render_template, request

from demo.portal import accounts_db as store
from demo.portal.faults import Fault
from demo.portal.money import format_european, from_db, parse_european
from demo.portal.pages import error_page, server_error
from demo.portal.state import current_session, db, portal_state

log = logging.getLogger(__name__)
bp = Blueprint("accounts", __name__)

FORMS: dict[str, dict[str, str]] = {
    "charge": {"account_id": "Account", "invoice_id": "Invoice", "method_id": "Payment method",
               "amount": "Amount", "authorisation_reference": "Authorisation reference",
               "request_reference": "Request reference"},
    "payment": {"account_id": "Account", "invoice_id": "Invoice", "amount": "Amount",
                "bank_reference": "Bank reference"},
    "service": {"account_id": "Account", "operation": "Operation", "reason": "Reason",
                "request_reference": "Request reference"},
    "authorisation": {"account_id": "Account", "invoice_id": "Invoice (empty: any)",
                      "method": "Method", "mandate_reference": "Mandate reference (debit)",
                      "amount_limit": "Up to amount", "given_by": "Given by",
                      "given_on": "Given on (dd/mm/yyyy)", "expires_on": "Expires on (dd/mm/yyyy)"},
}
REQUIRED = {"charge": set(FORMS["charge"]), "payment": set(FORMS["payment"]),
            "service": set(FORMS["service"]),
            "authorisation": set(FORMS["authorisation"]) - {"invoice_id", "mandate_reference"}}
CHOICES = {"operation": ("suspend", "reactivate"), "method": ("card", "debit")}
AUTHORISATION_COLUMNS = ("reference", "account_id", "invoice_id", "method", "mandate_reference",
                         "amount_limit", "given_by", "given_on", "expires_on")
EXPORT_COLUMNS = ("account_id", "name", "email", "phone", "language", "grace_days",
                  "suspension_allowed", "suspend_after_days", "service_status", "card_method",
                  "debit_method", "invoice_id", "issue_date", "due_date", "amount", "balance")


@bp.route("/accounts")
def list_accounts() -> str:
    return render_template("accounts_list.html", accounts=store.accounts(db()))


@bp.route("/accounts/<account_id>")
def account_detail(account_id: str) -> tuple[str, int]:
    found = store.account(db(), account_id)
    if found is None:
        return error_page(404, "Not Found", f"Account {account_id} was not found.")
    return render_template("account_detail.html", account=found,
                           methods=store.methods(db(), account_id),
                           authorisations=store.authorisations(db(), account_id),
                           invoices=store.invoices(db(), account_id), balance=store.balance,
                           actions=store.actions_for(db(), account_id=account_id)), 200


@bp.route("/accounts/actions/search")
def search_actions() -> str:
    reference = request.args.get("request_reference", "").strip()
    rows = store.actions_for(db(), request_reference=reference) if reference else []
    return render_template("accounts_search.html", request_reference=reference, actions=rows)


@bp.route("/accounts/<form>/new")
def new_form(form: str) -> tuple[str, int]:
    if form not in FORMS:
        return error_page(404, "Not Found", f"No form {form}.")
    values = {name: request.args.get(name, "") for name in FORMS[form]}
    return render_template("account_form.html", form=form, fields=FORMS[form], values=values,
                           errors={}, required=REQUIRED[form], choices=CHOICES), 200


def _validate(form: str) -> tuple[dict[str, str], dict[str, str]]:
    values = {name: (request.form.get(name) or "").strip() for name in FORMS[form]}
    errors = {name: f"{FORMS[form][name]} is required" for name in REQUIRED[form]
              if not values[name]}
    for name in ("amount", "amount_limit"):
        if values.get(name):
            try:
                if parse_european(values[name]) <= 0:
                    errors[name] = f"{FORMS[form][name]} must be greater than zero"
            except ValueError:
                errors[name] = (f"{FORMS[form][name]} must be written with a decimal comma, "
                                "like 1.234,56")
    for name in ("given_on", "expires_on"):
        if values.get(name):
            try:
                _iso(values[name])
            except ValueError:
                errors[name] = f"{FORMS[form][name]}: write the date as dd/mm/yyyy"
    for name, allowed in CHOICES.items():
        if values.get(name) and values[name] not in allowed:
            errors[name] = f"Choose {' or '.join(allowed)}"
    for name, value in values.items():
        if len(value) > 200:
            errors[name] = f"{FORMS[form][name]} is longer than 200 characters"
    return values, errors


def _iso(day: str) -> str:
    return datetime.strptime(day, "%d/%m/%Y").date().isoformat()


def _act(form: str, values: dict[str, str], user: str) -> store.Done:
    if form == "authorisation":
        return store.authorise(db(), account_id=values["account_id"],
                               invoice_id=values["invoice_id"], method=values["method"],
                               mandate_reference=values["mandate_reference"],
                               amount_limit=parse_european(values["amount_limit"]),
                               given_by=values["given_by"], given_on=_iso(values["given_on"]),
                               expires_on=_iso(values["expires_on"]), user=user)
    if form == "charge":
        return store.charge(db(), account_id=values["account_id"], invoice_id=values["invoice_id"],
                            method_id=values["method_id"], amount=parse_european(values["amount"]),
                            authorisation_reference=values["authorisation_reference"],
                            request_reference=values["request_reference"], user=user)
    if form == "payment":
        return store.payment(db(), account_id=values["account_id"],
                             invoice_id=values["invoice_id"],
                             amount=parse_european(values["amount"]),
                             bank_reference=values["bank_reference"], user=user)
    return store.service(db(), account_id=values["account_id"], action=values["operation"],
                         reason=values["reason"], request_reference=values["request_reference"],
                         user=user)


@bp.route("/accounts/<form>", methods=["POST"])
def submit_form(form: str) -> tuple[str, int]:
    if form not in FORMS:
        return error_page(404, "Not Found", f"No form {form}.")
    values, errors = _validate(form)

    def again(errors: dict[str, str]) -> tuple[str, int]:
        return render_template("account_form.html", form=form, fields=FORMS[form],
                               values=values, errors=errors, required=REQUIRED[form],
                               choices=CHOICES), 200

    if errors:
        return again(errors)
    faults = portal_state().faults
    fail_before, fail_after = faults.roll(Fault.ERROR_BEFORE_SAVE), faults.roll(Fault.ERROR_AFTER_SAVE)
    if fail_before:
        return server_error()
    try:
        done = _act(form, values, current_session().user or "")
    except store.ActionRefused as refused:
        return again({refused.field: str(refused)})
    log.info("account action %s %s (%s)", done.kind, done.reference, done.status)
    if fail_after:
        return server_error()
    return render_template("account_action_saved.html", done=done, values=values), 200


def _csv(rows: list[list[str]], name: str = "open_invoices.csv") -> Response:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerows(rows)
    return Response(("\ufeff" + buffer.getvalue()).encode("utf-8"), mimetype="text/csv",
                    headers={"Content-Disposition": f"attachment; filename={name}"})


@bp.route("/accounts/authorisations.csv")
def export_authorisations() -> Response:
    """Every consent recorded on the portal (dates YYYY-MM-DD, amounts with a decimal comma)."""
    rows: list[list[str]] = [list(AUTHORISATION_COLUMNS)]
    for row in store.authorisations(db()):
        rows.append([format_european(from_db(row[c]), grouped=False) if c == "amount_limit"
                     else str(row[c]) for c in AUTHORISATION_COLUMNS])
    return _csv(rows, "authorisations.csv")

@bp.route("/accounts/export.csv")
def export_open_invoices() -> Response:
    rows: list[list[str]] = [list(EXPORT_COLUMNS)]
    for row in store.open_invoice_rows(db()):
        has_invoice = row["invoice_id"] is not None
        cells = {
            "account_id": row["id"], "balance": format_european(store.balance(row), grouped=False)
            if has_invoice else "",
            "amount": format_european(from_db(row["amount"]), grouped=False)
            if has_invoice else "",
            "suspension_allowed": "Y" if row["suspension_allowed"] else "N",
        }
        rows.append([cells[c] if c in cells else ("" if row[c] is None else str(row[c]))
                     for c in EXPORT_COLUMNS])
    return _csv(rows)
