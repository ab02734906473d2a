"""The demo's customer mail: a Dovecot mailbox seeded with generated mail in es and en.

    mails = generate_mails(300, seed=7)            # SeedMail: raw bytes + what it truly is
    with mail_world(folder, mails) as world:       # Dovecot started, every mail APPENDed
        world.env                                  # RPA_MAIL__IMAP__* for the toolkit
        world.folders()                            # {folder: [Message-ID, ...]} as it is now

Customer mail is phrased from templates per category and language (when the labelled
corpus generator `demo.mail_corpus` is there, its mails are used instead), with the hard
cases a real mailbox has: HTML-only, quoted replies and signatures, Latin-1 and
Windows-1252 bodies, RFC 2047 subjects, attachments, no Message-ID, the same mail in two
folders, a customer's subject that merely mentions an "automatic" payment. Beside it, the
mail that must never be answered: out-of-office replies (RFC 3834 headers and subjects
only), delivery status notifications, mailing lists, no-reply senders, our own mail come
back, and spam the server's filter marked. It plays an outside world: it imports
nothing of the toolkit.
"""

from __future__ import annotations

import imaplib
import random
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, make_msgid
from pathlib import Path

from demo.imap_server import ImapServer

USER, PASSWORD = "clientes", "clientes-pass"
OUR_ADDRESS = "clientes@example.com"
SECOND_FOLDER = "Clientes/Web"  # a second folder the triage watches: duplicates land here

NAMES = ["Ana García", "Luis Pérez", "Marta López", "Jorge Martín", "Lucía Sánchez",
         "Pablo Gómez", "Elena Ruiz", "Sergio Díaz", "John Smith", "Emma Brown",
         "Oliver Jones", "Sophie Taylor", "James Wilson", "Grace Evans", "Harry Clark"]

# category -> language -> (subject, body) templates; {o} an order, {i} an invoice, {a} an amount
TEMPLATES: dict[str, dict[str, list[tuple[str, str]]]] = {
    "billing_credit": {
        "es": [("Solicitud de abono factura {i}", "Buenos días, en la factura {i} nos han cobrado "
                "de más {a} euros. Solicito un abono por la diferencia."),
               ("Cobro duplicado", "Me han cobrado dos veces la factura {i}. Quiero el reembolso "
                "de {a} €.")],
        "en": [("Refund request for invoice {i}", "Hello, we were overcharged {a} EUR on invoice "
                "{i}. Please issue a credit note."),
               ("Charged twice", "You charged me twice for invoice {i}; I want a refund of {a}.")]},
    "billing_enquiry": {
        "es": [("Copia de factura {i}", "Hola, ¿me pueden enviar una copia de la factura {i}? "
                "No la he recibido."),
               ("Consulta sobre la factura {i}", "No entiendo el desglose de la factura {i}, "
                "¿me lo explican?")],
        "en": [("Copy of invoice {i}", "Could you send me a copy of invoice {i}? I cannot find "
                "it."),
               ("Question about my invoice", "Please explain the charge on invoice {i}, I need "
                "a breakdown.")]},
    "payment_authorisation": {
        "es": [("Autorización de domiciliación", "Autorizo el adeudo en mi cuenta IBAN "
                "ES9121000418450200051332 para la factura {i}."),
               ("Pueden cobrar la factura {i}", "Les autorizo a cobrar la factura {i} por "
                "domiciliación bancaria.")],
        "en": [("Direct debit authorisation", "I authorise you to debit my account for invoice "
                "{i}. IBAN GB82WEST12345698765432."),
               ("Permission to charge", "You may take the payment of invoice {i} by direct "
                "debit.")]},
    "payment_promise": {
        "es": [("Pago de la factura {i}", "Pagaremos la factura {i} de {a} € el día 15 de "
                "diciembre mediante transferencia."),
               ("Compromiso de pago", "Me comprometo a pagar la factura {i} antes del 20/12/2026.")],
        "en": [("Payment of invoice {i}", "We will pay invoice {i} of {a} EUR by 15 December."),
               ("Payment arrangement", "I promise to pay invoice {i} before the end of the "
                "month.")]},
    "invoice_dispute": {
        "es": [("Factura {i} incorrecta", "No estoy de acuerdo con la factura {i}: el importe "
                "es incorrecto, no reconozco ese cargo."),
               ("Error en factura", "Hay un error en la factura {i}, no corresponde a lo "
                "pedido.")],
        "en": [("Invoice {i} is wrong", "I dispute invoice {i}: the amount is wrong and I do "
                "not recognise the charge."),
               ("Error on invoice", "There is an error on the invoice {i}, I do not agree with "
                "it.")]},
    "order_cancellation": {
        "es": [("Cancelar pedido {o}", "Por favor, cancelen el pedido {o}, ya no lo necesito."),
               ("Anulación del pedido {o}", "Quiero anular el pedido {o} cuanto antes.")],
        "en": [("Cancel order {o}", "Please cancel my order {o}, I no longer need it."),
               ("Order {o} cancellation", "I want to cancel order {o} before it ships.")]},
    "order_return": {
        "es": [("Devolución pedido {o}", "Quiero devolver el pedido {o}, la talla no me "
                "sirve. ¿Me envían la etiqueta de devolución?"),
               ("Devolver artículo", "Necesito hacer la devolución del pedido {o}.")],
        "en": [("Return order {o}", "I would like to return order {o}, it does not fit. "
                "Please send a return label."),
               ("Return request", "How do I send back order {o}? I need a return label.")]},
    "order_change": {
        "es": [("Cambiar dirección pedido {o}", "Necesito cambiar la dirección de entrega del "
                "pedido {o}."),
               ("Modificar pedido {o}", "¿Puedo modificar la cantidad del pedido {o}?")],
        "en": [("Change address of order {o}", "Please change the delivery address of order "
                "{o}."),
               ("Amend order {o}", "I need to amend my order {o}: update the quantity.")]},
    "delivery_incident": {
        "es": [("Pedido {o} no ha llegado", "El pedido {o} no ha llegado todavía y el "
                "seguimiento no se actualiza."),
               ("Paquete dañado", "El paquete del pedido {o} llegó roto y dañado.")],
        "en": [("Order {o} not delivered", "My order {o} has not arrived yet and tracking "
                "shows nothing."),
               ("Damaged parcel", "The parcel for order {o} arrived damaged and broken.")]},
    "complaint": {
        "es": [("Queja por el servicio", "Estoy muy descontento con la atención recibida. "
                "Es inaceptable y quiero poner una queja."),
               ("Reclamación formal", "Presento una reclamación formal por el pésimo trato "
                "recibido.")],
        "en": [("Complaint about your service", "I am very unhappy with the service, it is "
                "unacceptable. I want to make a complaint."),
               ("Formal complaint", "This is a formal complaint about the terrible treatment "
                "I received.")]},
    "general": {
        "es": [("Horario de atención", "Hola, ¿cuál es su horario de atención al público?"),
               ("Información", "Quería información general sobre sus servicios.")],
        "en": [("Opening hours", "Hello, what are your opening hours?"),
               ("General information", "I would like some general information about your "
                "services.")]},
}


