"""The productivity report's figures, computed with Decimal from the store's aggregates.

    hours replaced = items done x manual minutes per item (per recipe) / 60
    capacity       = working hours per day x working days per week x (days / 7)
    FTE            = hours replaced / capacity

Rows are rounded for display; totals are summed before rounding, so a total can differ
from the sum of its rounded rows by a cent of an hour.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy.engine import Engine

from bots.reports import productivity_queries as q
from bots.reports.outcomes import DONE, TO_REVIEW, outcome_columns
from bots.reports.period import Period
from bots.settings import Settings
from bots.store.engine import reading

HOURS = Decimal("0.01")
RATE = Decimal("0.0001")
TENTHS = Decimal("0.1")
SIXTY = Decimal(60)
WORK_ITEMS = "work items"
RUN_SUMMARY = "run summary"
ALL_RECIPES = "All recipes"
# Items per hour is shown only over at least this much measured handling: a pace read
# from a few seconds of work (288 items of 0.7 s: "4,895.9 per hour") promises what no
# hour of real work delivers.
MIN_RATE_SECONDS = Decimal(15 * 60)


def rounded(value: Decimal, places: Decimal = HOURS) -> Decimal:
    return value.quantize(places, rounding=ROUND_HALF_UP)


def ratio(part: Decimal | int, whole: Decimal | int, places: Decimal) -> Decimal | None:
    return rounded(Decimal(part) / Decimal(whole), places) if whole else None


@dataclass(frozen=True)
class Rates:
    """The settings a figure depends on, frozen at report time and printed in the Notes."""

    manual_minutes: dict[str, Decimal]
    default_minutes: Decimal
    hours_per_day: Decimal
    days_per_week: Decimal

    @classmethod
    def from_settings(cls, settings: Settings) -> Rates:
        p = settings.productivity
        return cls(dict(p.manual_minutes), p.default_manual_minutes,
                   p.working_hours_per_day, p.working_days_per_week)

    def minutes_for(self, recipe: str) -> Decimal:
        return self.manual_minutes.get(recipe, self.default_minutes)

    def hours_replaced(self, recipe: str, done: int) -> Decimal:
        return Decimal(done) * self.minutes_for(recipe) / SIXTY

    def capacity(self, days: int) -> Decimal:
        """Working hours of one person over `days` calendar days."""
        return self.hours_per_day * self.days_per_week * Decimal(days) / Decimal(7)


@dataclass(frozen=True)
class DailyRow:
    day: date
    recipe: str
    source: str
    outcomes: dict[str, int]
    processed: int
    done: int
    success_rate: Decimal | None
    avg_handle_seconds: Decimal | None
    items_per_hour: Decimal | None
    manual_minutes: Decimal
    hours_exact: Decimal

    @property
    def hours_replaced(self) -> Decimal:
        return rounded(self.hours_exact)


@dataclass(frozen=True)
class DayTotal:
    day: date
    processed: int
    done: int
    exceptions: int
    hours_replaced: Decimal


@dataclass(frozen=True)
class WeekRow:
    week: str
    first_day: date
    recipe: str
    done: int
    hours_replaced: Decimal
    capacity_hours: Decimal
    fte: Decimal | None


@dataclass(frozen=True)
class RunRow:
    day: date
    recipe: str
    states: dict[str, int]
    runs: int
    run_hours: Decimal


@dataclass(frozen=True)
class Totals:
    processed: int
    done: int
    exceptions: int
    success_rate: Decimal | None
    hours_replaced: Decimal
    capacity_hours: Decimal
    fte: Decimal | None
    runs: int


@dataclass(frozen=True)
class ProductivityReport:
    period: Period
    generated_at: datetime
    rates: Rates
    outcomes: list[str]
    daily: list[DailyRow]
    days: list[DayTotal]
    exceptions: list[q.ExceptionGroup]
    weeks: list[WeekRow]
    run_states: list[str]
    runs: list[RunRow]
    totals: Totals
    recipes: list[str] = field(default_factory=list)


def build_productivity(engine: Engine, settings: Settings, period: Period,
                       now: datetime) -> ProductivityReport:
    """Read the period's aggregates from the store and compute every figure."""
    with reading(engine) as conn:
        items = q.item_groups(conn, period) + q.reject_groups(conn, period)
        summaries = q.summary_groups(conn, period)
        exceptions = sorted(q.exception_groups(conn, period)
                            + q.reject_exception_groups(conn, period),
                            key=lambda e: (-e.items, e.recipe, e.outcome, e.reason))
        run_groups = q.run_groups(conn, period)
    rates = Rates.from_settings(settings)
    outcomes = outcome_columns(g.outcome for g in items)
    daily = _daily(items, summaries, rates)
    run_states = sorted({g.state for g in run_groups})
    runs = _runs(run_groups)
    return ProductivityReport(
        period=period, generated_at=now, rates=rates, outcomes=outcomes, daily=daily,
        days=_days(period, daily), exceptions=exceptions, weeks=_weeks(period, daily, rates),
        run_states=run_states, runs=runs,
        totals=_totals(period, daily, rates, sum(r.runs for r in runs)),
        recipes=sorted({row.recipe for row in daily}),
    )


