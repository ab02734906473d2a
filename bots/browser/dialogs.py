"""JavaScript dialogs (alert, confirm, prompt, beforeunload), answered on purpose.

Playwright dismisses every dialog nobody listens to, which silently cancels a portal's
"Save this sale?" confirm(): the click happens, nothing is saved, no error is shown. A lane
therefore always listens and answers by a policy: the first rule that matches the dialog's
type and message decides; with no match, alerts and beforeunload are accepted (there is
nothing to decide) and confirm/prompt are dismissed (never approve a question nobody
expected). Every dialog is recorded, so an outcome can say what the page asked.
"""

from __future__ import annotations

import asyncio
import re
from collections import deque
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum

from loguru import logger
from playwright.async_api import Dialog

from bots.redaction import redact


class DialogType(StrEnum):
    """The kinds of JavaScript dialog a page can raise."""

    ALERT = "alert"
    CONFIRM = "confirm"
    PROMPT = "prompt"
    BEFOREUNLOAD = "beforeunload"


@dataclass(frozen=True)
class DialogRule:
    """Answer dialogs of `type` (any if None) whose message matches `message` (a regex)."""

    accept: bool
    type: DialogType | None = None
    message: str | None = None
    prompt_text: str | None = None

    def __post_init__(self) -> None:
        if self.message is not None:
            re.compile(self.message)
        if self.prompt_text is not None and self.type not in (None, DialogType.PROMPT):
            raise ValueError("prompt_text only applies to prompt dialogs")

    def matches(self, kind: str, message: str) -> bool:
        if self.type is not None and self.type != kind:
            return False
        return self.message is None or re.search(self.message, message) is not None


@dataclass(frozen=True)
class DialogPolicy:
    """How a page's dialogs are answered: the first matching rule; a dialog none matches is
    dismissed."""

    rules: tuple[DialogRule, ...] = ()

    def decide(self, kind: str, message: str) -> DialogRule | None:
        return next((rule for rule in self.rules if rule.matches(kind, message)), None)

    def extended(self, *rules: DialogRule) -> DialogPolicy:
        return DialogPolicy(rules=tuple(rules) + self.rules)


@dataclass(frozen=True)
class DialogRecord:
    """A dialog the page raised, how it was answered and whether a rule expected it."""

    type: str
    message: str
    accepted: bool
    expected: bool
    at: datetime = field(default_factory=lambda: datetime.now(UTC))


class DialogLog:
    """The dialogs a page showed, newest last; `dismissed` wakes whoever waits on a submit."""

    def __init__(self, policy: DialogPolicy, *, lane: str, keep: int = 50) -> None:
        self.policy = policy
        self.lane = lane
        self.records: deque[DialogRecord] = deque(maxlen=keep)
        self.dismissed = asyncio.Event()

    async def handle(self, dialog: Dialog) -> None:
        kind, message = dialog.type, dialog.message
        rule = self.policy.decide(kind, message)
        accept = rule.accept if rule else kind in (DialogType.ALERT, DialogType.BEFOREUNLOAD)
        record = DialogRecord(kind, redact(message), accept, expected=rule is not None)
        self.records.append(record)
        if rule is None:
            logger.warning("lane {}: unexpected {} dialog {!r}: {}", self.lane, kind,
                           record.message, "accepted" if accept else "dismissed")
        if accept:
            prompt = rule.prompt_text if rule and rule.prompt_text is not None else None
            await dialog.accept(prompt) if prompt is not None else await dialog.accept()
        else:
            self.dismissed.set()
            await dialog.dismiss()

    def since(self, moment: datetime) -> list[DialogRecord]:
        return [record for record in self.records if record.at >= moment]
