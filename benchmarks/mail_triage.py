"""Mail triage benchmark: classification quality, screening, and throughput against a
naive imaplib/smtplib script, on the same Dovecot and SMTP server in the same run.

    .venv/bin/python benchmarks/mail_triage.py                 # 10,000 mails, 3 rounds
    .venv/bin/python benchmarks/mail_triage.py --mails 1000 --rounds 1   # a quick run

Quality: `bots.mail.understand.evaluate` (train on the labelled corpus's train-style part,
macro-F1 of the category on its test-style part, phrased differently, and on its fresh
style, written after tuning; the share of mail sent to review, and the accuracy of the rest). Screening: over
the generated mailbox (customer mail plus auto-replies, bounces, lists, no-reply, loops,
spam), precision of what triage screened out, and answers sent to screened mail.

Throughput, per round each contender gets its own Dovecot user seeded with the same
mails (demo.mail_world), and sends to an SMTP server of its own of the same kind
(demo.customer_mailbox), each server in a process of its own, as a relay is:

(a) naive: imaplib, UID SEARCH then one FETCH per mail, keyword rules, an smtplib
    connection per reply, COPY + STORE \\Deleted + EXPUNGE per mail to file it; no
    screening beyond "out of office" in the subject, no exactly-once, no audit.
(b) triage: `mail_triage` then `send_outbox` as the scheduler runs them (batched fetches,
    work items with leases and audit, claimed and recorded 50 at a time, outbox with its
    rules and its default 4 sending lanes, moves by UID sets), with a fresh store, until
    every mail is filed and every answer sent; the classifier is
    trained first from the corpus's train-style part (`--rules-only`: keyword rules alone).
    `--alongside`: send_outbox runs in its own process again and again while mail_triage
    works, as a deployment's schedule runs them (every minute beside every five), instead
    of after it.

Mails per second from the first IMAP command to the last mail filed and answer sent;
the order of the contenders alternates by round; the ratio is the median over rounds.
A table, then the last line: one JSON object with the figures.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import argparse  # noqa: E402
import email  # noqa: E402
import imaplib  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import shutil  # noqa: E402
import smtplib  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from collections.abc import Iterator  # noqa: E402
from contextlib import contextmanager  # noqa: E402
from email.header import decode_header, make_header  # noqa: E402
from email.message import EmailMessage  # noqa: E402
from email.utils import parseaddr  # noqa: E402
from typing import Any  # noqa: E402

from demo.customer_mailbox import CustomerMailbox, free_port  # noqa: E402
from demo.imap_server import ImapServer  # noqa: E402
from demo.mail_world import SeedMail, generate_mails, seed  # noqa: E402

PASSWORD = "bench-pass"
NAIVE_RULES = [  # the keyword list a user writes first
    ("cancel", "Orders"), ("anul", "Orders"), ("devol", "Orders"), ("return", "Orders"),
    ("pedido", "Orders"), ("order", "Orders"), ("factura", "Billing"), ("invoice", "Billing"),
    ("pago", "Billing"), ("pay", "Billing"), ("queja", "Complaints"), ("complaint", "Complaints"),
]


def naive_triage(host: str, port: int, user: str, smtp_port: int) -> dict[str, Any]:
    """The script people write: one mail at a time, one SMTP connection per answer."""
    imap = imaplib.IMAP4(host, port)
    imap.login(user, PASSWORD)
    imap.select("INBOX")
    typ, data = imap.uid("SEARCH", None, "ALL")
    uids = data[0].split()
    made: set[str] = set()
    answered = 0
    for uid in uids:
        typ, data = imap.uid("FETCH", uid, "(RFC822)")
        msg = email.message_from_bytes(data[0][1])
        try:
            subject = str(make_header(decode_header(msg.get("Subject", ""))))
        except Exception:  # noqa: BLE001 - the naive script's only guard
            subject = msg.get("Subject", "")
        body = ""
        for part in msg.walk():
            if part.get_content_type() == "text/plain":
                payload = part.get_payload(decode=True) or b""
                body = payload.decode(part.get_content_charset() or "utf-8", "replace")
                break
        text = f"{subject} {body}".lower()
        folder = next((f for word, f in NAIVE_RULES if word in text), "General")
        sender = parseaddr(msg.get("From", ""))[1]
        if sender and "out of office" not in subject.lower():
            reply = EmailMessage()
            reply["From"] = "clientes@example.com"
            reply["To"] = sender
            reply["Subject"] = "Re: " + subject.replace("\n", " ")[:200]
            if msg.get("Message-ID"):  # folded ids would make the reply unsendable
                reply["In-Reply-To"] = "".join(str(msg["Message-ID"]).split())
            reply.set_content(f"Hemos recibido su mensaje ({folder}). / We got your message.")
            smtp = smtplib.SMTP(host, smtp_port)
            smtp.sendmail("clientes@example.com", [sender], reply.as_bytes())
            smtp.quit()
            answered += 1
        if folder not in made:
            imap.create(folder)
            made.add(folder)
        imap.uid("COPY", uid, folder)
        imap.uid("STORE", uid, "+FLAGS", "(\\Deleted)")
        imap.expunge()
    imap.logout()
    return {"mails": len(uids), "answered": answered}


def train_model(folder: Path) -> Path | None:
    """The classifier as `runner.py mail train` makes it, from the corpus's train-style
    part (the mailbox holds test-style mail: phrased otherwise)."""
    from bots.mail.understand import train_and_save
    from demo.mail_corpus import generate, write_csv

    folder.mkdir(parents=True, exist_ok=True)
    csv_path = write_csv(generate(0, 40, "train"), folder / "train.csv")
    train_and_save([csv_path], folder / "model")
    return folder / "model"


def triage_run(server: ImapServer, user: str, smtp: CustomerMailbox, data: Path,
               model: Path | None, alongside: bool = False) -> dict[str, Any]:
    env = {
        "RPA_DATA_DIR": str(data), "RPA_LOG__LEVEL": "WARNING",
        "RPA_MAIL__IMAP__HOST": server.host, "RPA_MAIL__IMAP__PORT": str(server.port),
        "RPA_MAIL__IMAP__SECURITY": "none", "RPA_MAIL__IMAP__USERNAME": user,
        "RPA_MAIL__IMAP__PASSWORD": PASSWORD, "RPA_MAIL__IMAP__FOLDERS": '["INBOX"]',
        "RPA_OUTBOX__SMTP__HOST": "127.0.0.1", "RPA_OUTBOX__SMTP__PORT": str(smtp.port),
        "RPA_OUTBOX__QUIET_HOURS": "{}", "RPA_OUTBOX__RATE_LIMIT_COUNT": "1000000",
        "RPA_OUTBOX__MAX_PER_RUN": "1000000",
    }
    if model is not None:
        env["RPA_MAIL__MODEL"] = str(model)
    os.environ.update(env)
    from bots.settings import reset_settings
    from bots.store import close_stores

    reset_settings()
    close_stores()
    from bots.executor import execute

    if not alongside:
        triage = execute("mail_triage", {"credit_requests": str(data / "credits.csv")})
        sent = execute("send_outbox", {})
        if not (triage.ok and sent.ok):
            raise SystemExit(f"triage failed: {triage.summary} {sent.summary}")
        return {"triage": triage.summary, "send": sent.summary, "steps": _steps()}
    # as a deployment schedules them: send_outbox runs in its own process, again and
    # again, while mail_triage works; over when triage is done and nothing is left
    done = data / "triage.done"
    sender = subprocess.Popen([sys.executable, "-c", SENDER_LOOP, str(done)],
                              env={**os.environ, "PYTHONPATH": str(ROOT)}, cwd=ROOT)
    try:
        triage = execute("mail_triage", {"credit_requests": str(data / "credits.csv")})
    finally:
        done.touch()
    if sender.wait(timeout=3600) != 0 or not triage.ok:
        raise SystemExit(f"triage failed: {triage.summary}; sender exit {sender.returncode}")
    return {"triage": triage.summary, "send": {"alongside": True}, "steps": _steps()}


ROOT = Path(__file__).resolve().parent.parent
SENDER_LOOP = """
import sys, time
from pathlib import Path
from bots.executor import execute
done = Path(sys.argv[1])
while True:
    finished = done.exists()
    result = execute("send_outbox", {})
    if not result.ok:
        sys.exit(1)
    if finished and result.summary.get("sent", 0) == 0 and not result.summary.get("left"):
        break
    if result.summary.get("sent", 0) == 0:
        time.sleep(0.2)
