"""The business rules of an invoice adjustment, and the cent-exact amounts it resolves to.

Every refusal is a `BusinessError` whose `reason` is a `Refusal` value, so the exceptions
workbook and the work-item review can group them.

How the amounts are computed (rounding `R` is the policy's rule, half-up by default):

1. The net N. An `amount` request gives it directly. A `percentage` p is resolved against
   the invoice's net as issued (the sum of its lines): N = R(invoice net x p).
2. The split over tax rates. The invoice's lines are grouped by rate (21 %, 10 %, ...);
   each group g has its net n_g and tax t_g. N is shared in proportion to the groups'
   nets: share_g = R(N x n_g / invoice net). The cents rounding leaves over (or takes too
   many) go to the share of the group with the largest net, so the shares sum to N
   exactly (`bots.money.allocate`). An invoice with a single rate has one share, N.
3. The tax of each share at its own rate: tax_g = R(share_g x rate_g / 100). One
   exception keeps full cancellations exact: a share equal to its group's whole net takes
   that group's tax as invoiced, t_g, because the invoice rounded tax line by line and a
   recomputation over the group could differ by a cent (a 100 % credit must close the
   invoice to the cent, not leave 0.01 open or exceed the balance by 0.01).
4. The tax T is the sum of tax_g; the gross is N + T.

Example (half-up): lines 100.00 at 21 % and 50.00 at 10 %, a 10 % credit: N = 15.00,
shares 10.00 and 5.00, tax 2.10 + 0.50 = 2.60, gross 17.60.

The checks, in order: exactly one of amount and percentage; amount above zero;
percentage above zero and at most the policy's maximum; reason allowed for the kind;
invoice found and open; approvals (on the resolved net or gross, per the policy; the
requester and approvers resolved to people in the staff directory, four eyes on their
ids: bots/people.py); a credit's gross at most the open balance.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from bots.errors import BusinessError
from bots.money import CENT, ZERO, Rounding, allocate, tax_at
from bots.people import SamePerson, StaffDirectory, UnknownPerson, four_eyes, staff_directory
from connectors.invoice_model import AdjustmentKind, Invoice
from recipes.invoice_adjustments.policy import AdjustmentPolicy, AmountBasis
from recipes.invoice_adjustments.requests import AdjustmentRequest


class Refusal(StrEnum):
    AMOUNT_MISSING = "amount_missing"
    AMOUNT_AND_PERCENTAGE = "amount_and_percentage"
    AMOUNT_NOT_POSITIVE = "amount_not_positive"
    AMOUNT_NOT_IN_CENTS = "amount_not_in_cents"
    PERCENTAGE_OUT_OF_RANGE = "percentage_out_of_range"
    REASON_NOT_ALLOWED = "reason_not_allowed"
    INVOICE_NOT_FOUND = "invoice_not_found"
    INVOICE_CLOSED = "invoice_closed"
    INVOICE_WITHOUT_NET = "invoice_without_net"
    APPROVER_MISSING = "approver_missing"
    SELF_APPROVED = "self_approved"
    SECOND_APPROVER_MISSING = "second_approver_missing"
    APPROVERS_NOT_DISTINCT = "approvers_not_distinct"
    CREDIT_OVER_BALANCE = "credit_over_balance"
    DUPLICATE_REQUEST_ID = "duplicate_request_id"
    UNKNOWN_PERSON = "unknown_person"


def refuse(request: AdjustmentRequest, reason: Refusal, message: str) -> BusinessError:
    return BusinessError(f"request {request.request_id}: {message}", reason=reason.value)


@dataclass(frozen=True)
class RatePart:
    rate: Decimal
    net: Decimal
    tax: Decimal


@dataclass(frozen=True)
class Resolution:
    """The amounts to key for one request: positive net and tax, the kind says the sign."""

    request_id: str
    invoice_id: str
    kind: AdjustmentKind
    net: Decimal
    tax: Decimal
    parts: tuple[RatePart, ...]

    @property
    def gross(self) -> Decimal:
        return self.net + self.tax

    @property
    def signed_gross(self) -> Decimal:
        return self.kind.sign * self.gross


def check_request(request: AdjustmentRequest, policy: AdjustmentPolicy) -> None:
    """The rules that need no invoice: amount or percentage, sign, range, reason."""
    if request.amount is None and request.percentage is None:
        raise refuse(request, Refusal.AMOUNT_MISSING, "neither an amount nor a percentage")
    if request.amount is not None and request.percentage is not None:
        raise refuse(request, Refusal.AMOUNT_AND_PERCENTAGE,
                     "both an amount and a percentage; give one")
    if request.amount is not None:
        if request.amount <= 0:
            raise refuse(request, Refusal.AMOUNT_NOT_POSITIVE,
                         f"amount {request.amount} must be above zero (the kind gives the sign)")
        if request.amount != request.amount.quantize(CENT):
            raise refuse(request, Refusal.AMOUNT_NOT_IN_CENTS,
                         f"amount {request.amount} has fractions of a cent")
    if request.percentage is not None and not 0 < request.percentage <= policy.max_percentage:
        raise refuse(request, Refusal.PERCENTAGE_OUT_OF_RANGE,
                     f"percentage {request.percentage * 100:f}% must be above 0% and at most "
                     f"{policy.max_percentage * 100:f}%")
    if not policy.allowed(request.kind, request.reason_code):
        allowed = ", ".join(sorted(policy.reasons[request.kind]))
        raise refuse(request, Refusal.REASON_NOT_ALLOWED,
                     f"reason {request.reason_code!r} is not allowed for a {request.kind.value} "
                     f"(allowed: {allowed})")


def resolve(request: AdjustmentRequest, invoice: Invoice, rule: Rounding) -> Resolution:
    """Net, tax per rate and total for `request` on `invoice` (see the module docstring)."""
    groups = [group for group in invoice.rate_groups() if group.net != 0]
    if not groups or invoice.net <= 0:
        raise refuse(request, Refusal.INVOICE_WITHOUT_NET,
                     f"invoice {invoice.id} has no net amount to adjust against")
    if request.percentage is not None:
        net = rule.cents(invoice.net * request.percentage)
    elif request.amount is not None:
        net = request.amount
    else:
        raise refuse(request, Refusal.AMOUNT_MISSING, "neither an amount nor a percentage")
    shares = allocate(net, [group.net for group in groups], rule)
    parts = tuple(
        RatePart(group.rate, share, group.tax if share == group.net else tax_at(share, group.rate, rule))
        for group, share in zip(groups, shares, strict=True)
    )
    return Resolution(request.request_id, invoice.id, request.kind, net,
                      sum((part.tax for part in parts), ZERO), parts)


def check_approval(request: AdjustmentRequest, amount: Decimal, policy: AdjustmentPolicy,
                   staff: StaffDirectory | None = None) -> None:
    """Approvals per the policy; who requested and who approved are resolved to people
    through the staff directory and kept apart by the runtime's one four-eyes rule."""
    needed = policy.approval.approvers_needed(amount)
    if needed == 0:
        return
    if not request.approved_by.strip():
        raise refuse(request, Refusal.APPROVER_MISSING, f"an adjustment of {amount} needs an approver")
    if needed == 2 and not request.second_approver.strip():
        raise refuse(request, Refusal.SECOND_APPROVER_MISSING,
                     f"an adjustment of {amount} needs a second approver (from "
                     f"{policy.approval.two_approvers_from})")
    roles = {"requester": request.requested_by, "approver": request.approved_by}
    if request.second_approver.strip():
        roles["second approver"] = request.second_approver
    try:
        four_eyes(staff or staff_directory(), roles)
    except UnknownPerson as exc:
        raise refuse(request, Refusal.UNKNOWN_PERSON, str(exc)) from None
    except SamePerson as exc:
        reason = (Refusal.SELF_APPROVED if "requester" in exc.roles
                  else Refusal.APPROVERS_NOT_DISTINCT)
        raise refuse(request, reason, str(exc)) from None


def validate(request: AdjustmentRequest, invoice: Invoice | None,
             policy: AdjustmentPolicy) -> Resolution:
    """Every rule, in order; returns what to key or raises the first refusal."""
    check_request(request, policy)
    if invoice is None:
        raise refuse(request, Refusal.INVOICE_NOT_FOUND, f"invoice {request.invoice_id} not found")
    if not invoice.is_open:
        raise refuse(request, Refusal.INVOICE_CLOSED,
                     f"invoice {invoice.id} is {invoice.status}, not open")
    resolution = resolve(request, invoice, policy.rounding)
    basis = resolution.net if policy.approval.basis is AmountBasis.NET else resolution.gross
    check_approval(request, basis, policy)
    if request.kind is AdjustmentKind.CREDIT and resolution.gross > invoice.open_balance:
        raise refuse(request, Refusal.CREDIT_OVER_BALANCE,
                     f"credit of {resolution.gross} (net {resolution.net} + tax {resolution.tax}) "
                     f"exceeds the open balance {invoice.open_balance} of invoice {invoice.id}")
    return resolution
