"""Keying one record (loop side): fill and submit the mapped form in the UI, or post the
same form through the logged-in session (request mode); then read what the portal said.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from playwright.async_api import Frame

from bots.browser import DialogRecord, FillField, FillProblem, FormShape, PageState, dom, js
from bots.browser.errors import BrowserError, PageTimeout, is_navigation_race, translated
from bots.browser.loop import retrieve
from connectors.portal.errors import MapMismatch, PortalUnavailable, RecordInvalid
from connectors.portal.session import OUTCOMES, PortalSession


@dataclass(frozen=True)
class Answer:
    """What the portal showed after a submit."""

    state: PageState
    dialogs: tuple[DialogRecord, ...] = ()
    mode: str = "ui"


def problems_error(form: str, problems: Sequence[FillProblem]) -> Exception:
    """A value the form cannot take is the record's problem; a missing input is the map's."""
    missing = [p for p in problems if p.problem == "missing"]
    if missing:
        where = ", ".join(f"{p.field or 'submit'} ({p.detail})" for p in missing)
        return MapMismatch(f"form {form}: the page has no {where}; has the portal changed?")
    text = "; ".join(
        f"{p.field}: not one of the portal's options ({p.detail})" if p.problem == "no_option"
        else f"{p.field}: longer than the {p.detail} characters the portal takes"
        for p in problems)
    return RecordInvalid(f"form {form}: {text}", field=problems[0].field)


async def submit_ui(session: PortalSession, name: str, frame: Frame,
                    fields: Sequence[FillField], record: dict[str, Any]) -> Answer:
    """Fill every field in one round trip and submit; wait for the next document."""
    form, lane = session.map.form(name), session.lane
    started = datetime.now(UTC)
    lane.dialogs.dismissed.clear()
    for attempt in range(2):
        navigation = dom.arm_navigation(frame, lane.options.timeout_ms) if form.navigates else None
        try:
            by_script = form.submit_method == "script"
            filled = await dom.fill(frame, fields, ready=form.ready,
                                    submit=form.submit if by_script else None)
            if not filled.ready:
                if attempt:
                    raise PortalUnavailable(f"form {name} was not ready to fill")
                frame = await session.prepare(name, record, trust_loaded=False)
                continue
            if filled.problems:
                raise problems_error(name, filled.problems)
            if not by_script:
                with translated(f"clicking {form.submit}"):
                    await frame.evaluate(js.MARK_SUBMITTED)
                    async with lane.shown():  # trusted input needs a window that draws
                        await frame.click(form.submit, no_wait_after=True)
            if navigation is not None:
                await _navigated(session, navigation, frame, name)
            state = await _outcome(session, frame, name)
            break
        finally:
            if navigation is not None and not navigation.done():
                navigation.cancel()
    dialogs = tuple(lane.dialogs.since(started))
    if "confirmed" in state.matched:
        # Anything else stays on screen for the evidence; the next prepare reloads it.
        session.reload_soon(name, frame)
    return Answer(state, dialogs, "ui")


async def _navigated(session: PortalSession, navigation: asyncio.Future[Any], frame: Frame,
                     name: str) -> None:
    dismissed = asyncio.ensure_future(session.lane.dialogs.dismissed.wait())
    dismissed.add_done_callback(retrieve)
    try:
        done, _ = await asyncio.wait({navigation, dismissed}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        dismissed.cancel()
    if navigation in done:
        with translated(f"submitting {name}"):
            navigation.result()
            await frame.wait_for_load_state("domcontentloaded")
        return
    record = session.lane.dialogs.records[-1] if session.lane.dialogs.records else None
    asked = f" {record.type} {record.message!r}" if record else ""
    raise MapMismatch(f"form {name}: the portal asked{asked} and the dialog policy dismissed "
                      "it, so nothing was submitted; map the dialog to answer it")


async def _outcome(session: PortalSession, frame: Frame, name: str) -> PageState:
    """Poll the new document until one outcome detector (or the login page) shows."""
    probe, form = session.form_probe(name), session.map.form(name)
    deadline = time.monotonic() + session.timeout_s
    last: PageState | None = None
    while time.monotonic() < deadline:
        try:
            last = await dom.page_state(frame, probe)
            stale = last.submitted and form.navigates  # still the document we submitted
            if not stale and (last.matched & OUTCOMES or session.is_login(last)):
                return last
        except BrowserError as exc:
            if not is_navigation_race(exc):
                raise
        await asyncio.sleep(0.05)
    shown = f"{last.title!r} at {last.url}" if last else "nothing readable"
    raise PortalUnavailable(f"form {name}: after the submit the portal showed {shown} and no "
                            "known outcome; it may have been saved", after_submit=True)


def _body(name: str, shape: FormShape, fields: Sequence[FillField]) -> list[tuple[str, str]]:
    """The form's fields as the browser would post them, checked like the UI fill checks."""
    body = list(shape.hidden)
    problems: list[FillProblem] = []
    for field in fields:
        param = shape.fields.get(field.name)
        if param is None:
            problems.append(FillProblem(field.name, "missing", field.selector))
            continue
        if field.kind == "checkbox":
            if field.value:
                body.append((param.param, param.on))
            continue
        value = str(field.value or "")
        if field.kind == "select" and field.by == "label" and param.labels is not None:
            value = param.labels.get(value, "\0")
        if param.options is not None and value and value not in param.options:
            problems.append(FillProblem(field.name, "no_option", ", ".join(param.options)))
        elif param.max_length is not None and len(value) > param.max_length:
            problems.append(FillProblem(field.name, "too_long", str(param.max_length)))
        body.append((param.param, value))
    if problems:
        raise problems_error(name, problems)
    if shape.submitter:
        body.append(shape.submitter)
    return body


async def submit_direct(session: PortalSession, name: str, record: dict[str, Any],
                        fields: Sequence[FillField]) -> Answer:
    """Post the mapped form through the lane's session: no rendering, one round trip (two
    when the form's tokens serve one post). The form's shape (action, parameter names,
    options) is read once from the real form in the UI, and again after every login."""
    form = session.map.form(name)
    shape = None if form.templated else session.shapes.get(name)
    if shape is None:
        frame = await session.prepare(name, record)
        shape = await dom.harvest_form(frame, form.submit, fields)
        if shape is None:
            raise MapMismatch(f"form {name}: {form.submit} is not a button of a form")
        session.shapes[name] = shape
    elif form.tokens == "form":
        shape = await _fresh_tokens(session, name, record, shape)
        if shape is None:  # the portal showed its login page instead of the form
            return Answer(PageState("", "", frozenset({"login"}), {}, {}), (), "request")
    body = _body(name, shape, fields)
    try:
        result = await dom.fetch(await session.fetch_frame(), shape.action, method=shape.method,
                                 body=body, probe=session.form_probe(name),
                                 timeout_ms=session.lane.options.timeout_ms)
    except PageTimeout as exc:
        raise PortalUnavailable(f"form {name}: {exc}", after_submit=True) from None
    return Answer(result.state, (), "request")


async def _fresh_tokens(session: PortalSession, name: str, record: dict[str, Any],
                        shape: FormShape) -> FormShape | None:
    form = session.map.form(name)
    hidden, state = await dom.fetch_hidden(await session.fetch_frame(),
                                           session.url(form.url, record), form.submit,
                                           probe=session.form_probe(name))
    if session.is_login(state):
        return None
    if hidden is None:
        raise PortalUnavailable(f"form {name}: {state.title!r} instead of the form "
                                f"(HTTP {state.status})")
    return replace(shape, hidden=hidden)
