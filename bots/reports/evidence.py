"""Turning stored evidence into page-sized pieces: capped error text, embedded screenshots.

A page that embeds every screenshot and every traceback of a big store is the 150 MB
log nobody opens; each piece here has a size limit, and the page says when one applied.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from pathlib import Path
from typing import Any

_IMAGE_TYPES = (
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"RIFF", "image/webp"),
)


def clip(text: str | None, limit: int) -> str:
    """At most about `limit` characters: the head and the tail (where a traceback says
    what went wrong), with the cut marked."""
    if not text or len(text) <= limit:
        return text or ""
    head = limit // 4
    tail = limit - head
    cut = len(text) - head - tail
    return f"{text[:head]}\n… {cut:,} characters cut …\n{text[-tail:]}"


def size_text(size: int | None) -> str:
    if size is None:
        return ""
    if size < 1024:
        return f"{size} B"
    if size < 1024 * 1024:
        return f"{size / 1024:.1f} KB"
    return f"{size / (1024 * 1024):.1f} MB"


@dataclass
class ScreenshotBudget:
    """Per-image and per-page byte limits for embedded screenshots."""

    per_image: int
    total: int
    used: int = 0
    skipped: int = 0

    def embed(self, artifact: dict[str, Any], data_dir: Path) -> dict[str, Any]:
        """{path, size, uri} when embedded, or {path, size, note} saying why not."""
        shown = {"path": artifact["path"], "size": size_text(artifact.get("size")),
                 "uri": None, "note": None}
        path = Path(artifact["path"])
        path = path if path.is_absolute() else data_dir / path
        try:
            size = path.stat().st_size
        except OSError:
            return {**shown, "note": "file not found"}
        if size > self.per_image:
            self.skipped += 1
            return {**shown, "note": f"not embedded: {size_text(size)} is over the "
                                     f"{size_text(self.per_image)} limit per screenshot"}
        if self.used + size > self.total:
            self.skipped += 1
            return {**shown, "note": f"not embedded: this page's {size_text(self.total)} "
                                     "of screenshots is used up"}
        data = path.read_bytes()
        kind = next((mime for magic, mime in _IMAGE_TYPES if data.startswith(magic)), None)
        if kind is None:
            return {**shown, "note": "not embedded: not a PNG, JPEG or WebP image"}
        self.used += size
        return {**shown, "uri": f"data:{kind};base64,{base64.b64encode(data).decode('ascii')}"}
