"""What the policy says each customer of a scripted book receives, computed here from the
policy and the world's events (the bank lines, the call sheets, the mails and the way the
simulation approves), day by day, without the recipe's code: the oracle of the 60 days.

A day, in the order the policy puts things: what the customer said (an authorisation is
good from the day given for `authorisation_days`; a dispute stops everything from the day
it arrives; a promise holds letters up to its date) -> payments (a line paying the open
invoice in full) -> promises (kept when paid by the date, else broken the day after it,
moving the invoice one level on) -> approvals (the simulation: a request the requester
tries to approve himself the day after it is made, another person the day after that)
-> a charge when an authorisation covers an invoice that is due (an approval first from
`charge_from`; an expired card or a debit without mandate declines for good, insufficient
funds is retried on `retry_days`) -> the letter of the level reached, once per level.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from demo.samples.collections import Customer, Script
from recipes.collections.policy import CollectionsPolicy


@dataclass
class _Invoice:
    c: Customer
    paid: bool = False
    disputed: bool = False
    bumps: int = 0
    promises: list[tuple[int, int]] = field(default_factory=list)  # (made, promised) days
    broken: set[int] = field(default_factory=set)
    auths: list[tuple[int, str]] = field(default_factory=list)  # (given day, method)
    request: str = ""  # "" | awaiting | approved | done | declined
    requested: int = 0
    attempts: int = 0
    last_try: int = 0
    soft_left: int = 0
    charges: list[str] = field(default_factory=list)  # decline codes, "" = approved
    letters: dict[str, date] = field(default_factory=dict)


def expected(customers: list[Customer], script: Script, policy: CollectionsPolicy,
             start: date, days: int) -> tuple[dict[str, dict[str, date]], dict[str, list[str]]]:
    """({invoice: {level: day of its letter}}, {invoice: [each charge's decline code]})."""
    book = {c.invoice: _Invoice(c, soft_left=c.soft_declines) for c in customers}
    for day in range(days):
        today = start + timedelta(days=day)
        for call in script.calls.get(day, []):
            inv = book[call["invoice"]]
            if call["outcome"] == "authorisation":
                inv.auths.append((day, call["method"]))
            elif call["outcome"] == "promise":
                inv.promises.append((day, (date.fromisoformat(call["promised_date"])
                                           - start).days))
        for mail in script.mails.get(day, []):
            inv = book[str(mail["facts"]["invoice"][0])]  # type: ignore[index]
            if mail["category"] == "invoice_dispute":
                inv.disputed = True
            else:
                inv.auths.append((day, "card"))
        for line in script.bank.get(day, []):
            inv = book[line["concept"].split()[-1]]
            if not inv.paid and Decimal(line["amount"]) == inv.c.amount:
                inv.paid = True
                for n, (made, promised) in enumerate(inv.promises):
                    if made <= day <= promised:
                        inv.promises[n] = (made, -1)  # kept
        for inv in book.values():
            for n, (_made, promised) in enumerate(inv.promises):
                if promised >= 0 and day > promised and n not in inv.broken:
                    inv.broken.add(n)
                    inv.bumps += 1
            _approvals(inv, day)
            _charge(inv, policy, day, today)
            _letter(inv, policy, day, today)
    return ({i: inv.letters for i, inv in book.items()},
            {i: inv.charges for i, inv in book.items() if inv.charges})


def _approvals(inv: _Invoice, day: int) -> None:
    if inv.request == "awaiting" and not inv.paid and day >= inv.requested + 2:
        inv.request = "approved"


def _charge(inv: _Invoice, policy: CollectionsPolicy, day: int, today: date) -> None:
    c = inv.c
    if inv.paid or inv.disputed or today < c.due:
        return
    valid = [(given, method) for given, method in inv.auths
             if given <= day <= given + policy.charges.authorisation_days]
    if not valid:
        return
    method = valid[-1][1]
    if not inv.request:
        inv.request = "awaiting" if c.amount >= policy.approval.charge_from else "approved"
        inv.requested = day
    if inv.request != "approved":
        return
    retry = policy.charges.retry_days
    if inv.attempts:
        if inv.attempts > len(retry):
            inv.request = "declined"
            return
        if day < inv.last_try + retry[inv.attempts - 1]:
            return
    if method == "debit":
        code = "" if c.mandate else "mandate_missing"
    elif c.card_expired:
        code = "expired_card"
    elif inv.soft_left:
        inv.soft_left -= 1
        code = "insufficient_funds"
    else:
        code = ""
    inv.charges.append(code)
    inv.attempts, inv.last_try = inv.attempts + 1, day
    if not code:
        inv.paid, inv.request = True, "done"
    elif code not in policy.charges.soft_declines:
        inv.request = "declined"


def _letter(inv: _Invoice, policy: CollectionsPolicy, day: int, today: date) -> None:
    if inv.paid or inv.disputed:
        return
    if any(made <= day <= promised for made, promised in inv.promises):
        return  # a promise not yet due holds the letters
    late = (today - inv.c.due).days - inv.c.grace
    reached = [n for n, level in enumerate(policy.levels) if late >= level.days]
    index = min((reached[-1] if reached else -1) + inv.bumps, len(policy.levels) - 1)
    if index < 0:
        return
    level = policy.levels[index]
    if level.channel is not None and level.name not in inv.letters:
        inv.letters[level.name] = today
