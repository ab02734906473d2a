"""The browser layer against small local pages: lanes, threads, dialogs, blocking, DOM."""

from __future__ import annotations

import http.server
import socketserver
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from bots.browser import (
    BrowserPool,
    DialogPolicy,
    DialogRule,
    DialogType,
    FillField,
    Lane,
    LaunchOptions,
    Probe,
    TableSpec,
    dom,
)

pytestmark = pytest.mark.browser

PAGES = {
    "/": b"<html><body><img src='/logo.png'><p id=hello>hi</p>"
         b"<table><tr class=r><td class=a>1</td><td class=b>x</td></tr>"
         b"<tr class=r><td class=a>2</td><td class=b>y</td></tr></table></body></html>",
    "/cookie": b"<html><body>cookie</body></html>",
}


class Site:
    """A tiny local site that records what was asked of it."""

    def __init__(self) -> None:
        self.hits: list[str] = []
        site = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - the stdlib's name
                site.hits.append(self.path)
                body = PAGES.get(self.path.split("?")[0], b"x")
                self.send_response(200)
                if self.path.startswith("/cookie"):
                    self.send_header("Set-Cookie", f"lane={self.path.split('=')[-1]}")
                self.send_header("Content-Type", "text/html")
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                return

        self.server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"


@pytest.fixture(scope="module")
def site() -> Iterator[Site]:
    site = Site()
    yield site
    site.server.shutdown()


@pytest.fixture
def lane(browser_pool: BrowserPool) -> Iterator[Lane]:
    lane = browser_pool.lane(dialogs=DialogPolicy((DialogRule(True, DialogType.CONFIRM, "^Save"),)))
    yield lane
    lane.close()


def test_workers_run_in_their_own_threads_with_isolated_contexts(
        browser_pool: BrowserPool, site: Site) -> None:
    seen: dict[str, tuple[str, str]] = {}

    def work(lane: Lane) -> None:
        async def visit(lane: Lane) -> str:
            await lane.page.goto(f"{site.url}/cookie?lane={lane.name}")
            return await lane.page.evaluate("document.cookie")

        seen[lane.name] = (threading.current_thread().name, lane.run(visit, lane))

    browser_pool.run_workers(work, 3, name="w")
    assert seen == {f"w-{n}": (f"w-{n}", f"lane=w-{n}") for n in (1, 2, 3)}


def test_the_first_failure_stops_the_others_and_is_raised(browser_pool: BrowserPool) -> None:
    stop = threading.Event()
    finished: list[str] = []

    def work(lane: Lane) -> None:
        if lane.name == "w-1":
            raise RuntimeError("lane one broke")
        stop.wait(30)
        finished.append(lane.name)

    with pytest.raises(RuntimeError, match="lane one broke"):
        browser_pool.run_workers(work, 2, stop=stop, name="w")
    assert stop.is_set() and finished == ["w-2"]


def test_images_are_not_even_requested(browser_pool: BrowserPool, lane: Lane, site: Site) -> None:
    site.hits.clear()

    async def visit(lane: Lane) -> str:
        await lane.page.goto(site.url + "/", wait_until="load")
        return await lane.page.inner_text("#hello")

    assert lane.run(visit, lane) == "hi"
    assert "/" in site.hits and "/logo.png" not in site.hits


def test_dialogs_are_answered_by_policy_and_recorded(lane: Lane) -> None:
    async def ask(lane: Lane) -> list[object]:
        await lane.page.set_content("<p>x</p>")
        return await lane.page.evaluate(
            "[confirm('Save this sale?'), confirm('Delete everything?'), alert('hello')]")

    assert lane.run(ask, lane) == [True, False, None]
    assert [(r.type, r.accepted, r.expected) for r in lane.dialogs.records] == [
        ("confirm", True, True), ("confirm", False, False), ("alert", True, False)]


