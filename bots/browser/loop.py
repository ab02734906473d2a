"""One asyncio event loop on its own thread, which every browser call runs on.

Playwright objects belong to the loop that made them. Worker threads never touch them:
they hand a coroutine function to `call`, which runs it on the loop and blocks the caller
until it finishes. So recipe code stays plain synchronous Python (one thread per browser
context, like one clerk per screen) while one Playwright driver and one Chromium serve all.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Callable
from concurrent.futures import Future
from typing import Any, ParamSpec, TypeVar

from loguru import logger

P = ParamSpec("P")
T = TypeVar("T")


def _quiet_handler(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
    """Log what asyncio reports (a future whose error nobody read, ...) in one line.

    The default handler formats a traceback, and Python 3.11's traceback formatting
    parses source with `ast`, whose depth counter is shared by the whole interpreter:
    a future collected by the garbage collector in the middle of another thread's (or
    this thread's) `ast.parse` then breaks that parse with "AST constructor recursion
    depth mismatch" (CPython gh-106905). Such reports are noise here anyway: every
    error that matters reaches its caller through `call`."""
    error = context.get("exception")
    logger.debug("browser loop: {}{}", context.get("message", "?"),
                 f" ({type(error).__name__}: {error})" if error else "")


def retrieve(future: asyncio.Future[Any]) -> None:
    """Done-callback that reads a future's outcome, so nothing is reported at collection."""
    if not future.cancelled():
        future.exception()


class EventLoopThread:
    def __init__(self, name: str = "browser-loop") -> None:
        self.loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)

    def start(self) -> EventLoopThread:
        self._thread.start()
        self._ready.wait()
        return self

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        self.loop.set_exception_handler(_quiet_handler)
        self.loop.call_soon(self._ready.set)
        self.loop.run_forever()

    @property
    def running(self) -> bool:
        return self._thread.is_alive() and self.loop.is_running()

    def submit(self, fn: Callable[P, Awaitable[T]], *args: P.args, **kwargs: P.kwargs) -> Future[T]:
        if threading.current_thread() is self._thread:
            raise RuntimeError("call() from the browser loop itself would deadlock; await instead")
        if not self.running:
            raise RuntimeError("the browser loop is not running")

        async def runner() -> T:
            return await fn(*args, **kwargs)

        return asyncio.run_coroutine_threadsafe(runner(), self.loop)

    def call(self, fn: Callable[P, Awaitable[T]], *args: P.args, **kwargs: P.kwargs) -> T:
        """Run `fn(*args)` on the loop and return its result (or raise its exception)."""
        future = self.submit(fn, *args, **kwargs)
        try:
            return future.result()
        except BaseException:
            future.cancel()  # an interrupted caller must not leave the coroutine running
            raise

    def stop(self, timeout: float = 10) -> None:
        if not self._thread.is_alive():
            return

        async def cancel_all() -> None:
            tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

        if self.loop.is_running():
            asyncio.run_coroutine_threadsafe(cancel_all(), self.loop).result(timeout)
            self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(timeout)
        if not self._thread.is_alive():
            self.loop.close()

