"""The portal as one lane sees it (loop side): logged in, again whenever the portal shows
its login page, with its forms loaded and kept warm.

Runs only inside coroutines on the browser loop (`lane.run(...)`); the thread-side face is
`connectors.portal.Portal`.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from playwright.async_api import Frame
from pydantic import SecretStr

from bots.browser import FillField, FormShape, Lane, ListSpec, PageState, Probe, dom
from bots.browser.errors import BrowserError, translated
from bots.browser.frames import resolve
from bots.browser.loop import retrieve
from bots.redaction import register_secret
from bots.settings import PortalSettings
from connectors.portal.errors import LoginRefused, MapMismatch, PortalUnavailable, SessionLost
from connectors.portal.map import FormMap, PortalMap
from connectors.portal.values import fill_template

MAX_LOGINS_PER_ACTION = 2
OUTCOMES = frozenset({"login", "confirmed", "rejected", "duplicate", "server_error"})


@dataclass(frozen=True)
class Credentials:
    """The portal's user name and password (a secret never logged)."""

    username: str
    password: SecretStr

    @classmethod
    def from_settings(cls, settings: PortalSettings) -> Credentials:
        return cls(settings.username, settings.password)


def same_path(url: str, other: str) -> bool:
    a, b = urlsplit(url), urlsplit(other)
    return (a.netloc, a.path.rstrip("/"), a.query) == (b.netloc, b.path.rstrip("/"), b.query)