def test_a_form_is_filled_in_one_round_trip_and_problems_reported(lane: Lane) -> None:
    async def fill(lane: Lane) -> tuple[object, ...]:
        await lane.page.set_content(
            "<form><input id=t maxlength=4><textarea id=n></textarea>"
            "<select id=s><option value=''>-</option><option value=v1>Label one</option></select>"
            "<input type=radio name=r value=a><input type=radio name=r value=b>"
            "<input type=checkbox id=c></form>")
        frame = lane.page.main_frame
        good = await dom.fill(frame, [
            FillField("t", "#t", "text", "abcd"), FillField("n", "#n", "textarea", "line\nline"),
            FillField("s", "#s", "select", "Label one", by="label"),
            FillField("r", "input[name=r]", "radio", "b"), FillField("c", "#c", "checkbox", True),
        ], ready="form")
        values = await lane.page.evaluate(
            "[t.value, n.value, s.value, document.querySelector('input[name=r]:checked').value,"
            " c.checked]")
        bad = await dom.fill(frame, [
            FillField("t", "#t", "text", "abcde"), FillField("s", "#s", "select", "zz"),
            FillField("r", "input[name=r]", "radio", "c"), FillField("x", "#x", "text", "1")],
            ready="form")
        not_ready = await dom.fill(frame, [], ready="form#nowhere")
        return good, values, bad, not_ready

    good, values, bad, not_ready = lane.run(fill, lane)
    assert good.ready and not good.problems
    assert values == ["abcd", "line\nline", "v1", "b", True]
    assert [(p.field, p.problem) for p in bad.problems] == [
        ("t", "too_long"), ("s", "no_option"), ("r", "no_option"), ("x", "missing")]
    assert not not_ready.ready


def test_fetch_reads_a_document_without_rendering_it(lane: Lane, site: Site) -> None:
    async def fetch(lane: Lane) -> dom.FetchResult:
        await lane.page.goto(site.url + "/cookie")
        return await dom.fetch(lane.page.main_frame, site.url + "/", timeout_ms=5000,
                               probe=Probe(detectors={"hello": "#hello", "nope": "#nope"},
                                           texts={"greeting": "#hello"}),
                               table=TableSpec("tr.r", {"a": "td.a", "b": "td.b"}))

    result = lane.run(fetch, lane)
    assert result.status == 200 and result.state.matched == frozenset({"hello"})
    assert result.state.texts == {"greeting": "hi"}
    assert result.rows == [{"a": "1", "b": "x"}, {"a": "2", "b": "y"}]


def test_evidence_is_masked_and_nothing_is_kept_for_success(
        browser_pool: BrowserPool, tmp_path: Path) -> None:
    from bots.redaction import register_secret

    register_secret("hunter2-secret")
    added: list[tuple[Path, str]] = []

    class Sink:
        def artifact_path(self, name: str) -> Path:
            (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
            return tmp_path / name

        def add_artifact(self, path: Path, *, kind: str = "file") -> None:
            added.append((path, kind))

    lane = browser_pool.lane()

    async def page(lane: Lane) -> None:
        await lane.page.set_content(
            "<input type=password id=p><input id=card><p>note: hunter2-secret</p>"
            "<script>window.x=1</script><button onclick='x()'>b</button>")
        await lane.page.evaluate("p.value = 'typed-pass'; card.value = '4111111111111111'")

    lane.run(page, lane)
    with lane.watch("ok-item", sink=Sink()):
        pass
    assert added == []
    with pytest.raises(ZeroDivisionError), lane.watch("bad/item", sink=Sink(),
                                                      sensitive=["#card"]):
        _ = 1 / 0
    lane.close()
    assert sorted(kind for _, kind in added) == ["html", "screenshot"]
    html = next(path for path, kind in added if kind == "html").read_text()
    assert "typed-pass" not in html and "4111111111111111" not in html
    assert "hunter2-secret" not in html and "***" in html
    assert "<script" not in html and "onclick" not in html
    assert all("bad_item" in str(path) for path, _ in added)


def test_a_lane_cannot_be_driven_from_the_loop_itself(browser_pool: BrowserPool) -> None:
    async def nested() -> None:
        browser_pool.run(nested)

    with pytest.raises(RuntimeError, match="deadlock"):
        browser_pool.run(nested)


def test_headed_debugging_options_do_not_minimize(tmp_path: Path) -> None:
    options = LaunchOptions(headless=False, slow_mo_ms=50)
    assert options.launch_kwargs()["slow_mo"] == 50 and not options.minimize
