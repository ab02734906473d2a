"""What real mail does to clean sentences: typos, case, prefixes, signatures, history."""

from __future__ import annotations

import random

SIGNATURES = {
    "es": ["--\n{name}\nDpto. Compras\nTel. 600 123 456", "Enviado desde mi móvil", "{name}",
           "--\n{name} | Suministros Levante S.L.\nEste mensaje es confidencial."],
    "en": ["--\n{name}\nPurchasing\nTel. +44 20 7946 0000", "Sent from my iPhone", "{name}",
           "--\n{name} | Northwind Ltd\nThis e-mail is confidential."],
}
HEADERS = {
    "es": ["El lun, 30 nov 2026 a las 10:12, Atención al Cliente <clientes@example.com> escribió:",
           "-----Mensaje original-----\nDe: {name}\nEnviado: viernes, 27 de noviembre de 2026 9:03"],
    "en": ["On Mon, 30 Nov 2026 at 10:12, Customer Service <clientes@example.com> wrote:",
           "-----Original Message-----\nFrom: {name}\nSent: Friday, 27 November 2026 09:03"],
}
PREFIXES = {"es": ["Re: ", "RE: ", "RV: ", "Fwd: "], "en": ["Re: ", "RE: ", "Fw: ", "Fwd: "]}


class Noise:
    def __init__(self, rng: random.Random) -> None:
        self.rng = rng

    def typos(self, text: str) -> str:
        if self.rng.random() > 0.35:
            return text
        words = text.split(" ")
        for _ in range(self.rng.randint(1, 3)):
            n = self.rng.randrange(len(words))
            word = words[n]
            if len(word) < 5 or not word.isalpha():
                continue
            i = self.rng.randrange(1, len(word) - 2)
            if self.rng.random() < 0.5:  # two letters swapped
                word = word[:i] + word[i + 1] + word[i] + word[i + 2:]
            else:  # one letter dropped
                word = word[:i] + word[i + 1:]
            words[n] = word
        return " ".join(words)

    def case(self, text: str) -> str:
        roll = self.rng.random()
        if roll < 0.05:
            return text.upper()
        if roll < 0.2:
            return text.lower()
        return text

    def subject(self, subject: str, language: str) -> str:
        roll = self.rng.random()
        if roll < 0.1:
            subject = subject.upper()
        elif roll < 0.25:
            subject = subject.lower()
        if self.rng.random() < 0.2:
            subject = self.rng.choice(PREFIXES[language]) + subject
        return subject

    def signature(self, name: str, language: str) -> str:
        if self.rng.random() < 0.5:
            return ""
        return "\n\n" + self.rng.choice(SIGNATURES[language]).format(name=name)

    def quoted_history(self, language: str, earlier: str) -> str:
        if self.rng.random() > 0.25:
            return ""
        header = self.rng.choice(HEADERS[language]).format(name="cliente")
        quoted = "\n".join("> " + line for line in earlier.splitlines()) if header.startswith(
            ("El ", "On ")) else earlier
        return f"\n\n{header}\n{quoted}"
