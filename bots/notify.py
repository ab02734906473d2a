"""Failure notices: a mail through SMTP and/or a JSON POST to a webhook.

Sent when a scheduled run fails, times out or is missed, or a schedule parks. Each
notice names the run and the command to inspect it (`runner.py show ID`). Delivery is
best effort: a mail server or webhook that is down is logged, never raised, because a
notice must not stop the scheduler that sends it. Text is redacted like every log line.

Settings: `RPA_NOTIFY__SMTP__HOST`, `..__PORT`, `..__SENDER`, `..__RECIPIENTS='["a@b"]'`,
`..__USERNAME`, `..__PASSWORD`, `..__STARTTLS`, and `RPA_NOTIFY__WEBHOOK_URL`.
"""

from __future__ import annotations

import json
import smtplib
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.message import EmailMessage
from typing import Any

from loguru import logger

from bots.redaction import redact
from bots.settings import NotifySettings, SmtpSettings

TIMEOUT_SECONDS = 10.0


@dataclass(frozen=True)
class Notice:
    event: str  # failed | timed_out | missed | interrupted | parked
    schedule: str
    summary: str  # one line: what happened
    run_id: int | None = None
    detail: str = ""
    at: datetime = field(default_factory=lambda: datetime.now(UTC))

    @property
    def command(self) -> str:
        if self.run_id is not None:
            return f"runner.py show {self.run_id}"
        return f"runner.py schedules  (then: runner.py resume {self.schedule})"

    @property
    def subject(self) -> str:
        what = f"run {self.run_id} {self.event}" if self.run_id is not None else self.event
        return redact(f"[rpa] {self.schedule}: {what}")

    def body(self) -> str:
        lines = [self.summary, "", f"schedule: {self.schedule}", f"event:    {self.event}",
                 f"time:     {self.at.isoformat()}"]
        if self.run_id is not None:
            lines.append(f"run:      {self.run_id}")
        lines += ["", f"inspect:  {self.command}"]
        if self.detail:
            lines += ["", self.detail]
        return redact("\n".join(lines) + "\n")

    def payload(self) -> dict[str, Any]:
        return {"event": self.event, "schedule": self.schedule, "run_id": self.run_id,
                "summary": redact(self.summary), "detail": redact(self.detail),
                "at": self.at.isoformat(), "command": self.command}


def deliver(notice: Notice, settings: NotifySettings, *, extra_recipients: Sequence[str] = (),
            webhook: bool = True, timeout: float = TIMEOUT_SECONDS) -> list[str]:
    """Send by every configured channel; the channels that accepted it ("mail", "webhook")."""
    delivered: list[str] = []
    recipients = list(dict.fromkeys([*settings.smtp.recipients, *extra_recipients]))
    if settings.smtp.host and recipients:
        try:
            send_mail(settings.smtp, recipients, notice.subject, notice.body(), timeout=timeout)
            delivered.append("mail")
        except (OSError, smtplib.SMTPException) as exc:
            logger.warning("notice for {} not mailed: {}", notice.schedule, exc)
    if webhook and settings.webhook_url:
        try:
            post_webhook(settings.webhook_url, notice.payload(), timeout=timeout)
            delivered.append("webhook")
        except (OSError, ValueError) as exc:  # URLError and HTTPError are OSErrors
            logger.warning("notice for {} not posted to the webhook: {}", notice.schedule, exc)
    if delivered:
        logger.info("notice sent ({}): {}", ", ".join(delivered), notice.subject)
    return delivered


def send_mail(smtp: SmtpSettings, recipients: Sequence[str], subject: str, body: str, *,
              timeout: float = TIMEOUT_SECONDS) -> None:
    if not smtp.host:
        raise ValueError("no SMTP host configured (RPA_NOTIFY__SMTP__HOST)")
    message = EmailMessage()
    message["From"] = smtp.sender
    message["To"] = ", ".join(recipients)
    message["Subject"] = subject
    message.set_content(body)
    with smtplib.SMTP(smtp.host, smtp.port, timeout=timeout) as client:
        if smtp.starttls:
            client.starttls()
        if smtp.username and smtp.password is not None:
            client.login(smtp.username, smtp.password.get_secret_value())
        client.send_message(message)


def post_webhook(url: str, payload: dict[str, Any], *, timeout: float = TIMEOUT_SECONDS) -> None:
    if not url.startswith(("http://", "https://")):
        raise ValueError(f"webhook URL must be http(s): {url!r}")
    request = urllib.request.Request(
        url, data=json.dumps(payload).encode(), method="POST",
        headers={"Content-Type": "application/json", "User-Agent": "rpa-backoffice"})
    with urllib.request.urlopen(request, timeout=timeout) as response:
        response.read()
