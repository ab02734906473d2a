"""Rendering the run report: one self-contained HTML file (inline CSS and JS, images as
data URIs, a Content-Security-Policy that forbids any network request).

All text goes through jinja2's autoescaping; the run list travels as JSON through
`|tojson`, which escapes `<`, `>`, `&` and `'`, so no value can close the script tag.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

import jinja2
from sqlalchemy.engine import Engine

from bots.reports.evidence import size_text
from bots.reports.outcomes import label
from bots.reports.run_queries import RunFilter
from bots.reports.run_report import Limits, build_context, duration_text
from bots.settings import Settings
from bots.store.engine import reading

TEMPLATES = Path(__file__).parent / "templates"


@dataclass(frozen=True)
class HtmlReport:
    path: Path
    bytes: int
    runs_total: int
    runs_listed: int
    runs_detailed: int
    review_total: int


@lru_cache(maxsize=1)
def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    # Compact JSON: the run list of a big store is most of the page's bytes.
    env.policies["json.dumps_kwargs"] = {"separators": (",", ":"), "sort_keys": False}
    env.filters["label"] = label
    env.filters["size"] = size_text
    env.filters["thousands"] = lambda n: f"{n:,}"
    env.filters["duration"] = duration_text
    return env


def render_run_report(engine: Engine, settings: Settings, run_filter: RunFilter | None = None,
                      limits: Limits | None = None,
                      now: datetime | None = None) -> tuple[str, dict[str, Any]]:
    """The page's text and the context it was rendered from (for callers' summaries)."""
    with reading(engine) as conn:
        context = build_context(conn, run_filter or RunFilter(), limits or Limits(),
                                tz=settings.tz, data_dir=settings.data_dir,
                                now=now or datetime.now(UTC))
    return environment().get_template("report.html.j2").render(**context), context


def write_run_report(engine: Engine, settings: Settings, out: Path,
                     run_filter: RunFilter | None = None, limits: Limits | None = None,
                     now: datetime | None = None) -> HtmlReport:
    text, context = render_run_report(engine, settings, run_filter, limits, now)
    out.parent.mkdir(parents=True, exist_ok=True)
    data = text.encode("utf-8")
    out.write_bytes(data)
    return HtmlReport(out, len(data), context["runs_total"], context["runs_listed"],
                      context["detail_count"], context["review_total"])