class PortalSession:
    """The loop side of a lane's portal: logins, forms kept warm, outcome probes."""

    def __init__(self, lane: Lane, portal_map: PortalMap, base_url: str,
                 credentials: Credentials) -> None:
        self.lane, self.map, self.credentials = lane, portal_map, credentials
        self.base_url = base_url.rstrip("/")
        self.timeout_s = lane.options.timeout_ms / 1000
        self.logins = 0
        self.loading: dict[str, asyncio.Task[None]] = {}  # blank forms on their way
        self.shapes: dict[str, FormShape] = {}  # harvested forms, for request mode
        register_secret(credentials.password.get_secret_value())
        login = portal_map.login
        self.login_probe = Probe(
            detectors={"login": login.detect.selector} if login.detect.selector else {},
            texts={"login_error": login.error} if login.error else {})
        self._probes: dict[str, Probe] = {}

    # -- addresses and recognition -----------------------------------------------------
    def url(self, path: str, values: dict[str, Any] | None = None) -> str:
        path = fill_template(path, values or {}) if "{" in path else path
        return path if "://" in path else f"{self.base_url}/{path.lstrip('/')}"

    def is_login(self, state: PageState) -> bool:
        return "login" in state.matched or self.map.login.detect.url_matches(state.url)

    def form_probe(self, name: str) -> Probe:
        if name not in self._probes:
            form, login = self.map.form(name), self.map.login
            outcome = form.outcome
            detectors = {"confirmed": outcome.confirmed}
            if login.detect.selector:
                detectors["login"] = login.detect.selector
            if outcome.rejected:
                detectors["rejected"] = outcome.rejected
            if outcome.duplicate:
                detectors["duplicate"] = outcome.duplicate
            if outcome.server_error:
                detectors["server_error"] = outcome.server_error
            texts = {"reference": outcome.reference.selector}
            if outcome.server_message:
                texts["server_message"] = outcome.server_message
            lists = {}
            if outcome.field_errors:
                lists["field_errors"] = ListSpec(outcome.field_errors.selector,
                                                 outcome.field_errors.field_attribute)
            self._probes[name] = Probe(detectors, texts, lists)
        return self._probes[name]

    # -- logging in --------------------------------------------------------------------
    async def login(self) -> None:
        """Log in on the lane's page; refused credentials stop the run (LoginRefused)."""
        page, login = self.lane.page, self.map.login
        await self.quiet()
        why = ""
        for _ in range(2):  # an anonymous session can expire between form and post: once more
            async with self.lane.untraced():
                with translated("opening the login page"):
                    await page.goto(self.url(login.url), wait_until="domcontentloaded")
                state = await dom.page_state(page.main_frame, self.login_probe)
                if not self.is_login(state):
                    return  # the portal let us through: the session was still good
                state = await self._sign_in(page.main_frame)
            if not self.is_login(state):
                self.logins += 1
                self._forget_loading()
                self.shapes.clear()  # a new session has new CSRF tokens
                self.lane.log.info("logged in to {} as {}", self.map.name, self.credentials.username)
                return
            why = state.texts.get("login_error") or ""
        if why:
            raise LoginRefused(f"{self.map.name} refused the login of {self.credentials.username!r}:"
                               f" {why}")
        raise SessionLost(f"{self.map.name} kept showing its login page after logging in")

    async def _sign_in(self, frame: Frame) -> PageState:
        """Type the credentials and submit, by script like every form (one round trip)."""
        login = self.map.login
        fields = [FillField("username", login.username, "text", self.credentials.username),
                  FillField("password", login.password, "text",
                            self.credentials.password.get_secret_value())]
        navigation = dom.arm_navigation(frame, self.lane.options.timeout_ms)
        try:
            filled = await dom.fill(frame, fields, ready=None, submit=login.submit)
            if filled.problems:
                missing = ", ".join(p.detail for p in filled.problems)
                raise MapMismatch(f"{self.map.name}: the login page has no {missing}")
            with translated("logging in"):
                await navigation
                await frame.wait_for_load_state("domcontentloaded")
        finally:
            navigation.cancel()
        return await dom.page_state(frame, self.login_probe)

    async def ensure_on_portal(self) -> None:
        """The lane's page must show a page of the portal (to run scripts against it)."""
        if not self.lane.page.url.startswith(self.base_url):
            await self.login()
            if not self.lane.page.url.startswith(self.base_url):
                with translated("opening the portal"):
                    await self.lane.page.goto(self.url(self.map.home), wait_until="domcontentloaded")

    async def fetch_frame(self) -> Frame:
        """Where fetches run: the lane's side page, parked on the portal's login page (any
        page of the portal's origin lends its cookies), so that no fetch ever meets the
        main page in the middle of loading a form."""
        page = await self.lane.side_page()
        if not page.url.startswith(self.base_url):
            with translated("opening the portal in the side page"):
                await page.goto(self.url(self.map.login.url), wait_until="domcontentloaded")
        return page.main_frame

    # -- forms -------------------------------------------------------------------------
    async def _frame(self, form: FormMap, record: dict[str, Any]) -> Frame:
        page = self.lane.page
        if not form.frames:
            return page.main_frame
        host = self.url(form.host or "", record)
        if not same_path(page.url, host):
            with translated(f"opening {host}"):
                await page.goto(host, wait_until="domcontentloaded")
        deadline = time.monotonic() + self.timeout_s
        while (frame := await resolve(page, form.frames)) is None:
            if time.monotonic() > deadline:
                raise PortalUnavailable(f"{host} has no frame {list(form.frames)}")
            await asyncio.sleep(0.02)
        return frame

    async def prepare(self, name: str, record: dict[str, Any], *, trust_loaded: bool = True) -> Frame:
        """The frame holding form `name`, blank and ready to fill (logging in if needed).

        When a blank form was loaded ahead (`reload_soon`) it is trusted without another
        look: the fill checks readiness itself and comes back here if it was wrong."""
        form, probe = self.map.form(name), self.form_probe(name)
        target = self.url(form.url, record)
        loading = self.loading.pop(name, None)
        if loading is not None and await _finished(loading) and trust_loaded:
            return await self._frame(form, record)
        for _ in range(MAX_LOGINS_PER_ACTION + 1):
            frame = await self._frame(form, record)
            state = await self._look(frame, form, probe)
            blank = state is not None and state.form_ready and same_path(state.url, target) \
                and not state.matched & OUTCOMES
            if not blank:
                if state is not None and self.is_login(state):
                    await self.login()
                    continue
                with translated(f"opening {target}"):
                    await frame.goto(target, wait_until="domcontentloaded")
                state = await dom.settled_state(frame, probe, ready=form.ready,
                                                timeout_s=self.timeout_s, until=OUTCOMES)
            if state.form_ready and not state.matched & OUTCOMES:
                return frame
            if self.is_login(state):
                await self.login()
                continue
            raise PortalUnavailable(f"{target} shows {state.title!r} instead of the form: "
                                    f"{state.texts.get('server_message') or 'no message'}")
        raise SessionLost(f"{self.map.name} kept asking to log in while opening {name}")

    async def _look(self, frame: Frame, form: FormMap, probe: Probe) -> PageState | None:
        """The frame's state now; None when it cannot be told (a document being replaced)."""
        try:
            return await dom.page_state(frame, probe, ready=form.ready)
        except BrowserError as exc:
            self.lane.log.debug("form state unknown ({}); reloading it", exc)
            return None

    def reload_soon(self, name: str, frame: Frame) -> None:
        """Start loading a blank form now, so that it is ready when the next item comes."""
        form = self.map.form(name)
        if form.templated:
            return

        async def load() -> None:
            with translated(f"reloading form {name}"):
                await frame.goto(self.url(form.url), wait_until="domcontentloaded")

        task = asyncio.ensure_future(load())
        task.add_done_callback(retrieve)  # a load nobody waits for must not be reported
        self.loading[name] = task

    def _forget_loading(self) -> None:
        for task in self.loading.values():
            task.cancel()
        self.loading.clear()

    async def quiet(self) -> None:
        """Let the forms loading ahead finish before the page goes elsewhere: two
        navigations of one page interrupt each other."""
        loading = list(self.loading.values())
        self.loading.clear()
        for task in loading:
            await _finished(task)


async def _finished(task: asyncio.Task[None]) -> bool:
    """Wait for a background load; True if it loaded (its errors only mean: look again)."""
    try:
        await task
    except (BrowserError, asyncio.CancelledError):
        return False
    return True
