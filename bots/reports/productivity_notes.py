"""The productivity report's Notes: what each figure means and where it comes from.

Written next to the figures because a workbook travels without its code: an auditor
reading "12.4 FTE" must find, in the same file, the rule and the settings behind it.
"""

from __future__ import annotations

from bots.reports.outcomes import DONE, DONE_BY_HAND, OPEN_STATES, REJECTED, SKIPPED, TO_REVIEW
from bots.reports.productivity import MIN_RATE_SECONDS, ProductivityReport
from bots.reports.productivity_queries import NO_RUN, SUMMARY_KEY


def notes_lines(report: ProductivityReport) -> list[str]:
    rates, period = report.rates, report.period
    stamp = report.generated_at.astimezone(period.tz).strftime("%Y-%m-%d %H:%M %Z")
    lines = [
        "Notes: what each figure means and where it comes from",
        f"Period: {period.label}, whole days in the time zone {period.tz.key}. "
        f"Generated {stamp}.",
        "Source: the toolkit's store only (tables work_items, rejected_rows and runs); no figure is read "
        "from log files. Every count can be repeated with one SQL query on the store.",
        "",
        "ITEM. An item is one work item (a row of work_items): one unit of work on an "
        "outside system, such as one sale keyed into the portal. An item counts on the "
        "local day its finished_at falls on, under the recipe of the run that worked it "
        f"last (last_run_id; '{NO_RUN}' when that run is missing). Items still "
        f"{' or '.join(OPEN_STATES)} are not counted: they have no outcome yet.",
        f"Runs that work no work item at all (e.g. reconcile) may report an integer "
        f"'{SUMMARY_KEY}' in their summary (lines checked, say). Those count as items done "
        "on the local day the run ended, for runs that succeeded; they appear with source "
        "'run summary' and have no handle time. Of those, the ones the run left for a "
        f"person (its own count, summary outcomes.{TO_REVIEW}: a reconciliation's break "
        f"rows) are items {TO_REVIEW.replace('_', ' ')}, an exception, not done.",
        f"Items {REJECTED}: input rows a run refused before they became work items (a "
        "sale that failed validation; table rejected_rows), on the local day they were "
        "recorded. They are processed, never done, and count as exceptions.",
        "",
        "Items processed: items that reached an outcome in the day (every state except "
        "the open ones). Items <outcome>: items whose state is that outcome now.",
        f"Items {DONE_BY_HAND.replace('_', ' ')}: items a reviewer marked done (state done, "
        f"reason {DONE_BY_HAND}): a person did the work, so they are not hours replaced. "
        f"Items {SKIPPED}: a reviewer decided they are never to be worked. For both, "
        "finished_at is the time of the review, so they have no handle time.",
        f"Success rate: items {DONE} / items processed.",
        "Avg handle time (s): average of finished_at - started_at over the day's items "
        "that a bot finished, "
        "i.e. the duration of each item's last attempt (earlier attempts that ended in a "
        "retry are not included).",
        "Items per hour: items / hours of handling (sum of handle times): the pace of one "
        "bot session while it works. Compare with a person's pace, 60 / manual minutes. "
        f"Left blank when the day's handling adds up to less than {MIN_RATE_SECONDS / 60} "
        "minutes: a pace over seconds is no hourly figure.",
        f"Hours replaced: items {DONE} x manual minutes per item of the recipe / 60. Only "
        "items done count: an exception still needs a person.",
        "Working hours of one person: working hours per day x working days per week x "
        "(calendar days / 7), over the days of the period (or of the week, on the Weekly "
        "sheet, counting only the week's days inside the period).",
        "FTE (full-time equivalent): hours replaced / working hours of one person.",
        "Exceptions: items finished in the period in any outcome other than done, "
        "by recipe, state and reason (the reason recorded by the work-item engine), and "
        f"rows {REJECTED}, by the columns at fault. Counted the way the run list "
        "counts 'exceptions' (runner.py runs, show, the HTML run report).",
        "Runs: runs created on the day by recipe and state; run hours = ended_at - "
        "started_at summed.",
        "Rounding: hours to 2 places, rates to 0.01 %; totals are summed before rounding.",
        "",
        "SETTINGS USED (RPA_PRODUCTIVITY__*)",
        f"Working hours per day: {rates.hours_per_day}",
        f"Working days per week: {rates.days_per_week}",
        f"Manual minutes per item, for recipes not listed below: {rates.default_minutes}",
    ]
    for recipe in sorted(set(rates.manual_minutes) | set(report.recipes)):
        source = "setting" if recipe in rates.manual_minutes else "default"
        lines.append(f"Manual minutes per item, {recipe}: {rates.minutes_for(recipe)} ({source})")
    return lines
