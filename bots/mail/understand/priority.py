"""How soon a mail is worked: points for its category, age, words, customer tier, amount.

The points are in the rules file ([priority]); the customer file is a CSV with a `tier`
column and a `customer` (id) and/or `email` column, read once when the reader is loaded.
A sender is found by address (case-insensitive), then by any customer id in the mail.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from pathlib import Path

from bots.errors import InputError
from bots.mail.understand.config import PriorityRules
from bots.mail.understand.csvfiles import read_rows
from bots.mail.understand.text import fold

LOWEST, HIGHEST = 0, 1000


@dataclass(frozen=True)
class Customers:
    by_email: dict[str, str] = field(default_factory=dict)
    by_id: dict[str, str] = field(default_factory=dict)

    def tier(self, sender: str, customer_ids: list[str]) -> str | None:
        found = self.by_email.get(sender.strip().casefold())
        if found:
            return found
        return next((self.by_id[c.upper()] for c in customer_ids if c.upper() in self.by_id), None)


def load_customers(path: Path, tiers: dict[str, int]) -> Customers:
    """Read the customer file; a row naming an unknown tier or no customer is refused."""
    by_email: dict[str, str] = {}
    by_id: dict[str, str] = {}
    header, rows = read_rows(path, ("tier",))
    if "tier" not in header or not set(header) & {"customer", "email"}:
        raise InputError("customer file lacks its columns", file=str(path), row=1,
                         expected="a header with tier and customer and/or email", got=header)
    for row_no, raw in enumerate(rows, start=2):
        row = {key: value.strip() for key, value in raw.items()}
        tier = row.get("tier", "").casefold()
        if tier not in tiers:
            raise InputError("unknown customer tier", file=str(path), row=row_no, column="tier",
                             expected=f"one of {sorted(tiers)} (see [priority.tiers])", got=row.get("tier"))
        if not row.get("customer") and not row.get("email"):
            raise InputError("row names no customer", file=str(path), row=row_no,
                             column="customer", expected="a customer id or an email")
        if row.get("email"):
            by_email[row["email"].casefold()] = tier
        if row.get("customer"):
            by_id[row["customer"].upper()] = tier
    return Customers(by_email, by_id)


@dataclass(frozen=True)
class PriorityInputs:
    category: str
    language: str
    subject: str
    text: str
    received_at: datetime
    now: datetime
    tier: str | None
    amounts: tuple[Decimal, ...]


def priority_of(rules: PriorityRules, mail: PriorityInputs) -> int:
    points = rules.category.get(mail.category, 0)
    waited_hours = max((mail.now - mail.received_at).total_seconds() / 3600, 0.0)
    steps = int(waited_hours // rules.age_step_hours) if rules.age_step_hours > 0 else 0
    points += min(steps * rules.age_points_per_step, rules.age_max_points)
    words = fold(mail.subject + "\n" + mail.text)
    # urgency and legal threat count in either language: a Spanish customer may write
    # "ASAP", and the words cost nothing to look for
    if any(p.search(words) for patterns in rules.urgent.values() for p in patterns):
        points += rules.urgent_points
    if any(p.search(words) for patterns in rules.legal.values() for p in patterns):
        points += rules.legal_points
    if mail.tier is not None:
        points += rules.tiers.get(mail.tier, 0)
    largest = max(mail.amounts, default=Decimal(0))
    points += next((p for at_least, p in rules.amount if largest >= at_least), 0)
    return max(LOWEST, min(HIGHEST, points))
