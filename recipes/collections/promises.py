"""Promises to pay, matched first-in first-out against the payments received.

Each customer's payments (bank lines seen, oldest booked first) fill their promises in the
order the promises were made; a payment fills a promise only if it was booked on or after
the day the promise was made. A promise is kept once filled by payments booked on or
before its date, broken when its date has passed unfilled (the invoice moves one level on).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import Decimal
from typing import Any

from recipes.collections.evidence import Evidence


def fifo(promises: list[Any], payments: list[Any], today: date) -> dict[int, str]:
    """{promise id: "kept" | "broken" | "open"} (pure: the known-answer tests use it)."""
    pool: dict[str, list[list[Any]]] = defaultdict(list)
    for payment in payments:
        pool[payment.customer].append([payment.booked_on, Decimal(payment.amount)])
    states = {}
    for promise in promises:
        need = Decimal(promise.amount)
        made = promise.made_at.date() if hasattr(promise.made_at, "date") else promise.made_at
        for entry in pool[promise.customer]:
            booked, left = entry
            if need <= 0:
                break
            if left <= 0 or booked < made or booked > promise.promised_on:
                continue
            used = min(left, need)
            entry[1], need = left - used, need - used
        if need <= 0:
            states[promise.id] = "kept"
        elif today > promise.promised_on:
            states[promise.id] = "broken"
        else:
            states[promise.id] = "open"
    return states


def settle_promises(evidence: Evidence, today: date) -> dict[str, int]:
    promises = evidence.promises()
    states = fifo(promises, evidence.payments(), today)
    counts = {"kept": 0, "broken": 0}
    for promise in promises:
        state = states[promise.id]
        if promise.state == "open" and state != "open":
            evidence.settle_promise(promise.id, state, today, promise.customer, promise.invoice)
            counts[state] += 1
    return counts
