"""One browser, a pool of contexts: the browser session every recipe shares.

    with BrowserPool.open(LaunchOptions.from_settings(run.settings.browser)) as pool:
        pool.run_workers(work, count=3, stop=stop)     # work(lane) in 3 threads

Why this shape: Playwright's sync objects are bound to the thread that made them, and on 2
cores one browser must serve every worker. The pool runs Playwright's async API on one
event-loop thread (one driver process, one Chromium, N contexts) and lets each worker
thread run plain synchronous recipe code (`for item in queue.claim_iter(): with item:`),
sending its browser work to the loop. Alternatives we rejected: one `connect_over_cdp` per
thread attaches every connection to every page, so a thread's stray listener-less copy of
another thread's page auto-dismisses its confirm() dialogs (cancelled saves) and all
events travel N times; a Playwright browser server adds a second driver hop per call.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from typing import ParamSpec, TypeVar

from loguru import logger
from playwright.async_api import Browser, Playwright, async_playwright

from bots.browser.dialogs import DialogPolicy
from bots.browser.errors import BrowserError, BrowserUnavailable, translated
from bots.browser.lane import Lane
from bots.browser.loop import EventLoopThread
from bots.browser.options import LaunchOptions
from bots.threads import run_side_by_side

P = ParamSpec("P")
T = TypeVar("T")


class BrowserPool:
    """One Chromium and its lanes (contexts), driven from plain threads (see above)."""

    def __init__(self, options: LaunchOptions) -> None:
        self.options = options
        self._loop = EventLoopThread()
        self._playwright: Playwright | None = None
        self._browser: Browser | None = None
        self._lanes: list[Lane] = []
        self._lock = threading.Lock()

    @classmethod
    @contextmanager
    def open(cls, options: LaunchOptions) -> Iterator[BrowserPool]:
        """Start the browser; it is closed (contexts, browser, driver) however the block ends."""
        pool = cls(options)
        pool.start()
        try:
            yield pool
        finally:
            pool.close()

    def start(self) -> BrowserPool:
        kwargs = self.options.launch_kwargs()  # refuses a missing executable before any thread
        self._loop.start()
        try:
            self._loop.call(self._start, kwargs)
        except BaseException:
            self.close()
            raise
        logger.debug("browser started: {} (headless={})", kwargs["executable_path"],
                     self.options.headless)
        return self

    async def _start(self, kwargs: dict[str, object]) -> None:
        self._playwright = await async_playwright().start()
        try:
            with translated(f"launching {kwargs['executable_path']}"):
                self._browser = await self._playwright.chromium.launch(**kwargs)  # type: ignore[arg-type]
        except BrowserError as exc:
            raise BrowserUnavailable(str(exc)) from None

    @property
    def browser(self) -> Browser:
        if self._browser is None:
            raise BrowserUnavailable("the browser pool is not started")
        return self._browser

    def run(self, fn: Callable[P, Awaitable[T]], *args: P.args, **kwargs: P.kwargs) -> T:
        """Run any coroutine function on the browser loop (for one-off work)."""
        return self._loop.call(fn, *args, **kwargs)

    def lane(self, name: str | None = None, *, dialogs: DialogPolicy | None = None) -> Lane:
        """A new context with one page; closed with the pool if not before."""
        lane = self._loop.call(Lane.open, self._loop, self.browser, self.options, name=name,
                               dialogs=dialogs)
        with self._lock:
            self._lanes.append(lane)
        return lane

    def run_workers(self, work: Callable[[Lane], None], count: int, *,
                    stop: threading.Event | None = None, dialogs: DialogPolicy | None = None,
                    name: str = "lane") -> None:
        """Run `work(lane)` in `count` threads, each with its own lane, until all return.

        The first error stops the others (through `stop`, which work loops should watch,
        e.g. by handing it to their WorkQueue) and is raised once all have ended; an
        interrupt of the calling thread does the same."""
        if count < 1:
            raise ValueError(f"count must be at least 1, got {count}")
        stop = stop or threading.Event()
        lanes = [self.lane(f"{name}-{n}", dialogs=dialogs) for n in range(1, count + 1)]
        try:
            run_side_by_side([(lane.name, functools.partial(work, lane)) for lane in lanes], stop)
        finally:
            for lane in lanes:
                self._close_lane(lane)

    def _close_lane(self, lane: Lane) -> None:
        try:
            lane.close()
        except Exception as exc:  # noqa: BLE001 - closing must go on for the other lanes
            logger.warning("closing {} failed: {}", lane.name, exc)

    def close(self) -> None:
        with self._lock:
            lanes, self._lanes = self._lanes, []
        if self._loop.running:
            for lane in lanes:
                self._close_lane(lane)
            try:
                self._loop.call(self._stop)
            except Exception as exc:  # noqa: BLE001 - the loop is stopped below regardless
                logger.warning("closing the browser failed: {}", exc)
        self._loop.stop()

    async def _stop(self) -> None:
        if self._browser is not None:
            await self._browser.close()
            self._browser = None
        if self._playwright is not None:
            await self._playwright.stop()
            self._playwright = None
