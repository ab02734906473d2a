"""A labelled corpus of customer mail, es and en, for the eleven categories; stdlib only.

Two phrasings that share no template: `train_style` and `test_style` (other sentences,
other words, other greetings), so a classifier trained on one and scored on the other
is measured on mail it has not seen the like of, not on a random split of one set.
A third phrasing, `fresh_style`, was written after everything was tuned on the first
two and is never used to tune: `generate(seed, n, "fresh")`.
Everything is deterministic by seed. Noise as real mail has it: typos, shouting and
lower-case, Re:/RV:/Fwd: prefixes, quoted history (sometimes the customer's own earlier
mail about something else), signatures, amounts in both conventions and currencies.

    train, test = corpus(seed=7, train_per_cell=40, test_per_cell=20)
    write_csv(train, "train.csv"); write_folders(test, "filed/", layout="maildir")
    hard_cases(seed=7)   # mails a person would hesitate over (the demo mailbox's hard cases)

`python -m demo.mail_corpus OUT_DIR` writes train.csv, test.csv, hard.csv and a folder
tree of .eml files per category, the way agents file past mail.
"""

from __future__ import annotations

import csv
import random
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path

from demo.mail_corpus import blind_style, fresh_style, test_style, train_style
from demo.mail_corpus.noise import Noise

CATEGORIES = tuple(train_style.TEMPLATES)
LANGUAGES = ("es", "en")
STYLES = {"train": train_style, "test": test_style, "fresh": fresh_style, "blind": blind_style}
FIRST_NAMES = ["Ana", "Luis", "Marta", "Jorge", "Lucía", "Pablo", "Emma", "Oliver", "Grace", "Tom",
               "Sofía", "Javier", "Chloe", "Harry", "Elena", "Raúl"]
LAST_NAMES = ["García", "López", "Martín", "Smith", "Jones", "Taylor", "Sánchez", "Brown", "Pérez",
              "Wilson", "Ruiz", "Evans"]
DOMAINS = ["example.com", "example.es", "example.co.uk", "example.org"]


@dataclass(frozen=True)
class LabelledMail:
    subject: str
    text: str
    category: str
    language: str
    sender: str
    style: str  # "train", "test", "fresh" or "hard"


def generate(seed: int = 0, per_cell: int = 20, style: str = "train") -> list[LabelledMail]:
    """`per_cell` mails for each category and language, phrased in `style`."""
    module = STYLES[style]
    rng = random.Random(f"{seed}:{style}")
    noise = Noise(rng)
    mails = []
    for category in CATEGORIES:
        for language in LANGUAGES:
            cell = module.TEMPLATES[category][language]
            for _ in range(per_cell):
                mails.append(_compose(rng, noise, module, category, language, cell, style))
    rng.shuffle(mails)
    return mails


def corpus(seed: int = 0, train_per_cell: int = 40, test_per_cell: int = 20,
           ) -> tuple[list[LabelledMail], list[LabelledMail]]:
    return generate(seed, train_per_cell, "train"), generate(seed, test_per_cell, "test")


def evaluation_sets(seed: int = 0, train_per_cell: int = 40, test_per_cell: int = 20,
                    ) -> dict[str, list[LabelledMail]]:
    """What `bots.mail.understand.evaluate` takes: {"train", "test", "fresh", "blind", "hard"}
    (train style to fit; test, fresh and hard to score)."""
    train, test = corpus(seed, train_per_cell, test_per_cell)
    return {"train": train, "test": test, "fresh": generate(seed, test_per_cell, "fresh"),
            "blind": generate(seed, test_per_cell, "blind"), "hard": hard_cases(seed)}


def _compose(rng: random.Random, noise: Noise, module: object, category: str, language: str,
             cell: dict[str, list[str]], style: str) -> LabelledMail:
    slots = _slots(rng, language, module)
    subject = rng.choice(cell["subjects"]).format(**slots)
    bodies = rng.sample(cell["bodies"], k=2 if rng.random() < 0.3 else 1)
    core = " ".join(body.format(**slots) for body in bodies)
    greeting = rng.choice(module.GREETINGS[language])  # type: ignore[attr-defined]
    closing = rng.choice(module.CLOSINGS[language])  # type: ignore[attr-defined]
    name = f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"
    text = "\n\n".join(part for part in (greeting, noise.typos(core), closing) if part)
    text += noise.signature(name, language)
    text += noise.quoted_history(language, _other_mail(rng, module, category, language))
    sender = f"{_ascii(name).replace(' ', '.').lower()}@{rng.choice(DOMAINS)}"
    return LabelledMail(noise.subject(subject, language), noise.case(text), category, language,
                        sender, style)


def _other_mail(rng: random.Random, module: object, category: str, language: str) -> str:
    """An earlier mail of this customer about something else, as it would be quoted."""
    other = rng.choice([c for c in CATEGORIES if c != category])
    body = rng.choice(module.TEMPLATES[other][language]["bodies"])  # type: ignore[attr-defined]
    return body.format(**_slots(rng, language, module))