def _daily(items: list[q.ItemGroup], summaries: list[q.SummaryGroup],
           rates: Rates) -> list[DailyRow]:
    grouped: dict[tuple[date, str], list[q.ItemGroup]] = defaultdict(list)
    for group in items:
        grouped[(group.day, group.recipe)].append(group)
    rows = [_item_row(day, recipe, groups, rates) for (day, recipe), groups in grouped.items()]
    rows += [_summary_row(s, rates) for s in summaries]
    return sorted(rows, key=lambda r: (r.day, r.recipe, r.source))


def _summary_row(s: q.SummaryGroup, rates: Rates) -> DailyRow:
    """A run's own count of items (lines checked); those it left for a person to review
    (breaks) are its exceptions, as in `runs` and the run report."""
    done = s.items - s.to_review
    outcomes = {DONE: done, TO_REVIEW: s.to_review} if s.to_review else {DONE: done}
    return DailyRow(s.day, s.recipe, RUN_SUMMARY, outcomes, s.items, done,
                    ratio(done, s.items, RATE), None, None, rates.minutes_for(s.recipe),
                    rates.hours_replaced(s.recipe, done))


def _item_row(day: date, recipe: str, groups: list[q.ItemGroup], rates: Rates) -> DailyRow:
    outcomes = {g.outcome: g.items for g in groups}
    processed = sum(outcomes.values())
    done = outcomes.get(DONE, 0)
    seconds = Decimal(repr(sum(g.handle_seconds for g in groups)))
    timed = sum(g.timed_items for g in groups)
    return DailyRow(
        day=day, recipe=recipe, source=WORK_ITEMS, outcomes=outcomes, processed=processed,
        done=done, success_rate=ratio(done, processed, RATE),
        avg_handle_seconds=ratio(seconds, timed, TENTHS),
        items_per_hour=(ratio(Decimal(timed) * 3600, seconds, TENTHS)
                        if seconds >= MIN_RATE_SECONDS else None),
        manual_minutes=rates.minutes_for(recipe), hours_exact=rates.hours_replaced(recipe, done),
    )


def _days(period: Period, daily: list[DailyRow]) -> list[DayTotal]:
    """Every day of the period, with zeros, so a chart's axis has no holes."""
    sums: dict[date, list[Decimal]] = {day: [Decimal(0)] * 4 for day in period.days}
    for row in daily:
        acc = sums[row.day]
        acc[0] += row.processed
        acc[1] += row.done
        acc[2] += row.processed - row.done
        acc[3] += row.hours_exact
    return [DayTotal(day, int(p), int(d), int(x), rounded(h)) for day, (p, d, x, h) in sums.items()]


def _weeks(period: Period, daily: list[DailyRow], rates: Rates) -> list[WeekRow]:
    days_in: dict[tuple[int, int], int] = defaultdict(int)
    first: dict[tuple[int, int], date] = {}
    for day in period.days:
        iso = day.isocalendar()
        days_in[(iso.year, iso.week)] += 1
        first.setdefault((iso.year, iso.week), day)
    done: dict[tuple[int, int, str], int] = defaultdict(int)
    hours: dict[tuple[int, int, str], Decimal] = defaultdict(Decimal)
    for year, week in days_in:  # every week has its all-recipes row, zeros included
        done[(year, week, ALL_RECIPES)] = 0
    for row in daily:
        year, week, _ = row.day.isocalendar()
        for recipe in (row.recipe, ALL_RECIPES):
            done[(year, week, recipe)] += row.done
            hours[(year, week, recipe)] += row.hours_exact
    rows = []
    for (year, week, recipe), count in done.items():
        capacity = rates.capacity(days_in[(year, week)])
        rows.append(WeekRow(f"{year}-W{week:02d}", first[(year, week)], recipe, count,
                            rounded(hours[(year, week, recipe)]), rounded(capacity),
                            ratio(hours[(year, week, recipe)], capacity, HOURS)))
    return sorted(rows, key=lambda r: (r.week, r.recipe == ALL_RECIPES, r.recipe))


def _runs(groups: list[q.RunGroup]) -> list[RunRow]:
    states: dict[tuple[date, str], dict[str, int]] = defaultdict(dict)
    seconds: dict[tuple[date, str], float] = defaultdict(float)
    for g in groups:
        states[(g.day, g.recipe)][g.state] = g.runs
        seconds[(g.day, g.recipe)] += g.seconds
    return [
        RunRow(day, recipe, found, sum(found.values()),
               rounded(Decimal(repr(seconds[(day, recipe)])) / Decimal(3600)))
        for (day, recipe), found in sorted(states.items())
    ]


def _totals(period: Period, daily: list[DailyRow], rates: Rates, runs: int) -> Totals:
    processed = sum(r.processed for r in daily)
    done = sum(r.done for r in daily)
    hours = sum((r.hours_exact for r in daily), Decimal(0))
    capacity = rates.capacity(len(period.days))
    return Totals(processed, done, processed - done, ratio(done, processed, RATE),
                  rounded(hours), rounded(capacity), ratio(hours, capacity, HOURS), runs)