HARD = ("html", "quoted", "latin1", "attachment", "no_id", "two_folders", "automatic_words")
AUTOMATED = ("auto_reply", "auto_reply_subject", "bounce", "list", "no_reply", "loop", "spam")


@dataclass(frozen=True)
class SeedMail:
    raw: bytes
    message_id: str  # "" when the mail has none
    sender: str
    language: str
    category: str | None  # a customer's mail: what it is about
    automated: str | None  # auto_reply, bounce, list, no_reply, loop, spam: never answered
    folders: tuple[str, ...] = ("INBOX",)
    hard: str = ""  # which hard case it is, if any

    @property
    def answerable(self) -> bool:
        return self.automated is None


@dataclass
class MailWorld:
    server: ImapServer
    mails: list[SeedMail]
    env: dict[str, str] = field(default_factory=dict)

    def folders(self) -> dict[str, list[str]]:
        """Every folder's Message-IDs as the server holds them now."""
        client = _login(self.server)
        try:
            found: dict[str, list[str]] = {}
            for line in client.list()[1]:
                name = line.decode().rsplit(' "/" ', 1)[-1].strip('"')
                if b"\\Noselect" in line:
                    continue
                client.select(f'"{name}"', readonly=True)
                typ, data = client.uid("FETCH", "1:*", "(BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)])")
                ids = []
                for entry in data or []:
                    if isinstance(entry, tuple):
                        text = entry[1].decode("latin-1").strip()
                        ids.append(text.partition(":")[2].strip())
                found[name] = ids
            return found
        finally:
            client.logout()


def _login(server: ImapServer, user: str = USER, password: str = PASSWORD) -> imaplib.IMAP4:
    client = imaplib.IMAP4(server.host, server.port)
    client.login(user, password)
    return client


def generate_mails(count: int, *, seed: int = 7, automated_share: float = 0.15,
                   hard_share: float = 0.2, start: datetime | None = None) -> list[SeedMail]:
    rng = random.Random(seed)
    start = start or datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
    mails: list[SeedMail] = []
    corpus = _corpus(count, seed)
    turns = {"hard": 0, "automated": 0}  # each kind in turn: a small world has them all
    for n in range(count):
        when = start + timedelta(minutes=7 * n)
        if rng.random() < automated_share:
            kind = AUTOMATED[turns["automated"] % len(AUTOMATED)]
            turns["automated"] += 1
            mails.append(_automated(rng, n, when, kind))
            continue
        hard = ""
        if rng.random() < hard_share:
            hard = HARD[turns["hard"] % len(HARD)]
            turns["hard"] += 1
        mails.append(_customer(rng, n, when, corpus[n] if corpus else None, hard))
    return mails


