"""A lane: one browser context with one page, worked by one thread.

Contexts are cheap, isolated sessions (own cookies, own login) inside the one browser.
The thread that owns a lane runs its recipe code synchronously and sends browser work to
the pool's event loop with `lane.run(async_fn, ...)`.
"""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Sequence
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, ParamSpec, TypeVar

from loguru import logger
from playwright.async_api import Browser, BrowserContext, Page, Route

from bots.browser.dialogs import DialogLog, DialogPolicy
from bots.browser.errors import translated
from bots.browser.evidence import ArtifactSink, Evidence, capture, evidence_stem, redact_zip
from bots.browser.options import LaunchOptions

if TYPE_CHECKING:
    from bots.browser.loop import EventLoopThread

P = ParamSpec("P")
T = TypeVar("T")
_numbers = itertools.count(1)


async def _abort(route: Route) -> None:
    await route.abort("blockedbyclient")


async def _set_window(context: BrowserContext, page: Page, state: str) -> None:
    session = await context.new_cdp_session(page)
    try:
        window = await session.send("Browser.getWindowForTarget")
        await session.send("Browser.setWindowBounds", {"windowId": window["windowId"],
                                                       "bounds": {"windowState": state}})
    finally:
        await session.detach()


async def _minimize(context: BrowserContext, page: Page) -> None:
    """Minimise a page's (invisible) headless window: Chromium then stops compositing
    frames for it, which on 2 cores is a third of the CPU a keyed item costs. The page
    still counts as visible, its timers run at full speed, scripts and screenshots work.
    But Playwright's input actions (click, fill, type) wait about 2 s for frames that do
    not come: do them inside `lane.shown()`, or fill by script (`dom.fill`)."""
    await _set_window(context, page, "minimized")


class Lane:
    """Loop-side attributes (`context`, `page`, `dialogs`) may only be used inside
    coroutines run through `lane.run`; the rest is for the owning thread."""

    def __init__(self, loop: EventLoopThread, name: str, context: BrowserContext, page: Page,
                 dialogs: DialogLog, options: LaunchOptions) -> None:
        self._loop, self.name, self.options = loop, name, options
        self.context, self.page, self.dialogs = context, page, dialogs
        self._side: Page | None = None
        self._chunk_open = False
        self.closed = False
        self.log = logger.bind(lane=name)

    @classmethod
    async def open(cls, loop: EventLoopThread, browser: Browser, options: LaunchOptions, *,
                   name: str | None = None, dialogs: DialogPolicy | None = None) -> Lane:
        name = name or f"lane-{next(_numbers)}"
        with translated(f"opening browser context {name}"):
            context = await browser.new_context(accept_downloads=True,
                                                viewport={"width": 1280, "height": 900})
            context.set_default_timeout(options.timeout_ms)
            context.set_default_navigation_timeout(options.timeout_ms)
            if options.trace:
                await context.tracing.start(screenshots=True, snapshots=True, sources=False)
            log = DialogLog(dialogs or DialogPolicy(), lane=name)
            # Pages the portal opens itself (window.open) answer dialogs by the same policy.
            context.on("page", lambda page: page.on("dialog", log.handle))
            for glob in options.blocked_url_globs:
                await context.route(glob, _abort)
            page = await context.new_page()
            if options.minimize:
                await _minimize(context, page)
        return cls(loop, name, context, page, log, options)

    # -- for the owning thread ---------------------------------------------------------
    def run(self, fn: Callable[P, Awaitable[T]], *args: P.args, **kwargs: P.kwargs) -> T:
        """Run a coroutine function on the browser loop and wait for its result."""
        return self._loop.call(fn, *args, **kwargs)

    @contextmanager
    def watch(self, label: str, *, sink: ArtifactSink | None,
              sensitive: Sequence[str] = (), keep: bool = False) -> Iterator[None]:
        """Evidence for the work inside: on an exception, a masked screenshot, the HTML
        and (with tracing on) the trace are saved to `sink` before the error goes on; on
        success nothing is kept unless `keep`."""
        if self.options.trace:
            self.run(self._start_chunk, label)
        try:
            yield
        except Exception:
            self._save(label, sink, sensitive, failed=True)
            raise
        except BaseException:
            self.run(self._stop_chunk, None)
            raise
        else:
            if keep:
                self._save(label, sink, sensitive, failed=False)
            elif self.options.trace:
                self.run(self._stop_chunk, None)

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            self.run(self._close)

    # -- loop side ---------------------------------------------------------------------
    async def side_page(self) -> Page:
        """A second page of the same context (same cookies, same session) that is never
        navigated by the work: fetches run there while the main page loads a form."""
        if self._side is None or self._side.is_closed():
            with translated(f"opening a side page in {self.name}"):
                self._side = await self.context.new_page()
                if self.options.minimize:
                    await _minimize(self.context, self._side)
        return self._side

    async def _start_chunk(self, title: str) -> None:
        if self._chunk_open:
            await self.context.tracing.stop_chunk()
        await self.context.tracing.start_chunk(title=title)
        self._chunk_open = True

    async def _stop_chunk(self, path: str | None) -> None:
        if self._chunk_open:
            self._chunk_open = False
            await self.context.tracing.stop_chunk(path=path)

    @asynccontextmanager
    async def shown(self) -> AsyncIterator[None]:
        """The main page's window restored for what is inside (trusted mouse and keyboard
        input), minimised again after; nothing to do when windows are not minimised."""
        if not self.options.minimize:
            yield
            return
        with translated(f"showing {self.name}"):
            await _set_window(self.context, self.page, "normal")
        try:
            yield
        finally:
            if not self.page.is_closed():
                await _minimize(self.context, self.page)

    @asynccontextmanager
    async def untraced(self) -> AsyncIterator[None]:
        """Keep what happens inside (a login) out of the trace: the chunk so far is
        dropped, and a new one starts after."""
        title = "after login"
        if self._chunk_open:
            await self._stop_chunk(None)
            yield
            await self._start_chunk(title)
        else:
            yield

    async def _capture(self, stem_text: str, sensitive: Sequence[str],
                       with_trace: bool) -> list[Evidence]:
        stem = Path(stem_text)
        saved = await capture(self.page, stem, sensitive)
        if with_trace and self._chunk_open:
            trace = stem.with_suffix(".trace.zip")
            await self._stop_chunk(str(trace))
            redact_zip(trace)
            saved.append(Evidence(trace, "trace"))
        elif self._chunk_open:
            await self._stop_chunk(None)
        return saved

    def _save(self, label: str, sink: ArtifactSink | None, sensitive: Sequence[str], *,
              failed: bool) -> None:
        if sink is None:
            if self.options.trace:
                self.run(self._stop_chunk, None)
            return
        try:
            stem = evidence_stem(sink, label, self.name)
            saved = self.run(self._capture, str(stem), list(sensitive), failed)
            for evidence in saved:
                sink.add_artifact(evidence.path, kind=evidence.kind)
            self.log.info("evidence for {} saved: {}", label,
                          ", ".join(e.path.name for e in saved) or "nothing could be saved")
        except Exception as exc:  # noqa: BLE001 - evidence is best effort; the real error goes on
            self.log.warning("could not save evidence for {}: {}", label, exc)

    async def _close(self) -> None:
        with translated(f"closing {self.name}"):
            if self.options.trace:
                self._chunk_open = False
                await self.context.tracing.stop()
            await self.context.close()

    def __repr__(self) -> str:
        return f"<Lane {self.name}>"
