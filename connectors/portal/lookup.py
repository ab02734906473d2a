"""Looking things up in the portal (loop side): a record by its key through the mapped
search, the same search as a person sees it (spot checks), and the exports."""

from __future__ import annotations

from pathlib import Path

from bots.browser import Probe, TableSpec, dom
from bots.browser.errors import translated
from connectors.portal.errors import PortalUnavailable, SessionLost
from connectors.portal.session import MAX_LOGINS_PER_ACTION, PortalSession

Row = dict[str, str | None]


def _norm(text: str | None) -> str:
    return " ".join((text or "").split()).casefold()


def matching(session: PortalSession, name: str, key: str, rows: list[Row]) -> list[Row]:
    column = session.map.search(name).key_column
    return [row for row in rows if _norm(row.get(column)) == _norm(key)]


async def find(session: PortalSession, name: str, key: str) -> list[Row]:
    """The search's result rows whose key column equals `key` (fetched, not rendered)."""
    spec = session.map.search(name)
    url = session.url(spec.url, {"key": key})
    table = TableSpec(spec.rows, spec.columns)
    probe = Probe(detectors=dict(session.login_probe.detectors))
    for _ in range(MAX_LOGINS_PER_ACTION + 1):
        result = await dom.fetch(await session.fetch_frame(), url, probe=probe, table=table,
                                 timeout_ms=session.lane.options.timeout_ms)
        if session.is_login(result.state):
            await session.login()
            continue
        if result.status >= 400:
            raise PortalUnavailable(f"search {name} for {key!r}: HTTP {result.status}")
        return matching(session, name, key, result.rows or [])
    raise SessionLost(f"{session.map.name} kept asking to log in while searching {key!r}")


async def find_in_ui(session: PortalSession, name: str, key: str) -> list[Row]:
    """The same search, opened in the page as a person would see it (for spot checks)."""
    spec = session.map.search(name)
    url = session.url(spec.url, {"key": key})
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
        return matching(session, name, key, rows)
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
