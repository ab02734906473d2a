"""Key a queue's records into a portal through its map: the one call a keying recipe makes.

    report = key_records(run, SALES, portal_map="demo", form="sale", contexts=3)

Each lane is a browser context logged in to the portal (settings `portal.*`). For each
item: the form's lookup is asked first (found: done, its reference recorded, nothing
keyed); else the item's payload is keyed with the form, the lease renewed right before the
submit, and the portal's reference becomes the item's output. Everything else (claims,
retries, the drain, fatal errors, outages) is `run.work`'s.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bots import BusinessError, Run
from bots.browser import Lane
from bots.work import WorkReport
from bots.workitems import Queue, WorkItem
from connectors.portal.audit import run_audit
from connectors.portal.map import PortalMap, load_map
from connectors.portal.portal import KeyMode, Portal
from connectors.portal.session import Credentials


@dataclass(frozen=True)
class KeyingOptions:
    """How records are keyed: the form, UI or request mode, spot checks, evidence."""

    form: str
    mode: KeyMode = KeyMode.UI
    spot_check_every: int = 0  # request mode: 1 in N keyed records checked in the UI
    keep_evidence: bool = False  # screenshots of good items too, not only failed ones

    def __post_init__(self) -> None:
        if self.spot_check_every < 0:
            raise ValueError("spot_check_every cannot be negative")


class PortalKeyer:
    """One lane's handler: check through the form's lookup, then key."""

    def __init__(self, portal: Portal, options: KeyingOptions) -> None:
        self.portal, self.options = portal, options
        self.keyed = 0

    def check(self, item: WorkItem) -> dict[str, Any] | None:
        found = self.portal.lookup(self.options.form, item.payload, key=item.key)
        if found is None:
            return None
        if found.copies > 1:
            # Keyed more than once already (by a person, another tool): someone must cancel
            # the extra ones, so the item goes to review instead of "done".
            raise BusinessError(f"{item.key} is in the portal {found.copies} times: "
                                f"{', '.join(r for r in found.references if r)}",
                                reason="keyed_more_than_once")
        item.log.info("already in the portal as {}: not keyed again", found.reference)
        return found.as_output()

    def work(self, item: WorkItem) -> None:
        options = self.options
        with self.portal.watch(item.key):
            keyed = self.portal.key(options.form, item.payload, key=item.key, mode=options.mode,
                                    before_submit=item.ensure_lease, subject=item.subject)
            output = keyed.as_output()
            self.keyed += 1
            if options.mode is KeyMode.REQUEST and options.spot_check_every \
                    and self.keyed % options.spot_check_every == 1:
                output["spot_check"] = self._spot_check(item, keyed.reference)
            item.output = output

    def _spot_check(self, item: WorkItem, reference: str) -> str:
        search = self.portal.map.form(self.options.form).lookup
        if search is None:
            return "no lookup"
        problems = self.portal.spot_check(search, item.key, item.payload, reference)
        if problems:
            item.log.warning("UI spot check: {}", "; ".join(problems))
        return "; ".join(problems) or "ok"


def open_portal(run: Run, lane: Lane, portal_map: PortalMap, *,
                keep_evidence: bool = False) -> Portal:
    """A portal on `lane`, logged in with the settings' credentials, audited as the run."""
    settings = run.settings
    portal = Portal(lane, portal_map, base_url=settings.portal.url,
                    credentials=Credentials.from_settings(settings.portal), sink=run,
                    audit=run_audit(run, f"bot:{run.recipe}:{lane.name}"),
                    keep_evidence=keep_evidence)
    portal.start()
    return portal


def key_records(run: Run, queue: Queue | str | None = None, *, portal_map: str | Path | PortalMap,
                form: str, contexts: int | None = None, mode: KeyMode | str = KeyMode.UI,
                spot_check_every: int = 0, keep_evidence: bool = False) -> WorkReport:
    """Key every claimable item of `queue` (default: the recipe's) with `form` of the map,
    exactly once, through `contexts` browser contexts (default: settings)."""
    the_map = portal_map if isinstance(portal_map, PortalMap) else load_map(portal_map)
    the_map.form(form)  # an unknown form is refused before the browser starts
    options = KeyingOptions(form, KeyMode(mode), spot_check_every, keep_evidence)
    lanes = contexts or run.settings.browser.contexts

    keyers: list[PortalKeyer] = []

    @contextmanager
    def keyer(lane: Lane) -> Iterator[PortalKeyer]:
        keyers.append(PortalKeyer(open_portal(run, lane, the_map, keep_evidence=keep_evidence),
                                  options))
        yield keyers[-1]

    with run.step("key"):
        try:
            report = run.work(queue, keyer, lanes=lanes, browser=True)
        finally:
            run.summary["logins"] = sum(k.portal.logins for k in keyers)
    run.log.info("keyed {} in {:.1f} s with {} context(s)", report.outcomes, report.seconds,
                 lanes)
    return report
