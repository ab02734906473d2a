"""A fetched document read in Python says what the same document says in the page."""

from __future__ import annotations

import pytest

from bots.browser import BrowserPool, Probe, TableSpec, dom, js, parse
from bots.browser.dom import ListSpec

pytestmark = [pytest.mark.browser]

HTML = """<html><head><title> Sales  search </title></head><body>
<div id="error-summary"><ul><li data-field="amount">Amount:  must be
 positive</li><li data-field="sale_date">Date is wrong</li></ul></div>
<p id="confirmation">Sale saved. Reference <strong class="reference">S-2026-000123</strong></p>
<table id="r"><tr><th>Ref</th><th>Amount</th></tr>
<tr class="hit"><td class="ref">S-1</td><td class="amount">1.234,50</td></tr>
<tr class="hit"><td class="ref">S-2</td><td class="amount"></td></tr></table></body></html>"""

PROBE = Probe(detectors={"confirmed": "#confirmation", "rejected": "#error-summary",
                         "login": "form#login"},
              texts={"reference": "#confirmation .reference", "missing": "#nothing"},
              lists={"field_errors": ListSpec("#error-summary li", "data-field")})
TABLE = TableSpec("#r tr.hit", {"ref": "td.ref", "amount": "td.amount", "none": "td.x"})


def test_python_and_page_read_a_document_alike(browser_pool: BrowserPool) -> None:
    lane = browser_pool.lane("parse")

    async def in_page() -> tuple[dict, list]:
        await lane.page.set_content(HTML)
        state = await dom.evaluate(lane.page.main_frame, "(args) => {" + js.HELPERS +
                                   "return [rpaState(document, 'u', args.probe), "
                                   "rpaTable(document, args.table)]; }",
                                   {"probe": PROBE.as_js(), "table": TABLE.as_js()}, "reading")
        return state[0], state[1]

    page_state, page_rows = lane.run(in_page)
    doc = parse.document(HTML)
    python_state = parse.state(doc, "u", PROBE.as_js())
    assert sorted(python_state.pop("matched")) == sorted(page_state.pop("matched"))
    python_state.pop("ready"), page_state.pop("ready")
    assert python_state == page_state
    assert parse.table(doc, TABLE.as_js()) == page_rows


def test_selectors_only_a_browser_runs_send_the_fetch_to_the_page() -> None:
    assert parse.translatable({"a": "#x li", "b": "td:nth-child(2)"})
    assert parse.translatable({"a": "tr:has(td)"})
    assert not parse.translatable({"a": "li:visible"})
    assert not parse.translatable({"a": "text=Save"})