def _corpus(count: int, seed: int) -> list[tuple[str, str, str, str]] | None:
    """(language, category, subject, body) from the labelled corpus generator when it is
    there: its hard cases first, then its test-style mail (phrased unlike the training
    part, as new mail is)."""
    try:
        from demo.mail_corpus import generate, hard_cases
    except ImportError:
        return None
    per_cell = count // 22 + 1
    mails = [*hard_cases(seed), *generate(seed, per_cell, "test")]
    return [(m.language, m.category, m.subject, m.text) for m in mails[:count]]


def _sender(rng: random.Random, n: int) -> tuple[str, str]:
    name = rng.choice(NAMES)
    local = name.lower().replace(" ", ".").translate(str.maketrans("áéíóúñ", "aeioun"))
    return name, f"{local}.{n}@cliente-{n % 97}.example.org"


def _customer(rng: random.Random, n: int, when: datetime,
              labelled: tuple[str, str, str, str] | None, kind: str) -> SeedMail:
    if labelled is not None:
        language, category, subject, body = labelled
    else:
        category = rng.choice(list(TEMPLATES))
        language = rng.choice(["es", "en"])
        subject, body = rng.choice(TEMPLATES[category][language])
        values = {"o": f"PED-{100000 + n}", "i": f"FAC-2026-{10000 + n}",
                  "a": f"{rng.randint(10, 900)},{rng.randint(10, 99)}" if language == "es"
                  else f"{rng.randint(10, 900)}.{rng.randint(10, 99)}"}
        subject, body = subject.format(**values), body.format(**values)
    name, address = _sender(rng, n)
    closing = "Un saludo,\n" + name if language == "es" else "Kind regards,\n" + name
    msg = EmailMessage()
    msg["From"] = f"{name} <{address}>"
    msg["To"] = OUR_ADDRESS
    msg["Date"] = format_datetime(when)
    msg_id = make_msgid(idstring=f"c{n}", domain="cliente.example.org")
    if kind != "no_id":
        msg["Message-ID"] = msg_id
    if kind == "automatic_words":
        subject = ("Re: automatic payment of " if language == "en" else
                   "Sobre el pago automático: ") + subject
    msg["Subject"] = subject
    text = f"{body}\n\n{closing}\n"
    if kind == "quoted":
        quote = ("El 28 nov 2026, a las 10:00, Atención al cliente escribió:\n> Gracias por "
                 "su mensaje.\n" if language == "es" else "On 28 Nov 2026, Customer service "
                 "wrote:\n> Thank you for your message.\n")
        text += "\n" + quote
    if kind == "html":
        msg.set_content(f"<html><body><p>{body}</p><p>{closing.replace(chr(10), '<br>')}"
                        "</p></body></html>", subtype="html")
    elif kind == "latin1":
        charset = "iso-8859-15" if language == "es" else "cp1252"
        if _encodes(text, charset):
            msg.set_content(text, charset=charset, cte="8bit")
        else:
            msg.set_content(text)
    else:
        msg.set_content(text)
    if kind == "attachment":
        msg.add_attachment(b"%PDF-1.4 demo\n", maintype="application", subtype="pdf",
                           filename="factura.pdf")
    folders = ("INBOX", SECOND_FOLDER) if kind == "two_folders" else ("INBOX",)
    return SeedMail(msg.as_bytes(policy=SMTP), msg_id if kind != "no_id" else "", address,
                    language,
                    category, None, folders, kind)


def _encodes(text: str, charset: str) -> bool:
    try:
        text.encode(charset)
    except UnicodeEncodeError:
        return False
    return True


