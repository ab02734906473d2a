"""Reading and filling pages in single round trips (see `js.py`), with typed results."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal
from urllib.parse import urlencode

from playwright.async_api import Error as PlaywrightError
from playwright.async_api import Frame

from bots.browser import js, parse
from bots.browser.errors import BrowserError, PageTimeout, is_navigation_race, translated
from bots.browser.loop import retrieve

FieldKind = Literal["text", "textarea", "select", "radio", "checkbox", "date", "amount"]


@dataclass(frozen=True)
class ListSpec:
    """Every element a selector matches, read as text or as one attribute."""

    selector: str
    attribute: str | None = None


@dataclass(frozen=True)
class Probe:
    """What to look for on a page: `detectors` name -> selector (which of them are present),
    `texts` name -> selector (first match's text), `lists` name -> every match's text."""

    detectors: Mapping[str, str] = field(default_factory=dict)
    texts: Mapping[str, str] = field(default_factory=dict)
    lists: Mapping[str, ListSpec] = field(default_factory=dict)

    def as_js(self) -> dict[str, Any]:
        return {"detectors": dict(self.detectors), "texts": dict(self.texts),
                "lists": {k: {"selector": v.selector, "attribute": v.attribute}
                          for k, v in self.lists.items()}}


@dataclass(frozen=True)
class PageState:
    """What a probe found on a page: URL, title, detectors present, texts, lists, form state."""

    url: str
    title: str
    matched: frozenset[str]
    texts: Mapping[str, str | None]
    lists: Mapping[str, list[dict[str, str | None]]]
    form_ready: bool = False
    submitted: bool = False
    status: int | None = None  # HTTP status, for fetched documents

    @classmethod
    def from_js(cls, raw: Mapping[str, Any], status: int | None = None) -> PageState:
        return cls(url=raw.get("url") or "", title=raw.get("title") or "",
                   matched=frozenset(raw.get("matched") or ()), texts=raw.get("texts") or {},
                   lists=raw.get("lists") or {}, form_ready=bool(raw.get("formReady")),
                   submitted=bool(raw.get("submitted")), status=status)


@dataclass(frozen=True)
class TableSpec:
    """An HTML table read as records: a selector per row and, per column, one inside the row."""

    rows: str
    columns: Mapping[str, str]

    def as_js(self) -> dict[str, Any]:
        return {"rows": self.rows, "columns": dict(self.columns)}


@dataclass(frozen=True)
class FillField:
    """One form field to fill: its selector, kind and value (a select's option by value or
    label)."""

    name: str
    selector: str
    kind: FieldKind
    value: str | bool | None
    by: Literal["value", "label"] = "value"


@dataclass(frozen=True)
class FillProblem:
    """Why a field could not be filled: missing from the page, no such option, or too long."""

    field: str | None
    problem: Literal["missing", "no_option", "too_long"]
    detail: str = ""


@dataclass(frozen=True)
class FillResult:
    """What filling a form did: whether it was ready, whether it was submitted, the problems."""

    ready: bool
    submitted: bool
    problems: tuple[FillProblem, ...] = ()


@dataclass(frozen=True)
class FetchResult:
    """A document fetched through the context's HTTP client: status, final URL, what the probe
    found."""

    status: int
    url: str
    state: PageState
    rows: list[dict[str, str | None]] | None = None


async def evaluate(frame: Frame, script: str, arg: Any, what: str) -> Any:
    with translated(what):
        return await frame.evaluate(script, arg)


async def page_state(frame: Frame, probe: Probe, *, ready: str | None = None) -> PageState:
    raw = await evaluate(frame, js.STATE, {"probe": probe.as_js(), "ready": ready},
                         f"reading {frame.url}")
    return PageState.from_js(raw)


async def settled_state(frame: Frame, probe: Probe, *, ready: str | None, timeout_s: float,
                        until: frozenset[str] = frozenset()) -> PageState:
    """Poll the frame until its form is ready or one of `until` is detected; survives the
    document being replaced while we look (a navigation in flight)."""
    deadline = time.monotonic() + timeout_s
    arg = {"probe": probe.as_js(), "ready": ready}
    last: PageState | None = None
    while True:
        try:
            last = PageState.from_js(await frame.evaluate(js.STATE, arg))
            # A document we submitted or navigated away from is on its way out: wait.
            if not last.submitted and (last.form_ready or (last.matched & until)):
                return last
        except PlaywrightError as exc:
            if not is_navigation_race(exc):
                raise BrowserError(f"reading {frame.url}: {exc.message}") from None
        if time.monotonic() >= deadline:
            where = last.url if last else frame.url
            raise PageTimeout(f"{where} did not show the expected page in {timeout_s:.0f} s")
        await asyncio.sleep(0.05)


async def fill(frame: Frame, fields: Sequence[FillField], *, ready: str | None,
               submit: str | None = None) -> FillResult:
    arg = {"ready": ready, "submit": submit,
           "fields": [{"name": f.name, "selector": f.selector, "kind": f.kind,
                       "value": f.value, "by": f.by} for f in fields]}
    raw = await evaluate(frame, js.FILL, arg, f"filling the form at {frame.url}")
    problems = tuple(FillProblem(p.get("field"), p["problem"], p.get("detail") or "")
                     for p in raw.get("problems") or ())
    return FillResult(ready=bool(raw["ready"]), submitted=bool(raw["submitted"]),
                      problems=problems)


def arm_navigation(frame: Frame, timeout_ms: int) -> asyncio.Future[Any]:
    """A future that resolves when `frame` commits its next navigation: arm it before the
    action that navigates, await it (or cancel it) after."""
    future = asyncio.ensure_future(frame.page.wait_for_event(
        "framenavigated", predicate=lambda f: f == frame, timeout=timeout_ms))
    future.add_done_callback(retrieve)
    return future


async def read_table(frame: Frame, table: TableSpec) -> list[dict[str, str | None]]:
    rows = await evaluate(frame, js.TABLE, {"table": table.as_js()}, f"reading {frame.url}")
    return list(rows)


async def fetch(frame: Frame, url: str, *, probe: Probe, timeout_ms: int, method: str = "GET",
                body: Sequence[tuple[str, str]] | None = None,
                table: TableSpec | None = None) -> FetchResult:
    """Fetch a document with the page's session (its cookies) and read it without
    rendering it: one round trip, no navigation of the page. Through the context's own
    HTTP client when every selector can be read in Python (see `parse`), else by a
    `fetch()` in the page."""
    probe_js, table_js = probe.as_js(), table.as_js() if table else None
    if parse.translatable(probe_js["detectors"], probe_js["texts"], probe_js["lists"],
                          table_js["columns"] if table_js else None,
                          {"rows": table_js["rows"]} if table_js else None):
        return await _fetch_direct(frame, url, method, body, probe_js, table_js, timeout_ms)
    arg = {"url": url, "method": method, "body": [list(p) for p in body] if body else None,
           "probe": probe_js, "table": table_js, "timeoutMs": timeout_ms}
    raw = await evaluate(frame, js.FETCH, arg, f"{method} {url}")
    if raw.get("error"):
        raise BrowserError(f"{method} {url}: {raw['error']}")
    return FetchResult(status=int(raw["status"]), url=raw["url"],
                       state=PageState.from_js(raw["state"], status=int(raw["status"])),
                       rows=raw.get("rows"))


async def _fetch_direct(frame: Frame, url: str, method: str,
                        body: Sequence[tuple[str, str]] | None, probe: dict[str, Any],
                        table: dict[str, Any] | None, timeout_ms: int) -> FetchResult:
    request = frame.page.context.request
    headers = {"content-type": "application/x-www-form-urlencoded"} if body else None
    with translated(f"{method} {url}"):
        response = await request.fetch(url, method=method, headers=headers,
                                       data=urlencode(list(body)) if body else None,
                                       timeout=timeout_ms, fail_on_status_code=False)
        html = await response.text()
    doc = parse.document(html)
    status = response.status
    return FetchResult(status=status, url=response.url,
                       state=PageState.from_js(parse.state(doc, response.url, probe), status=status),
                       rows=parse.table(doc, table) if table else None)


async def snapshot_html(frame: Frame, sensitive: Sequence[str]) -> str:
    return str(await evaluate(frame, js.SNAPSHOT, {"sensitive": list(sensitive)},
                              f"saving the HTML of {frame.url}"))


@dataclass(frozen=True)
class FormParam:
    """How one field is posted: its parameter name, a checkbox's value when ticked, the
    longest text it takes and, for a select or radio group, the values it offers."""

    param: str
    on: str = "on"
    max_length: int | None = None
    options: tuple[str, ...] | None = None
    labels: Mapping[str, str] | None = None


@dataclass(frozen=True)
class FormShape:
    """A form as the browser would post it: where, how, its hidden inputs (CSRF tokens)
    and what stands behind each mapped field (None: the field was not found)."""

    action: str
    method: str
    hidden: tuple[tuple[str, str], ...]
    fields: Mapping[str, FormParam | None]
    submitter: tuple[str, str] | None


async def harvest_form(frame: Frame, submit: str, fields: Sequence[FillField]) -> FormShape | None:
    arg = {"submit": submit, "fields": [{"name": f.name, "selector": f.selector} for f in fields]}
    raw = await evaluate(frame, js.HARVEST, arg, f"reading the form at {frame.url}")
    if raw is None:
        return None
    params: dict[str, FormParam | None] = {}
    for name, info in raw["fields"].items():
        params[name] = None if info is None else FormParam(
            param=info["param"], on=info["on"], max_length=info["maxLength"],
            options=tuple(info["options"]) if info["options"] is not None else None,
            labels=info["labels"])
    submitter = raw["submitter"]
    return FormShape(action=raw["action"], method=raw["method"],
                     hidden=tuple((n, v) for n, v in raw["hidden"]), fields=params,
                     submitter=(submitter[0], submitter[1]) if submitter else None)


async def fetch_hidden(frame: Frame, url: str, submit: str, *,
                       probe: Probe) -> tuple[tuple[tuple[str, str], ...] | None, PageState]:
    """The hidden inputs (fresh CSRF tokens) of the form around `submit` at `url`, read
    from a fetched copy of the page; None when the page has no such form."""
    arg = {"url": url, "submit": submit, "probe": probe.as_js()}
    raw = await evaluate(frame, js.FETCH_HIDDEN, arg, f"GET {url}")
    if raw.get("error"):
        raise BrowserError(f"GET {url}: {raw['error']}")
    state = PageState.from_js(raw["state"], status=int(raw["status"]))
    hidden = raw.get("hidden")
    return (tuple((n, v) for n, v in hidden) if hidden is not None else None), state
