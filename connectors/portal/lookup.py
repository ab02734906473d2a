"""Looking things up in the portal (loop side): a record through the mapped search (by its
key, by several of its fields, or both), the same search as a person sees it (spot
checks), and the exports.

A result row is the record when its key column shows the key (if the search has one) and
every `match` column shows the record's value written the portal's way (a date as
dd.mm.yyyy, an amount as 1.234,50), compared without case or repeated blanks."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from bots.browser import Probe, TableSpec, dom
from bots.browser.errors import translated
from connectors.portal.errors import PortalUnavailable, RecordInvalid, SessionLost
from connectors.portal.map import FieldKind, SearchMap, placeholders
from connectors.portal.session import MAX_LOGINS_PER_ACTION, PortalSession
from connectors.portal.values import render_value

Row = dict[str, str | None]
Record = Mapping[str, Any]


def _norm(text: str | None) -> str:
    return " ".join((text or "").split()).casefold()


def _expected(spec: SearchMap, record: Record) -> dict[str, str]:
    """Each matched column's text as the portal would show the record's value."""
    out = {}
    for column, check in spec.match.items():
        raw = record.get(check.source)
        if raw is None or raw == "":
            raise RecordInvalid(f"the lookup matches {column} on {check.source}, which the "
                                "record lacks", field=check.source)
        out[column] = str(render_value(FieldKind(check.kind), check, raw))
    return out


def _values(spec: SearchMap, key: str, record: Record) -> dict[str, Any]:
    values: dict[str, Any] = {**record, "key": key}
    for name, check in spec.params.items():
        raw = record.get(check.source)
        values[name] = None if raw in (None, "") else render_value(FieldKind(check.kind), check, raw)
    return values


def search_url(session: PortalSession, spec: SearchMap, key: str, record: Record) -> str:
    return session.url(spec.url, _values(spec, key, record))


def search_body(spec: SearchMap, key: str, record: Record) -> list[tuple[str, str]]:
    """A posted search's parameters, filled like a person fills the search form."""
    values = _values(spec, key, record)
    missing = sorted({n for t in spec.form.values() for n in placeholders(t)
                      if values.get(n) in (None, "")})
    if missing:
        raise RecordInvalid(f"the lookup needs {', '.join(missing)}, which the record lacks")
    return [(name, template.format(**{n: values[n] for n in placeholders(template)}))
            for name, template in spec.form.items()]


async def _hidden(session: PortalSession, spec: SearchMap, probe: Probe) -> list[tuple[str, str]]:
    """The hidden inputs (CSRF tokens) of the search form's page, read afresh."""
    if not spec.page or not spec.submit:
        return []
    hidden, state = await dom.fetch_hidden(await session.fetch_frame(), session.url(spec.page),
                                           spec.submit, probe=probe)
    if session.is_login(state):
        raise _LoginShown()
    if hidden is None:
        raise PortalUnavailable(f"{spec.page} has no search form with {spec.submit}")
    return list(hidden)


class _LoginShown(Exception):
    """The search form's page was the login page."""


def matching(session: PortalSession, name: str, key: str, rows: list[Row],
             record: Record | None = None) -> list[Row]:
    spec = session.map.search(name)
    expected = _expected(spec, record or {}) if spec.match else {}

    def same(row: Row) -> bool:
        if spec.key_column is not None and _norm(row.get(spec.key_column)) != _norm(key):
            return False
        return all(_norm(row.get(c)) == _norm(v) for c, v in expected.items())

    return [row for row in rows if same(row)]


async def find(session: PortalSession, name: str, key: str,
               record: Record | None = None) -> list[Row]:
    """The search's result rows that are the record (fetched, not rendered)."""
    spec = session.map.search(name)
    record = record or {}
    url = search_url(session, spec, key, record)
    body = search_body(spec, key, record) if spec.method == "post" else None
    table = TableSpec(spec.rows, spec.columns)
    probe = Probe(detectors=dict(session.login_probe.detectors))
    for _ in range(MAX_LOGINS_PER_ACTION + 1):
        try:
            hidden = await _hidden(session, spec, probe) if body is not None else []
        except _LoginShown:
            await session.login()
            continue
        result = await dom.fetch(await session.fetch_frame(), url, probe=probe, table=table,
                                 timeout_ms=session.lane.options.timeout_ms,
                                 method="POST" if body is not None else "GET",
                                 body=[*hidden, *body] if body is not None else None)
        if session.is_login(result.state):
            await session.login()
            continue
        if result.status >= 400:
            raise PortalUnavailable(f"search {name} for {key!r}: HTTP {result.status}")
        return matching(session, name, key, result.rows or [], record)
    raise SessionLost(f"{session.map.name} kept asking to log in while searching {key!r}")


async def find_in_ui(session: PortalSession, name: str, key: str,
                     record: Record | None = None) -> list[Row]:
    """The same search, opened in the page as a person would see it (for spot checks); a
    posted search is read as posted (a page cannot be opened on a POST)."""
    spec = session.map.search(name)
    record = record or {}
    if spec.method == "post":
        return await find(session, name, key, record)
    url = search_url(session, spec, key, record)
    page = session.lane.page
    await session.quiet()
    for _ in range(MAX_LOGINS_PER_ACTION + 1):
        with translated(f"opening {url}"):
            response = await page.goto(url, wait_until="domcontentloaded")
        state = await dom.page_state(page.main_frame, session.login_probe)
        if session.is_login(state):
            await session.login()
            continue
        if response is not None and response.status >= 400:
            raise PortalUnavailable(f"search {name} for {key!r}: HTTP {response.status}")
        rows = await dom.read_table(page.main_frame, TableSpec(spec.rows, spec.columns))
        return matching(session, name, key, rows, record)
    raise SessionLost(f"{session.map.name} kept asking to log in while searching {key!r}")


async def download(session: PortalSession, name: str, dest: Path) -> Path:
    """Save export `name` with the lane's session (its cookies) to `dest`."""
    try:
        path = session.map.exports[name]
    except KeyError:
        raise PortalUnavailable(f"map {session.map.name} has no export {name!r}") from None
    url = session.url(path)
    for _ in range(MAX_LOGINS_PER_ACTION + 1):
        with translated(f"downloading {url}"):
            response = await session.lane.context.request.get(url)
            body = await response.body()
        html = response.headers.get("content-type", "").startswith("text/html")
        if session.map.login.detect.url_matches(response.url) or (html and dest.suffix != ".html"):
            # A login page (or any page) where a file was expected: the session is gone.
            await session.login()
            continue
        if not response.ok:
            raise PortalUnavailable(f"export {name}: HTTP {response.status}")
        dest.parent.mkdir(parents=True, exist_ok=True)
        dest.write_bytes(body)
        return dest
    raise SessionLost(f"{session.map.name} answered export {name} with a page, not a file")
