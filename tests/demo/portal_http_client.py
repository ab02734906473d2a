"""A cookie-keeping HTTP client for the demo portal's tests (urllib only), that does not
follow redirects unless asked, so that tests see the 302s to the login page."""

from __future__ import annotations

import http.cookiejar
import re
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from typing import Any

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
REFERENCE = re.compile(r'<strong class="reference">([^<]+)</strong>')

GOOD_SALE = {
    "external_id": "EXT-0001", "sale_date": "15/03/2026", "customer_name": "Ana Núñez Peña",
    "customer_tax_id": "12345678Z", "product": "FIB-600", "quantity": "2",
    "amount": "1.234,56", "currency": "EUR", "payment_method": "transfer", "channel": "web",
    "seller": "ana.ruiz", "validator": "m.campos", "consent": "Y", "notes": "first sale",
}


@dataclass
class Reply:
    status: int
    url: str
    headers: Any
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8")

    @property
    def location(self) -> str:
        return str(self.headers.get("Location", ""))


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


class PortalClient:
    def __init__(self, base_url: str, timeout: float = 10) -> None:
        self.base_url = base_url
        self.timeout = timeout
        self.jar = http.cookiejar.CookieJar()
        self._opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.jar), _NoRedirect)

    def request(self, path: str, data: dict[str, str] | None = None, *,
                follow: bool = False, headers: dict[str, str] | None = None,
                raw: bytes | None = None) -> Reply:
        body = raw if raw is not None else (
            urllib.parse.urlencode(data).encode() if data is not None else None)
        request = urllib.request.Request(urllib.parse.urljoin(self.base_url, path), data=body,
                                         headers=headers or {})
        try:
            with self._opener.open(request, timeout=self.timeout) as response:
                reply = Reply(response.status, response.url, response.headers, response.read())
        except urllib.error.HTTPError as error:
            reply = Reply(error.code, error.url, error.headers, error.read())
        if follow and reply.status in (301, 302, 303):
            return self.request(reply.location, follow=True)
        return reply

    def get(self, path: str, **kwargs: Any) -> Reply:
        return self.request(path, **kwargs)

    def post(self, path: str, data: dict[str, str], **kwargs: Any) -> Reply:
        return self.request(path, data, **kwargs)

    def csrf(self, path: str) -> str:
        page = self.get(path)
        match = CSRF.search(page.text)
        assert match, f"no csrf token on {path}: {page.status} {page.text[:300]}"
        return match.group(1)

    def login(self, username: str = "robot", password: str = "robot-pass") -> Reply:
        token = self.csrf("/login")
        return self.post("/login", {"username": username, "password": password,
                                    "csrf_token": token})

    def save_sale(self, **changes: str) -> Reply:
        token = self.csrf("/sales/form")
        return self.post("/sales/form", {**GOOD_SALE, **changes, "csrf_token": token})

    def admin(self, path: str, payload: bytes = b"{}", token: str = "demo-admin") -> Reply:
        return self.request(path, raw=payload, headers={"X-Admin-Token": token,
                                                       "Content-Type": "application/json"})
