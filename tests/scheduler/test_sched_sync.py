"""Syncing schedules/*.toml into the store: every added, changed or removed schedule is
an audit event with its before/after diff; a bad file changes nothing."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bots.audit import verify
from bots.scheduler.loading import load_dir
from bots.scheduler.state import Status, load_all, load_one, pause
from bots.scheduler.sync import sync
from bots.store import open_store
from tests.scheduler.sched_helpers import audit_rows, invoke

NOW = datetime(2026, 5, 4, 8, 0, tzinfo=UTC)
ENTRY = """
[[schedule]]
name = "{name}"
recipe = "sched_ok"
params = {{ note = "{note}" }}
trigger = {{ cron = "{cron}", timezone = "Europe/Madrid" }}
"""


def write(folder: Path, *entries: dict[str, str]) -> None:
    (folder / "s.toml").write_text("".join(ENTRY.format(**entry) for entry in entries))


def apply(folder: Path, now: datetime = NOW) -> object:
    return sync(open_store(), load_dir(folder, default_timezone="UTC"), now)


def events(action: str) -> list[dict]:
    return [json.loads(row.data) for row in audit_rows(open_store(), action)]


def test_added_changed_removed_each_audited_with_a_diff(sched_env: dict[str, str],
                                                        schedules_dir: Path) -> None:
    write(schedules_dir, {"name": "a", "note": "x", "cron": "0 3 * * *"},
          {"name": "b", "note": "y", "cron": "0 4 * * *"})
    report = apply(schedules_dir)
    assert (report.added, report.changed, report.removed) == (["a", "b"], [], [])
    (added_a, _) = events("schedule.added")
    assert added_a["before"] is None and added_a["after"]["recipe"] == "sched_ok"
    assert added_a["diff"]["trigger.cron"] == [None, "0 3 * * *"]

    write(schedules_dir, {"name": "a", "note": "x", "cron": "30 2 * * mon-fri"})
    report = apply(schedules_dir, NOW + timedelta(hours=1))
    assert (report.changed, report.removed) == (["a"], ["b"])
    (changed,) = events("schedule.changed")
    assert changed["diff"] == {"trigger.cron": ["0 3 * * *", "30 2 * * mon-fri"]}
    assert changed["before"]["trigger"]["cron"] == "0 3 * * *"
    (removed,) = events("schedule.removed")
    assert removed["after"] is None and removed["before"]["name"] == "b"
    # a new trigger starts counting from the change: the old trigger's times are not missed
    assert load_one(open_store(), "a").since == NOW + timedelta(hours=1)

    assert apply(schedules_dir).unchanged == ["a"]  # nothing new, nothing audited
    assert len(audit_rows(open_store())) == 4
    assert verify(open_store()).ok


def test_operator_decisions_survive_a_resync(sched_env: dict[str, str],
                                             schedules_dir: Path) -> None:
    write(schedules_dir, {"name": "a", "note": "x", "cron": "0 3 * * *"})
    apply(schedules_dir)
    pause(open_store(), "a", NOW)
    write(schedules_dir, {"name": "a", "note": "changed", "cron": "0 3 * * *"})
    apply(schedules_dir)
    stored = load_one(open_store(), "a")
    assert stored.status is Status.PAUSED and stored.schedule.params == {"note": "changed"}
    assert stored.since == NOW  # same trigger: the count of fire times goes on


def test_a_bad_file_changes_nothing(sched_env: dict[str, str], schedules_dir: Path) -> None:
    write(schedules_dir, {"name": "a", "note": "x", "cron": "0 3 * * *"})
    assert invoke("schedules", "--sync", "--dir", str(schedules_dir)).exit_code == 0
    (schedules_dir / "t.toml").write_text(
        '[[schedule]]\nname = "z"\nrecipe = "sched_ok"\ntrigger = { every = "0m" }\n')
    refused = invoke("schedules", "--sync", "--dir", str(schedules_dir), "--json")
    assert refused.exit_code == 2
    assert "t.toml: schedule 'z': trigger: an interval must be positive" in refused.output
    assert list(load_all(open_store())) == ["a"]


def test_listing_shows_status_and_next_fire_times(sched_env: dict[str, str],
                                                  schedules_dir: Path) -> None:
    write(schedules_dir, {"name": "a", "note": "x", "cron": "30 2 * * *"})
    assert invoke("schedules", "--sync", "--dir", str(schedules_dir)).exit_code == 0
    for status in ("active", "paused"):
        listed = invoke("schedules", "--json", "--next", "2")
        (row,) = [json.loads(line) for line in listed.output.splitlines()]
        assert row["status"] == status and len(row["next"]) == 2
        assert row["next_local"][0].endswith(("02:30:00 CET", "02:30:00 CEST", "03:00:00 CEST"))
        assert invoke("pause", "a").exit_code == 0
    assert "already paused" in invoke("pause", "a").output
    assert invoke("resume", "a").exit_code == 0
    assert invoke("pause", "nope").exit_code == 2


def test_sync_refuses_a_schedule_whose_recipe_does_not_exist(sched_env: dict[str, str],
                                                             schedules_dir: Path) -> None:
    write(schedules_dir, {"name": "a", "note": "x", "cron": "0 3 * * *"})
    assert invoke("schedules", "--sync", "--dir", str(schedules_dir)).exit_code == 0
    (schedules_dir / "typo.toml").write_text(
        '[[schedule]]\nname = "z"\nrecipe = "sched_okk"\ntrigger = { cron = "0 4 * * *" }\n')
    refused = invoke("schedules", "--sync", "--dir", str(schedules_dir))
    assert refused.exit_code == 2
    assert "typo.toml" in refused.output and "no recipe named 'sched_okk'" in refused.output
    assert list(load_all(open_store())) == ["a"]  # nothing of the refused set went live
