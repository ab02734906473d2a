"""Telling customers: the channels behind `bots.outbox` (mail over SMTP, SMS over HTTP).

    channels_from_settings(settings)   the channels the settings configure
    compose_mail / compose_sms         a rendered, addressed message for `item.notify`
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from bots.outbox.model import Channel, ChannelKind
from bots.settings import Settings
from connectors.outbound.addresses import normalize_email, normalize_phone
from connectors.outbound.mail import MaildirArchive, SmtpChannel, Thread, compose_mail
from connectors.outbound.sms import SmsGatewayChannel, compose_sms

if TYPE_CHECKING:
    from bots.outbox.templates import Templates


def channels_from_settings(settings: Settings) -> dict[ChannelKind, Channel]:
    found: dict[ChannelKind, Channel] = {}
    if settings.outbox.smtp.host:
        found[ChannelKind.MAIL] = SmtpChannel(settings.outbox.smtp)
    if settings.outbox.sms.url:
        found[ChannelKind.SMS] = SmsGatewayChannel(settings.outbox.sms)
    return found


def templates_for(settings: Settings, shipped: Path) -> Templates:
    """The user's folder (RPA_OUTBOX__TEMPLATES_DIR) first, then the shipped templates."""
    from bots.outbox.templates import Templates

    folders = [settings.outbox.templates_dir, shipped] if settings.outbox.templates_dir else [shipped]
    return Templates([f for f in folders if f is not None],
                     default_locale=settings.outbox.default_locale)


__all__ = ["MaildirArchive", "SmsGatewayChannel", "SmtpChannel", "Thread",
           "channels_from_settings", "compose_mail", "compose_sms", "normalize_email",
           "normalize_phone", "templates_for"]
