"""Evidence of a failed item: a masked screenshot, the page's HTML, and the trace if kept.

Nothing is written for items that succeed unless asked. Secrets never reach a file: the
screenshot covers password inputs and every selector marked sensitive (in every frame),
the HTML is serialised with those values replaced and then passed through the redactor,
and a trace archive has every registered secret masked in its text entries.
"""

from __future__ import annotations

import re
import shutil
import tempfile
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

from loguru import logger
from playwright.async_api import Error as PlaywrightError
from playwright.async_api import Page

from bots.browser.dom import snapshot_html
from bots.redaction import redact

PASSWORD = "input[type=password]"


class ArtifactSink(Protocol):
    """Where evidence goes: `bots.Run` is one."""

    def artifact_path(self, name: str) -> Path: ...

    def add_artifact(self, path: Path, *, kind: str = "file") -> Any: ...


@dataclass(frozen=True)
class Evidence:
    """A file kept from a failed page: a screenshot, its HTML or a Playwright trace."""

    path: Path
    kind: str  # "screenshot" | "html" | "trace"


def safe_name(label: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", label).strip("._")[:80] or "item"


def evidence_stem(sink: ArtifactSink, label: str, lane: str) -> Path:
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
    return sink.artifact_path(f"evidence/{safe_name(label)}/{stamp}-{safe_name(lane)}")


async def screenshot(page: Page, path: Path, sensitive: Sequence[str]) -> Path:
    masks = [frame.locator(selector) for frame in page.frames
             for selector in (PASSWORD, *sensitive)]
    await page.screenshot(path=str(path), full_page=True, mask=masks, timeout=10_000,
                          animations="disabled")
    return path


async def page_html(page: Page, path: Path, sensitive: Sequence[str]) -> Path:
    parts: list[str] = []
    for frame in page.frames:
        parts.append(f"<!-- frame {frame.name or '(main)'} at {frame.url} -->")
        try:
            parts.append(await snapshot_html(frame, sensitive))
        except Exception as exc:  # noqa: BLE001 - one unreadable frame must not lose the rest
            parts.append(f"<!-- could not read this frame: {type(exc).__name__} -->")
    path.write_text(redact("\n".join(parts)), encoding="utf-8")
    return path


async def capture(page: Page, stem: Path, sensitive: Sequence[str]) -> list[Evidence]:
    """Screenshot and HTML of the page as it is now; each one is best effort."""
    saved: list[Evidence] = []
    try:
        saved.append(Evidence(await screenshot(page, stem.with_suffix(".png"), sensitive),
                              "screenshot"))
    except PlaywrightError as exc:  # a closed or crashed page has no picture; HTML may come
        logger.debug("no screenshot: {}", exc.message)
    try:
        saved.append(Evidence(await page_html(page, stem.with_suffix(".html"), sensitive), "html"))
    except PlaywrightError as exc:
        logger.debug("no HTML: {}", exc.message)
    return saved


def redact_zip(path: Path) -> None:
    """Rewrite a trace archive with every registered secret masked in its text entries
    (a trace records the values typed and the bodies posted: a login's password too)."""
    with tempfile.NamedTemporaryFile(dir=path.parent, suffix=".zip", delete=False) as tmp:
        temp = Path(tmp.name)
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(temp, "w", zipfile.ZIP_DEFLATED) as out:
        for info in source.infolist():
            data = source.read(info)
            try:
                text = data.decode("utf-8")
            except UnicodeDecodeError:
                out.writestr(info, data)
                continue
            out.writestr(info, redact(text).encode("utf-8"))
    shutil.move(temp, path)
