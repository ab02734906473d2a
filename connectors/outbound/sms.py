"""SMS to customers through an HTTP gateway.

The gateway contract (what `demo/sms_gateway.py` stands in for; most SMS providers offer
the same two calls under other names, so another provider is another small adapter):

    POST {url}/messages   JSON {"to": "+34600123456", "from": "RPA", "text": "...",
                                "client_ref": "<idempotency key>"}
                          header Authorization: Bearer <token> (when one is set)
                          2xx -> JSON {"id": "..."}; 5xx, 408, 429 -> try later;
                          401, 403 -> our credentials: try later (the number is fine);
                          other 4xx -> refused (a bad number)
    GET  {url}/messages?client_ref=KEY   -> {"messages": [...]}: was it received?

The client reference is the message's idempotency key, so a send cut short by a crash
is looked up instead of being repeated.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from bots.outbox import (
    ChannelKind,
    OutboundMessage,
    PermanentFailure,
    StoredMessage,
    TemporaryFailure,
)
from bots.settings import SmsGatewaySettings
from connectors.outbound.addresses import normalize_phone

if TYPE_CHECKING:
    import httpx

    from bots.outbox import Templates

RETRYABLE = {401, 403, 408, 429}


def compose_sms(templates: Templates, *, case: str, template: str, step: str, to: str,
                context: Mapping[str, Any], locale: str | None, sender: str = "",
                default_region: str = "ES", customer: str | None = None,
                tz: str | None = None) -> OutboundMessage:
    number = normalize_phone(to, default_region)
    rendered = templates.render(template, locale, context, case=case, parts=("sms",))
    return OutboundMessage(case=case, template=template, step=step, channel=ChannelKind.SMS,
                           to=number, locale=rendered.locale, content=rendered.sms or "",
                           sender=sender, customer=customer or number, tz=tz)


class SmsGatewayChannel:
    kind = ChannelKind.SMS

    def __init__(self, settings: SmsGatewaySettings, *, client: httpx.Client | None = None) -> None:
        import httpx  # here: importing it costs a scheduled child process ~0.1 s

        if not settings.url:
            raise ValueError("no SMS gateway URL (RPA_OUTBOX__SMS__URL)")
        self.settings = settings
        headers = {"User-Agent": "rpa-backoffice"}
        if settings.token is not None:
            headers["Authorization"] = f"Bearer {settings.token.get_secret_value()}"
        self.client = client or httpx.Client(base_url=settings.url.rstrip("/"), headers=headers,
                                             timeout=settings.timeout_seconds)

    def send(self, message: StoredMessage) -> str | None:
        import httpx

        body = {"to": message.to, "from": message.sender or self.settings.sender,
                "text": message.content, "client_ref": message.key}
        try:
            response = self.client.post("/messages", json=body)
        except httpx.HTTPError as exc:
            raise TemporaryFailure(f"SMS gateway: {type(exc).__name__}: {exc}") from None
        if response.is_success:
            try:
                return str(response.json().get("id") or "") or None
            except ValueError:
                return None
        text = f"SMS gateway answered {response.status_code}: {response.text[:200]}"
        if response.status_code >= 500 or response.status_code in RETRYABLE:
            raise TemporaryFailure(text, code=response.status_code)
        raise PermanentFailure(text, code=response.status_code)

    def lookup(self, message: StoredMessage) -> bool | None:
        import httpx

        try:
            response = self.client.get("/messages", params={"client_ref": message.key})
            response.raise_for_status()
            return bool(response.json().get("messages"))
        except (httpx.HTTPError, ValueError) as exc:
            raise TemporaryFailure(f"SMS gateway lookup: {exc}") from None

    def close(self) -> None:
        self.client.close()
