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
from bots.reports.figures import counted_by_run, merge_counted
from bots.reports.outbox_queries import outbox_attention, outbox_counts
from bots.reports.outcomes import DONE, OPEN_STATES, outcome_columns
from bots.reports.run_extras import (
    LEVELS,
    LogBudget,
    evidence_links,
    file_uri,
    log_groups,
    message_of,
    readable,
    recipe_stats,
)

# The order of the fields of each run in the page's JSON list (see report.js).
RUN_FIELDS = ("id", "recipe", "state", "trigger", "started", "seconds", "done", "exceptions",
              "open", "summary", "detail", "error")


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
    log_lines_per_run: int = 300
    log_chars_total: int = 1_500_000
    error_line_chars: int = 200


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
    for row in listed:  # what the run counted itself (a reconciliation's breaks)
        if counted_by_run(row["summary"]):
            items[row["id"]] = merge_counted(items.get(row["id"], {}), row["summary"])
    detailed = ({r["id"] for r in listed[: limits.detail_recent]}
                | set(q.problem_run_ids(conn, f, limits.detail_problems)))
    budget = ScreenshotBudget(limits.screenshot_bytes, limits.screenshots_total)
    logs = LogBudget(limits.log_lines_per_run, limits.log_chars_total)
    details = [_detail(q.run_detail(conn, run_id, max_steps=limits.steps_per_run),
                       items.get(run_id, {}), limits, clock, budget, data_dir, now,
                       logs=logs, events=q.exception_events(conn, run_id))
               for run_id in sorted(detailed, reverse=True)]
    review_rows = q.review_items(conn, f, limits.review_items)
    evidence = q.evidence_artifacts(conn, sorted({r["last_run_id"] for r in review_rows
                                                  if r["last_run_id"] is not None}))
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
        "review_items": [_review_row(r, limits, clock, evidence.get(r["last_run_id"], []),
                                     data_dir) for r in review_rows],
        "recipe_stats": recipe_stats(listed, items, tz=tz, today=now.astimezone(tz).date()),
        "levels": LEVELS,
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
    summary = readable(row["summary"] or {}, limits.summary_chars)
    seconds = _seconds(row["started_at"], row["ended_at"])
    error = message_of(row["error"])[: limits.error_line_chars]
    return [row["id"], row["recipe"], shown_state(row, now), row["trigger"],
            clock.local(row["started_at"] or row["created_at"]),
            round(seconds, 1) if seconds is not None else None, done, exceptions, still_open,
            summary, 1 if row["id"] in detailed else 0, error]


def _detail(row: dict[str, Any], found: dict[str, int], limits: Limits, clock: _Clock,
            budget: ScreenshotBudget, data_dir: Path, now: datetime, *, logs: LogBudget,
            events: list[tuple[datetime, str]]) -> dict[str, Any]:
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
        "readable_summary": readable(row["summary"] or {}, limits.error_chars),
        "error": clip(row["error"], limits.error_chars), "error_kind": row["error_kind"],
        "message": message_of(row["error"]),
        "steps": (timeline := _timeline(row, limits, clock, events)),
        "steps_total": row["steps_total"],
        # A run that failed in a step records the step's traceback again, under more frames.
        "error_in_step": bool(row["error"]) and any(
            s["error"] and s["message"] == message_of(row["error"]) for s in timeline),
        "outcomes": [(o, found[o]) for o in _outcome_order(found)],
        "artifacts": [{**a, "size_text": size_text(a["size"]),
                       "href": file_uri(a["path"], data_dir)} for a in row["artifacts"]],
        "log": log_groups(row.get("log_path"), logs, clock.tz),
        "screenshots": [budget.embed(a, data_dir) for a in row["artifacts"]
                        if a["kind"] == "screenshot"],
    }


def _timeline(row: dict[str, Any], limits: Limits, clock: _Clock,
              events: list[tuple[datetime, str]]) -> list[dict[str, Any]]:
    """Steps with their place on the run's time axis, in percent, and the items that went
    into exception while each ran (a step that "succeeded" over 14 system exceptions
    is not drawn green)."""
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
        start, end = step["started_at"], step["ended_at"] or row["ended_at"]
        caught: dict[str, int] = {}
        for moment, state in events:
            if start and moment >= start and (end is None or moment <= end):
                caught[state] = caught.get(state, 0) + 1
        worst = ("system_exception" if "system_exception" in caught
                 else "business_exception" if caught else None)
        shown = step["outcome"] if worst is None or step["outcome"] != "ok" else f"ok-{worst}"
        out.append({
            "name": step["name"], "attempt": step["attempt"], "outcome": step["outcome"],
            "bar": shown, "exceptions": caught,
            "message": message_of(step["error"]),
            "started": clock.local(step["started_at"]), "duration": duration_text(seconds),
            "left": left, "width": min(width, round(100 - left, 2)),
            "error": clip(step["error"], limits.error_chars),
        })
    return out


def _review_row(row: dict[str, Any], limits: Limits, clock: _Clock,
                evidence: list[dict[str, Any]], data_dir: Path) -> dict[str, Any]:
    error = row["last_error"] or ""
    return {**row, "finished": clock.local(as_utc(row["finished_at"])),
            "error_tail": clip(error, min(1000, limits.error_chars)),
            "error_line": message_of(error),
            "evidence": evidence_links(evidence, row["key"], data_dir)}
