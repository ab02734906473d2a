"""The HTML run report's content: every run listed in brief, a few in full detail.

    list    every run matching the filter (newest first, up to a cap) as one compact
            JSON array the page filters, sorts and pages itself
    detail  the newest runs and the newest runs with problems: steps as a timeline,
            items by outcome, errors with tracebacks, screenshots, artifacts
    review  items awaiting a person, counted by reason, the newest listed
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from bots.clock import as_utc
from bots.inspect_runs import shown_state
from bots.reports import run_queries as q
from bots.reports.evidence import ScreenshotBudget, clip, size_text
from bots.reports.outbox_queries import outbox_attention, outbox_counts
from bots.reports.outcomes import DONE, OPEN_STATES, outcome_columns

# The order of the fields of each run in the page's JSON list (see report.js).
RUN_FIELDS = ("id", "recipe", "state", "trigger", "started", "seconds", "done", "exceptions",
              "open", "summary", "detail")


@dataclass(frozen=True)
class Limits:
    detail_recent: int = 50
    detail_problems: int = 50
    runs_listed: int = 20_000
    review_items: int = 1_000
    steps_per_run: int = 200
    error_chars: int = 8_000
    summary_chars: int = 160
    screenshot_bytes: int = 512 * 1024
    screenshots_total: int = 4 * 1024 * 1024


def state_class(state: str) -> str:
    if state.startswith("running (not finished"):
        return "st-stale"
    return "st-" + re.sub(r"[^a-z0-9]+", "-", state.lower()).strip("-")


def duration_text(seconds: float | None) -> str:
    if seconds is None:
        return ""
    if seconds < 1:
        return f"{seconds * 1000:.0f} ms"
    if seconds < 120:
        return f"{seconds:.1f} s"
    if seconds < 7200:
        return f"{seconds / 60:.1f} min"
    return f"{seconds / 3600:.1f} h"


class _Clock:
    def __init__(self, tz: ZoneInfo) -> None:
        self.tz = tz

    def local(self, moment: datetime | None) -> str:
        return moment.astimezone(self.tz).strftime("%Y-%m-%d %H:%M:%S") if moment else ""


def _seconds(start: datetime | None, end: datetime | None) -> float | None:
    return (end - start).total_seconds() if start and end else None


def build_context(conn: sa.Connection, f: q.RunFilter, limits: Limits, *, tz: ZoneInfo,
                  data_dir: Path, now: datetime) -> dict[str, Any]:
    clock = _Clock(tz)
    counts = q.count_runs(conn, f)
    listed = q.list_runs(conn, f, limits.runs_listed)
    # Past the list's cap, the older runs' items are not counted per run at all.
    capped = len(listed) == limits.runs_listed
    items = q.items_by_run(conn, f, listed[-1]["id"] if listed and capped else None)
    detailed = ({r["id"] for r in listed[: limits.detail_recent]}
                | set(q.problem_run_ids(conn, f, limits.detail_problems)))
    budget = ScreenshotBudget(limits.screenshot_bytes, limits.screenshots_total)
    details = [_detail(q.run_detail(conn, run_id, max_steps=limits.steps_per_run),
                       items.get(run_id, {}), limits, clock, budget, data_dir, now)
               for run_id in sorted(detailed, reverse=True)]
    review_counts = q.review_counts(conn, f)
    outcome_totals: dict[str, int] = {}
    for found in items.values():
        for outcome, n in found.items():
            outcome_totals[outcome] = outcome_totals.get(outcome, 0) + n
    total = sum(counts.values())
    return {
        "generated": clock.local(now), "tz": tz.key, "filter": f.describe(),
        "runs_total": total, "runs_listed": len(listed), "detail_count": len(details),
        "state_counts": sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])),
        "outcome_totals": [(o, outcome_totals[o]) for o in _outcome_order(outcome_totals)],
        "run_fields": RUN_FIELDS,
        "runs": [_brief(r, items.get(r["id"], {}), detailed, limits, clock, now)
                 for r in listed],
        "details": details,
        "detail_ids": detailed,
        "review_counts": review_counts,
        "review_items": [_review_row(r, limits, clock) for r in
                         q.review_items(conn, f, limits.review_items)],
        "review_total": sum(row["count"] for row in review_counts),
        "outbox_counts": outbox_counts(conn, f),
        "outbox_attention": [{**m, "when": clock.local(as_utc(m["not_before"] or m["updated_at"]))}
                             for m in outbox_attention(conn, f, limits.review_items)],
        "screenshots_skipped": budget.skipped,
        "limits": limits,
        "state_class": state_class,
    }


def _outcome_order(found: dict[str, int]) -> list[str]:
    return [o for o in [*outcome_columns(found), *OPEN_STATES] if o in found]


def _split(found: dict[str, int]) -> tuple[int, int, int]:
    done = found.get(DONE, 0)
    still_open = sum(found.get(s, 0) for s in OPEN_STATES)
    return done, sum(found.values()) - done - still_open, still_open


def _brief(row: dict[str, Any], found: dict[str, int], detailed: set[int], limits: Limits,
           clock: _Clock, now: datetime) -> list[Any]:
    done, exceptions, still_open = _split(found)
    summary = json.dumps(row["summary"] or {}, default=str, ensure_ascii=False)
    if len(summary) > limits.summary_chars:
        summary = summary[: limits.summary_chars - 1] + "…"
    seconds = _seconds(row["started_at"], row["ended_at"])
    return [row["id"], row["recipe"], shown_state(row, now), row["trigger"],
            clock.local(row["started_at"] or row["created_at"]),
            round(seconds, 1) if seconds is not None else None, done, exceptions, still_open,
            summary, 1 if row["id"] in detailed else 0]


def _detail(row: dict[str, Any], found: dict[str, int], limits: Limits, clock: _Clock,
            budget: ScreenshotBudget, data_dir: Path, now: datetime) -> dict[str, Any]:
    state = shown_state(row, now)
    return {
        "id": row["id"], "recipe": row["recipe"], "state": state,
        "facts": [(k, v) for k, v in (
            ("trigger", row["trigger"]), ("schedule", row["schedule"]),
            ("fire time", clock.local(row["fire_time"])), ("host", row["host"]),
            ("user", row["user"]), ("created", clock.local(row["created_at"])),
            ("started", clock.local(row["started_at"])), ("ended", clock.local(row["ended_at"])),
            ("duration", duration_text(_seconds(row["started_at"], row["ended_at"]))),
            ("attempts", row["attempts"]), ("code", (row["code_hash"] or "")[:16]),
        ) if v not in (None, "")],
        "params": clip(json.dumps(row["params"], indent=1, default=str, ensure_ascii=False),
                       limits.error_chars),
        "summary": clip(json.dumps(row["summary"], indent=1, default=str, ensure_ascii=False),
                        limits.error_chars),
        "error": clip(row["error"], limits.error_chars), "error_kind": row["error_kind"],
        "steps": _timeline(row, limits, clock), "steps_total": row["steps_total"],
        "outcomes": [(o, found[o]) for o in _outcome_order(found)],
        "artifacts": [{**a, "size_text": size_text(a["size"])} for a in row["artifacts"]],
        "screenshots": [budget.embed(a, data_dir) for a in row["artifacts"]
                        if a["kind"] == "screenshot"],
    }


def _timeline(row: dict[str, Any], limits: Limits, clock: _Clock) -> list[dict[str, Any]]:
    """Steps with their place on the run's time axis, in percent."""
    found = row["steps"]
    starts = [s["started_at"] for s in found] + [row["started_at"]]
    ends = [s["ended_at"] for s in found] + [row["ended_at"]]
    begin = min((t for t in starts if t), default=None)
    finish = max((t for t in ends if t), default=None)
    span = _seconds(begin, finish) or 0.0
    out = []
    for step in found:
        seconds = (step["duration_ms"] / 1000 if step["duration_ms"] is not None
                   else _seconds(step["started_at"], step["ended_at"]))
        offset = _seconds(begin, step["started_at"]) or 0.0
        left = min(round(100 * offset / span, 2), 99.5) if span else 0.0
        width = max(round(100 * (seconds or 0) / span, 2), 0.5) if span else 100.0
        out.append({
            "name": step["name"], "attempt": step["attempt"], "outcome": step["outcome"],
            "started": clock.local(step["started_at"]), "duration": duration_text(seconds),
            "left": left, "width": min(width, round(100 - left, 2)),
            "error": clip(step["error"], limits.error_chars),
        })
    return out


def _review_row(row: dict[str, Any], limits: Limits, clock: _Clock) -> dict[str, Any]:
    error = row["last_error"] or ""
    return {**row, "finished": clock.local(as_utc(row["finished_at"])),
            "error_tail": clip(error, min(1000, limits.error_chars)),
            "error_line": (error.strip().splitlines() or [""])[-1]}
