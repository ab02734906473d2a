"""One settings tree for the toolkit, read from `RPA_*` variables and a `.env` file.

Nested models use `__` as the delimiter: `RPA_STORE__URL`, `RPA_BROWSER__HEADLESS`,
`RPA_PORTAL__PASSWORD`. Anything secret is a `SecretStr`; its value is registered for
redaction in every log sink the moment settings are loaded.
"""

from __future__ import annotations

import os
from datetime import time
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent

BROWSER_ARGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
)


class StoreSettings(BaseModel):
    url: str | None = Field(
        default=None,
        description="SQLAlchemy URL; default: a SQLite file store.db in the data folder",
    )
    busy_timeout_ms: int = Field(default=30_000, ge=0)


class BrowserSettings(BaseModel):
    executable_path: Path = Path("/usr/bin/chromium")
    headless: bool = True
    slow_mo_ms: int = Field(default=0, ge=0)
    timeout_ms: int = Field(default=15_000, gt=0, description="per action and navigation")
    contexts: int = Field(default=3, ge=1, le=32, description="parallel browser contexts")
    args: tuple[str, ...] = BROWSER_ARGS
    block_resources: tuple[str, ...] = ("image", "font", "media")
    trace: bool = Field(default=False, description="keep a Playwright trace for failed items")
    minimize_windows: bool = Field(
        default=True, description="headless windows minimised: about half the CPU per page"
    )


class PortalSettings(BaseModel):
    url: str = "http://127.0.0.1:8765"
    username: str = "robot"
    password: SecretStr = SecretStr("robot-pass")


class SmtpSettings(BaseModel):
    host: str | None = None
    port: int = Field(default=25, ge=1, le=65535)
    sender: str = "rpa@localhost"
    recipients: tuple[str, ...] = ()
    username: str | None = None
    password: SecretStr | None = None
    starttls: bool = False


class NotifySettings(BaseModel):
    smtp: SmtpSettings = SmtpSettings()
    webhook_url: str | None = None


class OutboundSmtpSettings(BaseModel):
    """The mail server customers' mail goes through (not the operators' notices)."""

    host: str | None = None
    port: int = Field(default=25, ge=1, le=65535)
    security: Literal["none", "starttls", "ssl"] = "none"
    username: str | None = None
    password: SecretStr | None = None
    timeout_seconds: float = Field(default=20, gt=0)
    ca_file: Path | None = Field(default=None, description="CA certificates to trust for "
                                 "TLS besides the system's (an internal relay's own CA)")
    archive_bcc: str | None = Field(default=None, description="a copy of every message to this "
                                    "address, in the same SMTP transaction")
    archive_maildir: Path | None = Field(default=None, description="the Maildir that copy lands "
                                         "in: how a send cut short by a crash is looked up")


class ImapSettings(BaseModel):
    """The company mailbox customers write to (connectors.mailbox)."""

    host: str | None = None
    port: int = Field(default=993, ge=1, le=65535)
    security: Literal["ssl", "starttls", "none"] = "ssl"
    username: str | None = None
    password: SecretStr | None = None
    oauth2_token: SecretStr | None = Field(default=None, description="an XOAUTH2 access "
                                           "token; used instead of the password when set")
    folders: tuple[str, ...] = Field(default=("INBOX",), description="folders triaged")
    timeout_seconds: float = Field(default=30, gt=0)


class MailSettings(BaseModel):
    """Customer mail triage: the mailbox, limits, and the files the reader loads."""

    imap: ImapSettings = ImapSettings()
    our_addresses: tuple[str, ...] = Field(default=(), description="our own addresses besides "
                                           "the outbox sender: mail from them is a loop")
    max_bytes: int = Field(default=10_000_000, ge=1000, description="a larger mail is refused")
    attachment_max_bytes: int = Field(default=5_000_000, ge=0, description="a larger "
                                      "attachment is listed, not kept")
    fetch_batch: int = Field(default=500, ge=1, le=5000)
    routing: Path | None = Field(default=None, description="routing TOML; default: the one "
                                 "shipped with the recipe")
    model: Path | None = Field(default=None, description="trained classifier (mail train)")
    rules: Path | None = Field(default=None, description="classification rules TOML")
    customers: Path | None = Field(default=None, description="customer file (tiers)")


class SmsGatewaySettings(BaseModel):
    url: str | None = None
    token: SecretStr | None = None
    sender: str = "RPA"
    default_region: str = Field(default="ES", description="for numbers written without +prefix")
    timeout_seconds: float = Field(default=10, gt=0)


class QuietHoursSettings(BaseModel):
    start: time
    end: time


class OutboxSettings(BaseModel):
    templates_dir: Path | None = Field(default=None, description="templates and catalogs you "
                                       "edit; searched before the ones shipped with a recipe")
    default_locale: str = "es"
    sender: str = "Atención al cliente <clientes@example.com>"
    smtp: OutboundSmtpSettings = OutboundSmtpSettings()
    sms: SmsGatewaySettings = SmsGatewaySettings()
    quiet_hours: dict[str, QuietHoursSettings] = Field(
        default_factory=lambda: {"sms": QuietHoursSettings(start=time(21), end=time(9))},
        description="per channel, in the customer's time zone (or RPA_TIMEZONE)")
    rate_limit_count: int = Field(default=5, ge=1, description="messages per customer ...")
    rate_limit_hours: float = Field(default=24, gt=0, description="... in this many hours")
    max_per_run: int = Field(default=500, ge=1, description="a send run stops after this many")
    lease_seconds: int = Field(default=60, ge=1)
    max_attempts: int = Field(default=8, ge=1, description="send attempts before failed")
    lanes: int = Field(default=4, ge=1, le=32, description="messages sent side by side, "
                       "each lane on its own connection; after a crash, at most one message "
                       "per lane is in doubt")


