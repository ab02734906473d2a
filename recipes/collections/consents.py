"""Authorisations given on the portal: the customer's consent, recorded by the portal's
self-service screen, read from its export (`/accounts/authorisations.csv`, mapped in
`connectors/portal/accounts.toml`) and recorded as evidence with channel "portal".

Each row says which invoice (empty: any of the account's), card or debit (a debit with
its mandate reference), up to how much, who gave it, when, and until when. It is kept
as evidence under the portal's reference (`portal:AU-000001`), so reading the export
every day records each consent once. It expires on the portal's date or after the
policy's `charges.authorisation_days`, whichever comes first; a charge needs one that has
not expired and allows the invoice's open balance. A row the recipe cannot read is
refused (counted, in the store's rejected rows) and the rest recorded: a consent missing
its limit or mandate cannot authorise anything.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from connectors.sheets import ColumnMap, read_rows
from recipes.collections.evidence import Evidence
from recipes.collections.policy import CollectionsPolicy

COLUMNS = ColumnMap(decimal_comma=True, date_formats=("%Y-%m-%d",))


class PortalAuthorisation(BaseModel):
    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)

    reference: str = Field(min_length=1)
    account_id: str = Field(min_length=1)
    invoice_id: str | None = None
    method: Literal["card", "debit"]
    mandate_reference: str | None = None
    amount_limit: Decimal = Field(gt=0, decimal_places=2)
    given_by: str = Field(min_length=1)
    given_on: date
    expires_on: date

    @model_validator(mode="after")
    def _debit_has_a_mandate(self) -> PortalAuthorisation:
        if self.method == "debit" and not self.mandate_reference:
            raise ValueError(f"{self.reference}: a direct debit needs its mandate reference")
        return self


def read_consents(path: Path) -> tuple[list[PortalAuthorisation], Any]:
    """The export's valid rows, and its problems (file, row, column, reason)."""
    rows = read_rows(path, PortalAuthorisation, columns=COLUMNS)
    return [valid.value for valid in rows.valid], rows.problems


def record_consents(consents: list[PortalAuthorisation], evidence: Evidence,
                    policy: CollectionsPolicy) -> int:
    """Each consent as evidence (once); how many were new."""
    new = 0
    for c in consents:
        new += evidence.authorise(
            source_key=f"portal:{c.reference}", customer=c.account_id,
            invoice=c.invoice_id or "", channel="portal", method=c.method,
            mandate_reference=c.mandate_reference or "", evidence=c.reference,
            given_by=c.given_by, recorded_by="portal",
            given_at=datetime.combine(c.given_on, datetime.min.time(), UTC),
            valid_days=policy.charges.authorisation_days, expires_on=c.expires_on,
            amount_limit=c.amount_limit)
    return new
