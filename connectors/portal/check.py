"""`runner.py map check`: does the portal still have what the map says?

The login page is opened first and its selectors resolved; then the bot logs in and opens
each form (through its host page and frames) and resolves the form's selectors there.
Outcome selectors show only after a submit and searches only with a record: those are
listed as not checked, never as found.
"""

from __future__ import annotations

from dataclasses import dataclass

from playwright.async_api import Frame

from bots.browser import Lane
from bots.browser.errors import BrowserError, translated
from connectors.portal.errors import PortalUnavailable, SessionLost
from connectors.portal.map import PortalMap, placeholders
from connectors.portal.session import Credentials, PortalSession

COUNT = "(s) => { try { return document.querySelectorAll(s).length; } catch (e) { return -1; } }"


@dataclass(frozen=True)
class CheckLine:
    where: str
    selector: str
    status: str  # found, missing, not checked
    note: str = ""


async def _resolve(frame: Frame, where: str, selector: str) -> CheckLine:
    with translated(f"looking for {selector}"):
        count = int(await frame.evaluate(COUNT, selector))
    if count < 0:
        return CheckLine(where, selector, "missing", "not a valid CSS selector")
    if count == 0:
        return CheckLine(where, selector, "missing")
    return CheckLine(where, selector, "found", f"{count} elements" if count > 1 else "")


async def check_map(lane: Lane, portal_map: PortalMap, base_url: str,
                    credentials: Credentials) -> list[CheckLine]:
    session = PortalSession(lane, portal_map, base_url, credentials)
    login, lines = portal_map.login, []
    with translated("opening the login page"):
        await lane.page.goto(session.url(login.url), wait_until="domcontentloaded")
    for where, selector in (("login.detect", login.detect.selector), ("login.username", login.username),
                            ("login.password", login.password), ("login.submit", login.submit)):
        if selector:
            lines.append(await _resolve(lane.page.main_frame, where, selector))
    if login.error:
        lines.append(CheckLine("login.error", login.error, "not checked", "shown on refusal"))
    await session.login()
    for name, form in portal_map.forms.items():
        if form.templated:
            needs = ", ".join(sorted(placeholders(form.url)))
            lines.append(CheckLine(f"forms.{name}", form.url, "not checked", f"its URL needs {needs}"))
            continue
        try:
            frame = await session.prepare(name, {}, trust_loaded=False)
        except (PortalUnavailable, SessionLost, BrowserError) as exc:
            lines.append(CheckLine(f"forms.{name}", form.url, "missing", str(exc)[:200]))
            continue
        lines.append(await _resolve(frame, f"forms.{name}.ready", form.ready))
        lines.append(await _resolve(frame, f"forms.{name}.submit", form.submit))
        for field in form.fields:
            lines.append(await _resolve(frame, f"forms.{name}.fields.{field.name}", field.selector))
        lines.append(CheckLine(f"forms.{name}.outcome", form.outcome.confirmed, "not checked",
                               "shown after a submit"))
    for name, search in portal_map.searches.items():
        lines.append(CheckLine(f"searches.{name}", search.rows, "not checked",
                               "results show only for a saved record"))
    return lines