class AuditSettings(BaseModel):
    """Checkpoints exported by the scheduler's housekeeping, so that an anchor outside
    the database exists without a person remembering to make one."""

    checkpoint_dir: Path | None = Field(
        default=None, description="folder for checkpoint-<time>.json files; none: off")
    checkpoint_webhook_url: str | None = Field(
        default=None, description="each checkpoint is also POSTed here as JSON")
    checkpoint_every_minutes: float = Field(default=60.0, ge=1.0, le=7 * 24 * 60,
                                            allow_inf_nan=False)


class ProductivitySettings(BaseModel):
    manual_minutes: dict[str, Decimal] = Field(
        default_factory=lambda: {
            "key_sales": Decimal("4"),
            "reconcile": Decimal("0.5"),
            "invoice_adjustments": Decimal("6"),
        },
        description="minutes a person needs per item, per recipe",
    )
    default_manual_minutes: Decimal = Decimal("3")
    working_hours_per_day: Decimal = Decimal("7.5")
    working_days_per_week: Decimal = Decimal("5")


class QueueSettings(BaseModel):
    """An operator's changes to a queue's declared policy (`RPA_QUEUES`)."""

    model_config = ConfigDict(extra="forbid")

    lease_seconds: float | None = Field(default=None, ge=1, le=86_400, allow_inf_nan=False)
    retry_attempts: int | None = Field(default=None, ge=1, le=100)
    retry_delay_seconds: float | None = Field(default=None, ge=0, le=3_600, allow_inf_nan=False)


class WorkSettings(BaseModel):
    """How the runtime works queues through outside systems."""

    outage_after: int = Field(default=5, ge=1, le=1000, description=(
        "consecutive items failing on system errors after which the run stops (an outage)"))


class LogSettings(BaseModel):
    level: str = "INFO"
    run_log_max_bytes: int = Field(default=50_000_000, gt=0)


class Settings(BaseSettings):
    """Every setting of the toolkit, from `RPA_*` variables and `.env` (`runner.py config`)."""

    model_config = SettingsConfigDict(
        env_prefix="RPA_",
        env_nested_delimiter="__",
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
    )

    data_dir: Path = Field(default=PROJECT_ROOT / "data")
    timezone: str = "Europe/Madrid"
    recipe_paths: tuple[Path, ...] = Field(
        default=(), description="extra folders searched for recipe modules"
    )
    staff_file: Path = Field(
        default=PROJECT_ROOT / "demo" / "staff.toml",
        description="the staff directory: person ids, names, aliases, mail addresses",
    )
    store: StoreSettings = StoreSettings()
    browser: BrowserSettings = BrowserSettings()
    portal: PortalSettings = PortalSettings()
    notify: NotifySettings = NotifySettings()
    audit: AuditSettings = AuditSettings()
    productivity: ProductivitySettings = ProductivitySettings()
    outbox: OutboxSettings = OutboxSettings()
    mail: MailSettings = MailSettings()
    log: LogSettings = LogSettings()
    queues: dict[str, QueueSettings] = Field(
        default_factory=dict, description="per queue: lease_seconds, retry_attempts, "
        "retry_delay_seconds over what the recipe declares")
    work: WorkSettings = WorkSettings()

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def store_url(self) -> str:
        return self.store.url or f"sqlite:///{self.data_dir / 'store.db'}"

    @property
    def runs_dir(self) -> Path:
        return self.data_dir / "runs"

    def secret_values(self) -> list[str]:
        """Every secret's plain value, for the log redactor."""
        from bots.redaction import url_secrets

        found: list[str] = []
        _collect_secrets(self, found)
        for url in (self.store.url, self.portal.url, self.notify.webhook_url,
                    self.audit.checkpoint_webhook_url):
            found += url_secrets(url)
        return [value for value in found if value]


def _collect_secrets(node: Any, found: list[str]) -> None:
    if isinstance(node, SecretStr):
        found.append(node.get_secret_value())
    elif isinstance(node, BaseModel):
        for name in type(node).model_fields:
            _collect_secrets(getattr(node, name), found)
    elif isinstance(node, dict):
        for value in node.values():
            _collect_secrets(value, found)
    elif isinstance(node, (list, tuple)):
        for value in node:
            _collect_secrets(value, found)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings; `reset_settings()` forgets them (tests, `config`)."""
    settings = Settings()
    from bots.redaction import register_secret

    for value in settings.secret_values():
        register_secret(value)
    return settings


def reset_settings() -> None:
    get_settings.cache_clear()


def env_source(name: str) -> str:
    """Where a top-level or nested setting came from: environment, .env or default."""
    key = "RPA_" + name.upper().replace(".", "__")
    if key in os.environ:
        return "environment"
    env_file = Path(".env")
    if env_file.exists():
        for line in env_file.read_text().splitlines():
            if line.strip().startswith(key + "="):
                return ".env"
    return "default"
