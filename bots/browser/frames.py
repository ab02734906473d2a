"""Finding the frame a form lives in: by name, by URL pattern or by the frame element."""

from __future__ import annotations

import re

from playwright.async_api import Frame, Page
from pydantic import BaseModel, ConfigDict, field_validator, model_validator


class FrameRef(BaseModel):
    """One step down the frame tree: exactly one of `name`, `url` (a regex) or `selector`
    (CSS of the <iframe>/<frame> element in the parent document)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str | None = None
    url: str | None = None
    selector: str | None = None

    @model_validator(mode="after")
    def _exactly_one(self) -> FrameRef:
        given = [v for v in (self.name, self.url, self.selector) if v]
        if len(given) != 1:
            raise ValueError("a frame is found by exactly one of name, url or selector")
        return self

    @field_validator("url")
    @classmethod
    def _regex(cls, value: str | None) -> str | None:
        if value is not None:
            re.compile(value)
        return value

    @property
    def element_selector(self) -> str | None:
        """A CSS selector for the frame element, when one can be written."""
        if self.selector:
            return self.selector
        if self.name:
            return f'iframe[name="{self.name}"], frame[name="{self.name}"]'
        return None

    async def find(self, parent: Frame) -> Frame | None:
        children = parent.child_frames
        if self.name:
            return next((f for f in children if f.name == self.name), None)
        if self.url:
            pattern = re.compile(self.url)
            return next((f for f in children if pattern.search(f.url)), None)
        handle = await parent.query_selector(self.selector or "")
        return await handle.content_frame() if handle is not None else None


async def resolve(page: Page, path: tuple[FrameRef, ...] | list[FrameRef]) -> Frame | None:
    """The frame at the end of `path` from the page's main frame (the main frame if empty)."""
    frame: Frame | None = page.main_frame
    for step in path:
        if frame is None:
            return None
        frame = await step.find(frame)
    return frame
