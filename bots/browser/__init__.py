"""The browser layer: one system Chromium, a pool of contexts, evidence on failure.

    from bots.browser import BrowserPool, LaunchOptions

    with BrowserPool.open(LaunchOptions.from_settings(run.settings.browser)) as pool:
        pool.run_workers(work, count=run.settings.browser.contexts, stop=stop)

`work(lane)` runs in its own thread; it sends browser work to the pool's event loop with
`lane.run(async_fn, ...)` and wraps each item in `lane.watch(label, sink=run)` to keep a
masked screenshot, the HTML and (optionally) the trace when the item fails. It knows no
portal: page knowledge lives in `connectors/`.

Speed comes from round trips saved, not from waiting less: `dom.fill` fills a whole form
and submits it in one `evaluate`, `dom.fetch` reads a page with the session's cookies
without rendering it, dialogs are answered by policy (`DialogPolicy`), images and web
fonts are never requested, and headless windows are minimised so that Chromium does not
composite frames nobody sees. On a minimised window Playwright's own input actions
(`click`, `fill`, `type`) wait ~2 s each for a frame: wrap them in `async with
lane.shown():`, or set `LaunchOptions(minimize_windows=False)`.
"""

from __future__ import annotations

from bots.browser.dialogs import DialogLog, DialogPolicy, DialogRecord, DialogRule, DialogType
from bots.browser.dom import (
    FetchResult,
    FillField,
    FillProblem,
    FillResult,
    FormParam,
    FormShape,
    ListSpec,
    PageState,
    Probe,
    TableSpec,
)
from bots.browser.errors import BrowserError, BrowserUnavailable, PageGone, PageTimeout
from bots.browser.evidence import ArtifactSink, Evidence
from bots.browser.frames import FrameRef
from bots.browser.lane import Lane
from bots.browser.options import LaunchOptions
from bots.browser.pool import BrowserPool

__all__ = [
    "ArtifactSink",
    "BrowserError",
    "BrowserPool",
    "BrowserUnavailable",
    "DialogLog",
    "DialogPolicy",
    "DialogRecord",
    "DialogRule",
    "DialogType",
    "Evidence",
    "FetchResult",
    "FillField",
    "FillProblem",
    "FillResult",
    "FormParam",
    "FormShape",
    "FrameRef",
    "Lane",
    "LaunchOptions",
    "ListSpec",
    "PageGone",
    "PageState",
    "PageTimeout",
    "Probe",
    "TableSpec",
]