def _automated(rng: random.Random, n: int, when: datetime, kind: str) -> SeedMail:
    name, address = _sender(rng, n)
    msg = EmailMessage()
    msg["To"] = OUR_ADDRESS
    msg["Date"] = format_datetime(when)
    msg_id = make_msgid(idstring=f"a{n}", domain="auto.example.org")
    msg["Message-ID"] = msg_id
    language = rng.choice(["es", "en"])
    if kind == "auto_reply":
        msg["From"] = f"{name} <{address}>"
        msg["Subject"] = "Fuera de la oficina" if language == "es" else "Out of office"
        msg["Auto-Submitted"] = "auto-replied"
        msg["In-Reply-To"] = f"<x{n}.M-0000000000@example.com>"
        msg.set_content("Estaré fuera hasta el lunes. Para pedidos urgentes escriba a otro."
                        if language == "es" else "I am away until Monday; I will reply then.")
    elif kind == "auto_reply_subject":  # an old client: no RFC 3834 header, only the subject
        msg["From"] = f"{name} <{address}>"
        msg["Subject"] = ("Respuesta automática: Hemos recibido su mensaje" if language == "es"
                          else "Automatic reply: We have received your message")
        msg.set_content("Gracias, le contestaré pronto." if language == "es"
                        else "Thanks, I will answer soon.")
    elif kind == "bounce":
        msg["From"] = "Mail Delivery System <MAILER-DAEMON@mx.example.org>"
        msg["Subject"] = "Undelivered Mail Returned to Sender"
        msg.set_content("This is the mail system at host mx.example.org.\n\nI'm sorry to tell "
                        "you that your message could not be delivered.")
        msg.make_mixed()
        report = EmailMessage()
        report.set_content(f"Reporting-MTA: dns; mx.example.org\n\nFinal-Recipient: rfc822; "
                           f"{address}\nAction: failed\nStatus: 5.1.1\n")
        msg.attach(report)
        msg.replace_header("Content-Type",
                           msg["Content-Type"].replace("multipart/mixed",
                                                       "multipart/report; report-type="
                                                       "delivery-status"))
    elif kind == "list":
        msg["From"] = "Boletín <boletin@news.example.net>"
        msg["Subject"] = "Novedades de diciembre" if language == "es" else "December news"
        msg["List-Id"] = "<news.example.net>"
        msg["List-Unsubscribe"] = "<mailto:unsubscribe@news.example.net>"
        msg.set_content("Las novedades del mes." if language == "es" else "This month's news.")
    elif kind == "no_reply":
        msg["From"] = "Portal de pagos <no-reply@pagos.example.net>"
        msg["Subject"] = "Su recibo está disponible" if language == "es" else "Your receipt"
        msg.set_content("Puede descargar su recibo en el portal." if language == "es"
                        else "Your receipt can be downloaded from the portal.")
    elif kind == "loop":
        msg["From"] = f"Atención al cliente <{OUR_ADDRESS}>"
        msg["Subject"] = "Re: Hemos recibido su mensaje [M-00000000AA]"
        msg["X-Case-Reference"] = "M-00000000AA"
        msg.set_content("Copia de nuestro propio mensaje.")
    else:
        msg["From"] = f"Premios <winner{n}@lottery.example.biz>"
        msg["Subject"] = "You have WON 1,000,000 EUR"
        msg["X-Spam-Flag"] = "YES"
        msg["X-Spam-Status"] = "Yes, score=14.2 required=5.0"
        msg.set_content("Claim your prize now.")
    automated = "auto_reply" if kind == "auto_reply_subject" else kind
    return SeedMail(msg.as_bytes(policy=SMTP), msg_id, address, language, None, automated,
                    ("INBOX",), kind)


def seed(server: ImapServer, mails: list[SeedMail], *, user: str = USER,
         password: str = PASSWORD) -> None:
    """APPEND every mail to its folders."""
    client = _login(server, user, password)
    try:
        made = {"INBOX"}
        for mail in mails:
            for folder in mail.folders:
                if folder not in made:
                    client.create(f'"{folder}"')
                    made.add(folder)
                typ, _ = client.append(f'"{folder}"', None, None, mail.raw)
                if typ != "OK":
                    raise RuntimeError(f"APPEND to {folder} refused")
    finally:
        client.logout()


def imap_env(server: ImapServer, *, folders: tuple[str, ...] = ("INBOX", SECOND_FOLDER)
             ) -> dict[str, str]:
    import json

    return {"RPA_MAIL__IMAP__HOST": server.host, "RPA_MAIL__IMAP__PORT": str(server.port),
            "RPA_MAIL__IMAP__SECURITY": "none", "RPA_MAIL__IMAP__USERNAME": USER,
            "RPA_MAIL__IMAP__PASSWORD": PASSWORD,
            "RPA_MAIL__IMAP__FOLDERS": json.dumps(list(folders))}


@contextmanager
def mail_world(folder: Path, mails: list[SeedMail]) -> Iterator[MailWorld]:
    with ImapServer(folder, users={USER: PASSWORD}) as server:
        began = time.monotonic()
        seed(server, mails)
        world = MailWorld(server, mails, imap_env(server))
        world.env["DEMO_MAIL_SEED_SECONDS"] = f"{time.monotonic() - began:.2f}"
        yield world


@contextmanager
def demo_mail_world(folder: Path, count: int = 300, seed: int = 7) -> Iterator[MailWorld]:
    """The demo's company mailbox: Dovecot seeded with `count` generated mails; the
    settings it needs are in `world.env` (RPA_MAIL__IMAP__*), for the caller to apply."""
    with mail_world(folder, generate_mails(count, seed=seed)) as world:
        yield world

