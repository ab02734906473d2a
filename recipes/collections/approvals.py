"""Approvals of suspensions and large charges: a file of decisions, four eyes on people.

    request,approver,decision          (CSV or xlsx; decision: approve | refuse)
    SUS-C0001-INV-2026-00001,m.campos,approve

The approver is resolved in the staff directory and must be another person than the
requester (`bots.people.four_eyes`: ids compared, so `Collections Bot` or a homoglyph of
the requester's name is the requester). A refused four-eyes check leaves the request
waiting for someone else, audited with its reason; a decision on a request that is no
longer waiting changes nothing.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from bots.errors import BusinessError, InputError
from bots.people import StaffDirectory, four_eyes
from connectors.sheets import read_rows
from recipes.collections.evidence import Evidence


class Decision(BaseModel):
    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)

    request: str = Field(min_length=1)
    approver: str = Field(min_length=1)
    decision: Literal["approve", "refuse"]


def read_decisions(path: Path) -> list[Decision]:
    """Every row valid, or an InputError naming the first bad one (nothing decided)."""
    rows = read_rows(path, Decision)
    if rows.problems:
        first = rows.problems[0]
        raise InputError(f"{first.reason} ({len(rows.problems)} problem(s) in the "
                         "approvals; nothing decided)",
                         file=str(path), row=first.row, column=first.column)
    return [valid.value for valid in rows.valid]


def apply_decisions(decisions: list[Decision], evidence: Evidence, staff: StaffDirectory,
                    today: date) -> dict[str, int]:
    counts = {"approved": 0, "refused": 0, "four_eyes_refused": 0, "not_waiting": 0}
    for d in decisions:
        request = evidence.request(d.request)
        if request is None or request.state != "awaiting_approval":
            counts["not_waiting"] += 1
            continue
        try:
            held = four_eyes(staff, {"requester": request.requested_by, "approver": d.approver})
        except BusinessError as exc:
            evidence.audit("collections.approval_refused", f"request:{d.request}",
                           {"approver": d.approver, "reason": exc.reason, "why": str(exc)})
            counts["four_eyes_refused"] += 1
            continue
        approver = held["approver"].id
        if d.decision == "approve":
            evidence.update_request(d.request, "collections.request_approved", state="approved",
                                    approved_by=approver, decided_on=today)
            counts["approved"] += 1
        else:
            evidence.update_request(d.request, "collections.request_refused", state="cancelled",
                                    approved_by=approver, decided_on=today)
            counts["refused"] += 1
    return counts