def _slots(rng: random.Random, language: str, module: object) -> dict[str, str]:
    return {
        "inv": rng.choice([f"INV-2026-{rng.randint(1, 999):04d}", f"INV-2026-{rng.randint(1, 999):04d}",
                           f"FAC-2026/{rng.randint(1, 9999):04d}"]),
        "order": f"ORD-{rng.randint(100000, 999999)}",
        "amount": _amount(rng, language),
        "date": _date(rng, language),
        "iban": _iban(rng),
        "product": rng.choice(module.PRODUCTS[language]),  # type: ignore[attr-defined]
    }


def _amount(rng: random.Random, language: str) -> str:
    cents = rng.choice([rng.randint(500, 99999), rng.randint(100000, 2500000)])
    units, fraction = divmod(cents, 100)
    grouped = f"{units:,}"
    # most write their own convention; some the other one (a Spaniard's "1,234.56 €")
    comma = (language == "es") != (rng.random() < 0.15)
    number = (grouped.replace(",", ".") + f",{fraction:02d}") if comma else f"{grouped}.{fraction:02d}"
    if rng.random() < 0.2:  # written without grouping
        number = number.replace("." if comma else ",", "")
    if language == "es":
        return rng.choice([f"{number} €", f"{number}€", f"{number} euros", f"EUR {number}"])
    return rng.choice([f"€{number}", f"{number} EUR", f"£{number}", f"${number}", f"{number} euros"])


MONTHS = {
    "es": ["enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto", "septiembre",
           "octubre", "noviembre", "diciembre"],
    "en": ["January", "February", "March", "April", "May", "June", "July", "August", "September",
           "October", "November", "December"],
}


def _date(rng: random.Random, language: str) -> str:
    day = datetime(2026, 12, 1, tzinfo=UTC) + timedelta(days=rng.randint(0, 75))
    month = MONTHS[language][day.month - 1]
    forms = {
        "es": [f"{day.day} de {month}", f"{day.day} de {month} de {day.year}", f"{day:%d/%m/%Y}"],
        "en": [f"{month} {day.day}", f"{day.day} {month[:3]} {day.year}", f"{day:%d/%m/%Y}",
               f"{month} {day.day}, {day.year}"],
    }
    return rng.choice(forms[language])


def _iban(rng: random.Random) -> str:
    bank = "".join(str(rng.randint(0, 9)) for _ in range(20))
    digits = "".join(str(int(ch, 36)) for ch in bank + "ES00")
    check = 98 - int(digits) % 97
    compact = f"ES{check:02d}{bank}"
    return " ".join(compact[i:i + 4] for i in range(0, len(compact), 4))


def _ascii(text: str) -> str:
    import unicodedata

    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def hard_cases(seed: int = 0) -> list[LabelledMail]:
    """Mails a person would hesitate over; their label is the one a careful agent gives."""
    from demo.mail_corpus.hard import HARD_CASES

    rng = random.Random(f"{seed}:hard")
    mails = []
    for category, language, subject, text in HARD_CASES:
        slots = _slots(rng, language, train_style)
        name = f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"
        sender = f"{_ascii(name).replace(' ', '.').lower()}@{rng.choice(DOMAINS)}"
        mails.append(LabelledMail(subject.format(**slots), text.format(**slots), category, language,
                                  sender, "hard"))
    return mails


def write_csv(mails: Iterable[LabelledMail], path: str | Path) -> Path:
    """subject,text,category,language: the CSV `runner.py mail train` reads."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["subject", "text", "category", "language"])
        for mail in mails:
            writer.writerow([mail.subject, mail.text, mail.category, mail.language])
    return path


def to_eml(mail: LabelledMail, *, to: str = "clientes@example.com", when: datetime | None = None,
           message_id: str | None = None) -> bytes:
    message = EmailMessage()
    message["From"] = mail.sender
    message["To"] = to
    message["Subject"] = mail.subject
    message["Date"] = format_datetime(when or datetime(2026, 12, 1, 9, 0, tzinfo=UTC))
    message["Message-ID"] = message_id or make_msgid(domain=mail.sender.rsplit("@", 1)[-1])
    message.set_content(mail.text)
    return bytes(message)


def write_folders(mails: Iterable[LabelledMail], root: str | Path, layout: str = "eml") -> Path:
    """One folder per category, as agents file past mail: `eml` (.eml files) or `maildir`
    (cur/new/tmp with one mail per file)."""
    if layout not in ("eml", "maildir"):
        raise ValueError(f"layout must be 'eml' or 'maildir', got {layout!r}")
    root = Path(root)
    start = datetime(2026, 11, 1, 8, 0, tzinfo=UTC)
    for n, mail in enumerate(mails):
        folder = root / mail.category
        when = start + timedelta(minutes=7 * n)
        message_id = f"<corpus-{n}@{mail.sender.rsplit('@', 1)[-1]}>"
        data = to_eml(mail, when=when, message_id=message_id)
        if layout == "eml":
            folder.mkdir(parents=True, exist_ok=True)
            (folder / f"{n:06d}.eml").write_bytes(data)
        else:
            for sub in ("cur", "new", "tmp"):
                (folder / sub).mkdir(parents=True, exist_ok=True)
            (folder / "cur" / f"{int(when.timestamp())}.{n}.corpus:2,S").write_bytes(data)
    return root