"""


def _steps() -> dict[str, float]:
    """Seconds per step of the two runs, from the store."""
    import sqlalchemy as sa

    from bots.store import open_store
    from bots.store.schema import steps

    with open_store().connect() as conn:
        rows = conn.execute(sa.select(steps.c.name, steps.c.duration_ms)).all()
    found: dict[str, float] = {}
    for name, ms in rows:
        found[name] = round(found.get(name, 0) + (ms or 0) / 1000, 2)
    return found


def screening(mails: list[SeedMail], summary: dict[str, Any], smtp: CustomerMailbox,
              data: Path) -> dict[str, Any]:
    """Precision of screening from the store, answers to screened mail from the SMTP server."""
    import sqlalchemy as sa

    from bots.store import open_store
    from bots.store.schema import work_items

    automated = {m.message_id for m in mails if m.automated}
    with open_store().connect() as conn:
        rows = conn.execute(sa.select(work_items.c.payload).where(
            work_items.c.queue == "mail_triage")).scalars().all()
    payloads = [r if isinstance(r, dict) else json.loads(r) for r in rows]
    screened = [p["message_id"] for p in payloads if p.get("outcome") == "screened"]
    true = sum(1 for m in screened if m in automated)
    automated_senders = {m.sender for m in mails if m.automated}
    answers_to_screened = sum(
        1 for envelope, _ in smtp.messages()
        if any(r.lower() in automated_senders for r in envelope["rcpt_tos"]))
    return {"screened": len(screened), "automated_seeded": len(automated),
            "screen_precision": round(true / len(screened), 4) if screened else None,
            "screen_recall": round(true / len(automated), 4) if automated else None,
            "answers_to_screened": answers_to_screened}


def naive_answers_to_automated(mails: list[SeedMail], smtp: CustomerMailbox) -> int:
    automated_senders = {m.sender for m in mails if m.automated}
    return sum(1 for envelope, _ in smtp.messages()
               if any(r.lower() in automated_senders for r in envelope["rcpt_tos"]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mails", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--no-quality", action="store_true", help="skip the classifier's part")
    parser.add_argument("--alongside", action="store_true", help="send_outbox in its own "
                        "process while mail_triage works, as a schedule runs them")
    parser.add_argument("--rules-only", action="store_true", help="triage without a trained "
                        "model (the keyword rules alone)")
    parser.add_argument("--smtp-in-process", action="store_true", help="the SMTP servers in "
                        "this process (as before 2026-12-04), each contender's interpreter "
                        "paying for its server's work")
    args = parser.parse_args()
    load = os.getloadavg()
    quality: dict[str, Any] = {}
    if not args.no_quality:
        from bots.mail.understand import evaluate
        from demo.mail_corpus import evaluation_sets

        began = time.perf_counter()
        sets = evaluation_sets(seed=0)
        quality = evaluate(sets["train"], sets["test"], seed=0,
                           extra={"fresh": sets["fresh"], "blind": sets["blind"],
                                  "hard": sets["hard"]})
        quality["seconds"] = round(time.perf_counter() - began, 1)
    mails = generate_mails(args.mails, seed=args.seed, automated_share=0.1, hard_share=0.2)
    # one folder only: the naive script reads INBOX, like most
    mails = [SeedMail(m.raw, m.message_id, m.sender, m.language, m.category, m.automated,
                      ("INBOX",), m.hard) for m in mails]
    rounds: list[dict[str, Any]] = []
    root = Path(tempfile.mkdtemp(prefix="mail-bench-"))
    model = None if args.rules_only else train_model(root / "training")
    users = {f"{who}{n}": PASSWORD for n in range(args.rounds) for who in ("naive", "triage")}
    with ImapServer(root / "imap", users=users) as server:
        for n in range(args.rounds):
            figures: dict[str, Any] = {}
            order = ("naive", "triage") if n % 2 == 0 else ("triage", "naive")
            for who in order:
                _seed_user(server, f"{who}{n}", mails)
                serving = (CustomerMailbox(root / f"smtp-{who}{n}") if args.smtp_in_process
                           else smtp_server(root / f"smtp-{who}{n}"))
                with serving as smtp:
                    began = time.perf_counter()
                    if who == "naive":
                        outcome = naive_triage(server.host, server.port, f"naive{n}", smtp.port)
                        seconds = time.perf_counter() - began
                        outcome["answers_to_automated"] = naive_answers_to_automated(mails, smtp)
                    else:
                        outcome = triage_run(server, f"triage{n}", smtp, root / f"data{n}", model,
                                             args.alongside)
                        seconds = time.perf_counter() - began
                        outcome["screening"] = screening(mails, outcome["triage"], smtp,
                                                         root / f"data{n}")
                    outcome["seconds"] = round(seconds, 2)
                    outcome["per_second"] = round(len(mails) / seconds, 1)
                    figures[who] = outcome
            figures["ratio"] = round(figures["triage"]["per_second"]
                                     / figures["naive"]["per_second"], 2)
            rounds.append(figures)
            print(f"round {n + 1}: naive {figures['naive']['per_second']:>7.1f} mails/s "
                  f"({figures['naive']['seconds']} s), triage "
                  f"{figures['triage']['per_second']:>7.1f} mails/s "
                  f"({figures['triage']['seconds']} s; steps {figures['triage']['steps']}), "
                  f"ratio {figures['ratio']}", flush=True)
    shutil.rmtree(root, ignore_errors=True)
    screen = rounds[-1]["triage"]["screening"]
    result = {
        "mails": args.mails, "rounds": args.rounds, "model": model is not None,
        "sender": "alongside" if args.alongside else "after",
        "smtp_server": "in process" if args.smtp_in_process else "own process",
        "load_average_at_start": [round(x, 2) for x in load],
        "load_average_at_end": [round(x, 2) for x in os.getloadavg()],
        "macro_f1": quality.get("macro_f1"), "review_share": quality.get("review_share"),
        "fresh_macro_f1": quality.get("extra", {}).get("fresh", {}).get("macro_f1"),
        "blind_macro_f1": quality.get("extra", {}).get("blind", {}).get("macro_f1"),
        "fresh_review_share": quality.get("extra", {}).get("fresh", {}).get("review_share"),
        "quality": quality,
        "screen_precision": screen["screen_precision"], "screen_recall": screen["screen_recall"],
        "answers_to_screened": screen["answers_to_screened"],
        "naive_answers_to_automated": rounds[-1]["naive"]["answers_to_automated"],
        "naive_per_second": [r["naive"]["per_second"] for r in rounds],
        "triage_per_second": [r["triage"]["per_second"] for r in rounds],
        "ratio_median": statistics.median(r["ratio"] for r in rounds),
        "triage_summary": {k: v for k, v in rounds[-1]["triage"]["triage"].items()
                           if k in ("fetched", "queued", "worked", "action", "language",
                                    "priority", "category")},
    }
    print(json.dumps(result, default=str))


@contextmanager
def smtp_server(folder: Path) -> Iterator[CustomerMailbox]:
    """The customers' SMTP server in a process of its own, as a relay is: in the
    benchmark's process its work took the interpreter from whichever contender it served.
    Yields a reader of what it stored."""
    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "demo.customer_mailbox", str(folder),
                               "--port", str(port)], stdout=subprocess.PIPE, cwd=ROOT,
                              env={**os.environ, "PYTHONPATH": str(ROOT)})
    try:
        assert server.stdout is not None
        if not server.stdout.readline().startswith(b"SMTP on"):
            raise SystemExit(f"the SMTP server did not start (exit {server.poll()})")
        yield CustomerMailbox(folder, port=port)
    finally:
        server.terminate()
        server.wait(timeout=30)


def _seed_user(server: ImapServer, user: str, mails: list[SeedMail]) -> None:
    seed(server, mails, user=user, password=PASSWORD)


if __name__ == "__main__":
    main()
