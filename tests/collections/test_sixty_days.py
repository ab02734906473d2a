"""Must show: 60 days over a 200-customer book, one run a day on the real demo portal
(headless Chromium, forms posted in request mode), with an injected clock.

Checked: every customer gets exactly the letters the policy says on the days it says,
and every charge ends as the provider's terms say (both computed in letter_oracle.py
from the policy and the world's events: payments, promises, authorisations, disputes,
the approvers' habits); no charge without a recorded, unexpired authorisation, large ones
approved by another person; no suspension without another person's approval (the
requester's own approval, under another spelling, is refused); at the end of every day no
account is suspended without an overdue invoice (reactivated the day the payment is
seen); a disputed invoice is never chased after the dispute; declines: hard never
retried, soft on the retry schedule; the workbook's figures equal a count over the
portal's database.
"""

from __future__ import annotations

import sqlite3
from collections import defaultdict
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import openpyxl
import sqlalchemy as sa
from collections_support import START, Book, DayClock
from letter_oracle import expected
from sim_world import run_day

from bots.store import open_store
from demo.samples.collections import book_script
from recipes.collections.policy import load_policy

DAYS = 60


def test_sixty_days_over_two_hundred_customers(big_book: Book, tmp_path: Path,
                                               one_browser: None) -> None:
    policy = load_policy()
    script = book_script(big_book.customers, START, DAYS)
    clock = DayClock(START)
    portal = sqlite3.connect(big_book.db)
    last = None
    for day in range(DAYS):
        result = run_day(big_book, tmp_path / "inputs", script, day, clock)
        assert result.ok, f"day {day}: {result.error}"
        today = START + timedelta(days=day)
        for account, in portal.execute("select id from accounts where service_status='suspended'"):
            overdue = portal.execute("select count(*) from account_invoices where account_id=?"
                                     " and status='open' and due_date < ?",
                                     (account, today.isoformat())).fetchone()[0]
            assert overdue, f"day {day}: {account} suspended with nothing overdue"
        last = result
        clock.next_day()
    store = open_store()
    with store.connect() as conn:
        letters = conn.execute(sa.text(
            "select case_ref, step, channel, created_at from outbox_messages"
            " where template='collections_letter'")).all()
        requests = {r.id: r for r in conn.execute(sa.text("select * from collections_requests"))}
        auths = {f"AUTH-{r.id:06d}": r for r in conn.execute(
            sa.text("select * from collections_authorisations"))}
        disputes = {r.invoice: r for r in conn.execute(sa.text("select * from collections_disputes"))}
        refused = conn.execute(sa.text("select count(*) from audit_events where action ="
                                       " 'collections.approval_refused'")).scalar()
        charge_items = conn.execute(sa.text(
            "select key, finished_at from work_items where queue='collections'"
            " and key like 'charge:%' and state='done'")).all()
        broken = conn.execute(sa.text("select invoice from collections_promises where"
                                      " state = 'broken'")).scalars().all()
        kept = conn.execute(sa.text("select count(*) from collections_promises where"
                                    " state = 'kept'")).scalar()
        bumped = dict(conn.execute(sa.text("select invoice, bumps from collections_bumps")).all())
        finished = {key: _day(at) for key, at in conn.execute(sa.text(
            "select key, finished_at from work_items where queue='collections'"))}
    sent: dict[str, dict[str, date]] = defaultdict(dict)
    for case, step, _channel, created in letters:
        day = created.date() if hasattr(created, "date") else date.fromisoformat(str(created)[:10])
        assert step not in sent[case], f"{case}: two letters for {step}"
        sent[case][step] = day

    # letters exactly per policy for every customer, and every charge's fate, as the
    # oracle computes them from the policy and the world's events (letter_oracle.py)
    letters_due, charges_due = expected(big_book.customers, script, policy, START, DAYS)
    wrong = {c.invoice: (sent.get(c.invoice, {}), letters_due[c.invoice])
             for c in big_book.customers if sent.get(c.invoice, {}) != letters_due[c.invoice]}
    assert not wrong, f"{len(wrong)} customers got other letters than the policy says: {wrong}"
    touched = {c["invoice"] for calls in script.calls.values() for c in calls}
    touched |= {str(m["facts"]["invoice"][0]) for mails in script.mails.values() for m in mails}
    assert len(touched) > 40 and sum(bool(v) for v in letters_due.values()) > 100
    charged: dict[str, list[str]] = defaultdict(list)
    for invoice, code in portal.execute("select invoice_id, decline_code from account_actions"
                                        " where kind='charge' order by id"):
        charged[invoice].append(code)
    assert dict(charged) == charges_due

    # promises: kept ones and broken ones, and a broken one moved its invoice a level on
    assert broken and kept
    assert bumped == {invoice: broken.count(invoice) for invoice in broken}

    # disputes: nothing after the dispute
    for invoice, dispute in disputes.items():
        opened = _day(dispute.opened_at)
        assert all(day < opened for day in sent.get(invoice, {}).values()), invoice
        charge = requests.get(f"CHG-{invoice}")
        assert charge is None or _day(charge.requested_on) < opened
        suspension = requests.get(f"SUS-{dispute.customer}-{invoice}")
        assert suspension is None or _day(suspension.requested_on) < opened
        applied = finished.get(f"suspend:SUS-{dispute.customer}-{invoice}")
        assert applied is None or applied < opened
    assert disputes

    # charges: each under a recorded authorisation of that customer; large ones approved
    charges = portal.execute("select * from account_actions where kind='charge'").fetchall()
    assert charges
    columns = [d[0] for d in portal.execute("select * from account_actions").description]
    for row in charges:
        action = dict(zip(columns, row, strict=True))
        auth = auths[action["authorisation_reference"]]
        assert auth.customer == action["account_id"]
        assert auth.invoice in ("", action["invoice_id"])
        request = requests[f"CHG-{action['invoice_id']}"]
        if Decimal(action["amount"]) >= policy.approval.charge_from:
            assert request.approved_by and request.approved_by != request.requested_by

    # suspensions: approved by someone else, and the requester's own approvals were refused
    suspends = portal.execute("select request_reference from account_actions"
                              " where kind='suspend'").fetchall()
    assert suspends
    for (reference,) in suspends:
        request = requests[reference.split("/", 1)[1]]
        assert request.approved_by and request.approved_by != request.requested_by
    assert refused >= len(suspends)
    assert portal.execute("select count(*) from account_actions where kind='reactivate'"
                          ).fetchone()[0] > 0

    # declines: hard never retried, soft per schedule (2 then 5 days), at most 3 tries
    days_of: dict[str, list[date]] = defaultdict(list)
    for key, finished in charge_items:
        days_of[key.split(":")[1]].append(finished.date() if hasattr(finished, "date")
                                          else date.fromisoformat(str(finished)[:10]))
    by_invoice = {c.invoice: c for c in big_book.customers}
    for invoice, tries in days_of.items():
        tries.sort()
        outcome = [r[0] for r in portal.execute(
            "select decline_code from account_actions where kind='charge' and invoice_id=?"
            " order by id", (invoice,))]
        assert len(outcome) == len(tries)
        if outcome[0] in ("expired_card", "mandate_missing"):
            assert len(tries) == 1, (invoice, outcome)
        gaps = [(b - a).days for a, b in zip(tries, tries[1:], strict=False)]
        assert gaps == [2, 5][:len(gaps)], (invoice, tries)
        soft = by_invoice[invoice].soft_declines
        assert outcome.count("insufficient_funds") <= min(soft, 3)

    # the workbook of the last day against the portal's database
    workbook = openpyxl.load_workbook(Path(big_book.env["RPA_DATA_DIR"]) /
                                      _artifact(last.run_id, "collections.xlsx"))
    ageing = {r[0]: (r[1], Decimal(str(r[2]))) for r in
              workbook["Ageing"].iter_rows(min_row=2, values_only=True)}
    last_day = START + timedelta(days=DAYS - 1)
    direct: dict[str, list[Decimal]] = defaultdict(list)
    for due, amount, paid in portal.execute(
            "select due_date, amount, paid from account_invoices where status='open'"):
        direct[policy.bucket((last_day - date.fromisoformat(due)).days)].append(
            Decimal(amount) - Decimal(paid))
    for bucket, (count, amount) in ageing.items():
        assert count == len(direct[bucket]), bucket
        assert amount == sum(direct[bucket], Decimal(0)), bucket
    figures = {r[0]: (r[1], Decimal(str(r[2])))
               for r in workbook["Collected"].iter_rows(min_row=2, values_only=True)}
    def direct_sum(where: str) -> tuple[int, Decimal]:
        amounts = [Decimal(a) for (a,) in portal.execute(
            f"select amount from account_actions where {where}")]  # text: summed exactly
        return len(amounts), sum(amounts, Decimal(0))

    payments = direct_sum("kind='payment'")
    approved = direct_sum("kind='charge' and status='approved'")
    assert figures["payments"] == payments
    assert figures["charges"] == approved
    assert figures["suspensions"][0] == len(suspends)
    reactivations = portal.execute("select count(*) from account_actions where kind ="
                                   " 'reactivate'").fetchone()[0]
    assert figures["reactivations"][0] == reactivations


def _day(value: object) -> date:
    return value.date() if isinstance(value, datetime) else date.fromisoformat(str(value)[:10])


def _artifact(run_id: int, name: str) -> str:
    with open_store().connect() as conn:
        return conn.execute(sa.text("select path from artifacts where run_id = :r and path like"
                                    " :n"), {"r": run_id, "n": f"%{name}"}).scalar()
