"""The run report's reading aids: readable summaries, an error's message first, per-recipe
statistics with a daily trend, a run's log lines by step and item, file links.

Each piece works on rows the report already read (or on one run's log file, read with a
line budget), so a store of 10,000 runs costs a pass over the listed rows, not a query
per run.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict, deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from bots.reports.outcomes import DONE, OPEN_STATES

LEVELS = ("TRACE", "DEBUG", "INFO", "SUCCESS", "WARNING", "ERROR", "CRITICAL")
TREND_DAYS = 14
_FRAME_START = '  File "'


def readable(summary: Any, limit: int) -> str:
    """`{"items": {"done": 5}, "queued": 8}` -> `items: done 5 · queued: 8`."""
    if not isinstance(summary, dict) or not summary:
        return "" if not summary else str(summary)[:limit]
    parts = []
    for key, value in summary.items():
        if isinstance(value, dict):
            inner = ", ".join(f"{k.replace('_', ' ')} {_scalar(v)}" for k, v in value.items())
            parts.append(f"{key.replace('_', ' ')}: {inner}")
        else:
            parts.append(f"{key.replace('_', ' ')}: {_scalar(value)}")
    text = " · ".join(parts)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _scalar(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:,.2f}"
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    if isinstance(value, (list, dict)):
        return json.dumps(value, default=str, ensure_ascii=False)
    return str(value)


def message_of(error: str | None) -> str:
    """What went wrong, in one line: a traceback's last line (the exception and its text),
    not its first frame (often a retry library's code)."""
    if not error:
        return ""
    lines = [line for line in error.strip().splitlines() if line.strip()]
    for line in reversed(lines):
        if not line.startswith((_FRAME_START, "    ", "Traceback (most recent call last)")):
            return line.strip()
    return lines[-1].strip() if lines else ""


@dataclass
class RecipeStats:
    recipe: str
    runs: int = 0
    states: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    done: int = 0
    exceptions: int = 0
    seconds: float = 0.0
    timed: int = 0
    days: dict[date, list[int]] = field(default_factory=dict)  # day: [runs, failed]

    @property
    def ok_runs(self) -> int:
        return self.states.get("succeeded", 0) + self.states.get("succeeded_with_exceptions", 0)

    @property
    def run_rate(self) -> str:
        return f"{100 * self.ok_runs / self.runs:.1f} %" if self.runs else ""

    @property
    def item_rate(self) -> str:
        worked = self.done + self.exceptions
        return f"{100 * self.done / worked:.1f} %" if worked else ""

    @property
    def mean_seconds(self) -> float | None:
        return self.seconds / self.timed if self.timed else None


def recipe_stats(listed: list[dict[str, Any]], items: dict[int, dict[str, int]], *,
                 tz: ZoneInfo, today: date) -> list[dict[str, Any]]:
    """Per recipe: runs by state, items done and in exception, success rates, mean run
    time, and a trend of runs (and failed runs) per local day over the last two weeks."""
    found: dict[str, RecipeStats] = {}
    first_day = today - timedelta(days=TREND_DAYS - 1)
    for row in listed:
        stats = found.setdefault(row["recipe"], RecipeStats(row["recipe"]))
        stats.runs += 1
        stats.states[row["state"]] += 1
        outcomes = items.get(row["id"], {})
        done = outcomes.get(DONE, 0)
        stats.done += done
        stats.exceptions += (sum(outcomes.values()) - done
                             - sum(outcomes.get(s, 0) for s in OPEN_STATES))
        if row["started_at"] and row["ended_at"]:
            stats.seconds += (row["ended_at"] - row["started_at"]).total_seconds()
            stats.timed += 1
        moment = row["started_at"] or row["created_at"]
        day = moment.astimezone(tz).date() if moment else None
        if day is not None and day >= first_day:
            counts = stats.days.setdefault(day, [0, 0])
            counts[0] += 1
            counts[1] += row["state"] in ("failed", "timed_out", "interrupted")
    days = [first_day + timedelta(days=n) for n in range(TREND_DAYS)]
    out = []
    for stats in sorted(found.values(), key=lambda s: (-s.runs, s.recipe)):
        trend = [(d.isoformat(), *_runs_failed(stats.days.get(d))) for d in days]
        peak = max((n for _, n, _ in trend), default=0) or 1
        out.append({
            "recipe": stats.recipe, "runs": stats.runs, "ok_runs": stats.ok_runs,
            "failed": stats.runs - stats.ok_runs, "run_rate": stats.run_rate,
            "done": stats.done, "exceptions": stats.exceptions, "item_rate": stats.item_rate,
            "mean_seconds": stats.mean_seconds,
            "trend": [{"day": d, "runs": n, "failed": f, "height": round(100 * n / peak),
                       "failed_height": round(100 * f / peak)} for d, n, f in trend],
        })
    return out


@dataclass
class LogBudget:
    """Lines per run and characters per page for embedded log lines."""

    per_run: int
    total_chars: int
    used: int = 0


def log_groups(path: str | None, budget: LogBudget, tz: ZoneInfo) -> dict[str, Any]:
    """A run's log lines grouped by step (and the item each names), the last `per_run`
    lines of the file, within the page's character budget."""
    empty = {"groups": [], "shown": 0, "total": 0, "note": ""}
    if not path or not Path(path).is_file():
        return {**empty, "note": "no log file" if path else ""}
    tail: deque[str] = deque(maxlen=budget.per_run)
    total = 0
    with open(path, encoding="utf-8", errors="replace") as handle:
        for line in handle:
            total += 1
            tail.append(line)
    groups: dict[str, list[dict[str, str]]] = {}
    shown = 0
    for raw in tail:
        entry = _entry(raw)
        size = len(entry["message"]) + len(entry["item"]) + 150  # with its markup
        if budget.used + size > budget.total_chars:
            break
        budget.used += size
        shown += 1
        groups.setdefault(entry["step"] or "(run)", []).append({**entry, "time": _local(
            entry["ts"], tz)})
    note = "" if shown == total else f"the last {shown:,} of {total:,} lines"
    return {"groups": [{"step": step, "lines": lines,
                        "worst": _worst(line["level"] for line in lines)}
                       for step, lines in groups.items()],
            "shown": shown, "total": total, "note": note}


def _entry(raw: str) -> dict[str, str]:
    try:
        data = json.loads(raw)
    except json.JSONDecodeError:
        return {"ts": "", "level": "INFO", "step": "", "item": "", "message": raw.rstrip()}
    if not isinstance(data, dict):
        return {"ts": "", "level": "INFO", "step": "", "item": "", "message": raw.rstrip()}
    level = str(data.get("level") or "INFO").upper()
    return {"ts": str(data.get("ts") or ""), "level": level if level in LEVELS else "INFO",
            "step": str(data.get("step") or ""), "item": str(data.get("item") or ""),
            "message": str(data.get("message") or "")}


def _local(ts: str, tz: ZoneInfo) -> str:
    try:
        return datetime.fromisoformat(ts).astimezone(tz).strftime("%H:%M:%S")
    except ValueError:
        return ts[11:19]


def _worst(levels: Iterable[str]) -> str:
    return max(levels, key=LEVELS.index, default="INFO")


def safe_name(label: str) -> str:
    """bots.browser.evidence.safe_name, without importing Playwright into a report (a test
    holds the two equal)."""
    return re.sub(r"[^A-Za-z0-9._-]+", "_", label).strip("._")[:80] or "item"


def file_uri(path: str, data_dir: Path) -> str:
    """A link a browser opens from the report to a file under the data folder."""
    found = Path(path)
    return (found if found.is_absolute() else data_dir / found).resolve().as_uri()


def evidence_links(artifacts: list[dict[str, Any]], key: str, data_dir: Path) -> list[dict[str, str]]:
    """The screenshot and page snapshot a run saved for one item (bots.browser.evidence
    files them under evidence/<item key>/)."""
    marker = f"/evidence/{safe_name(key)}/"
    return [{"kind": a["kind"], "name": Path(a["path"]).name,
             "href": file_uri(a["path"], data_dir)}
            for a in artifacts if marker in "/" + a["path"].replace("\\", "/")]


def _runs_failed(counts: list[int] | None) -> tuple[int, int]:
    return (counts[0], counts[1]) if counts else (0, 0)
