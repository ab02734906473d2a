"""Reading a fetched document in Python, as `js.HELPERS` reads it in a page.

Request mode fetches through the context's own HTTP client (`context.request`: the
browser context's cookies, no renderer, no page): about three times the throughput of a
`fetch()` evaluated in a page, on 2 cores. The document is then read here with lxml and
CSS selectors (cssselect), with the same rules as in the page: text is the element's text
content with blanks squeezed; a detector matches when its selector finds an element.
Selectors that cssselect cannot translate (`:has()`, Playwright's own) make the caller
fall back to the in-page fetch.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from typing import Any

import lxml.html
from cssselect import SelectorError
from lxml.cssselect import CSSSelector
from lxml.etree import ParserError, XPathError

_BLANKS = re.compile(r"\s+")


class Untranslatable(ValueError):
    """A selector only a browser can run."""


@functools.lru_cache(maxsize=512)
def selector(css: str) -> CSSSelector:
    try:
        return CSSSelector(css, translator="html")
    except (SelectorError, XPathError, ValueError) as exc:
        raise Untranslatable(f"{css!r}: {exc}") from None


def translatable(*groups: Mapping[str, Any] | None) -> bool:
    """True when every selector in these name -> selector (or spec) maps can run here."""
    try:
        for group in groups:
            for value in (group or {}).values():
                css = value["selector"] if isinstance(value, Mapping) else value
                selector(css)
    except Untranslatable:
        return False
    return True


def _text(element: Any) -> str | None:
    if element is None:
        return None
    return _BLANKS.sub(" ", element.text_content() or "").strip()


def _first(root: Any, css: str) -> Any:
    found = selector(css)(root)
    return found[0] if found else None


def document(html: str) -> Any:
    try:
        return lxml.html.document_fromstring(html or "<html></html>")
    except (ParserError, ValueError):
        return lxml.html.document_fromstring("<html></html>")


def state(doc: Any, url: str, probe: Mapping[str, Any]) -> dict[str, Any]:
    """What `rpaState` returns for the same document and probe."""
    matched = [kind for kind, css in (probe.get("detectors") or {}).items() if _first(doc, css)
               is not None]
    texts = {name: _text(_first(doc, css)) for name, css in (probe.get("texts") or {}).items()}
    lists = {}
    for name, spec in (probe.get("lists") or {}).items():
        attribute = spec.get("attribute")
        lists[name] = [{"key": el.get(attribute) if attribute else None, "text": _text(el)}
                       for el in selector(spec["selector"])(doc)]
    title = doc.findtext(".//title") or ""
    return {"url": url, "title": " ".join(title.split()), "ready": "complete", "matched": matched,
            "texts": texts, "lists": lists}


def table(doc: Any, spec: Mapping[str, Any]) -> list[dict[str, str | None]]:
    """What `rpaTable` returns: one dict per row, each column's text (None: not found)."""
    rows = []
    for row in selector(spec["rows"])(doc):
        rows.append({name: _text(_first(row, css)) for name, css in spec["columns"].items()})
    return rows
