"""The demo portal's customer account screens: the export of open invoices, charges,
payments received, suspension and reactivation, and the search that finds any of them by
its request reference (check before act).

    accounts = open_accounts_portal(run)          # one Chromium, one lane, logged in
    with accounts as portal:
        portal.export_open_invoices(path)
        portal.export_authorisations(path)         # what customers consented to be charged
        portal.find("CHG-INV-1-1")                 # [] or the action(s) done under it
        portal.charge(record, key="CHG-INV-1-1", before_submit=item.ensure_lease)

The screens are declared in `accounts.toml` (the portal-map format) and added to the map,
so every submit takes the connector's common path (request mode by default: the mapped
form posted through the lane's own HTTP client; or UI mode, filled in the page and its
confirm() answered; re-login, outcome detection, audit). A submit answers
with the portal's reference; what it did (approved or declined, and why) is read back
with the search, which is also what settles a submit of unknown fate.
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bots import Run
from bots.browser import BrowserPool, Lane, LaunchOptions
from connectors.portal.errors import MapError, PortalUnavailable
from connectors.portal.keying import open_portal
from connectors.portal.map import FormMap, PortalMap, SearchMap, load_map
from connectors.portal.portal import KeyMode, Portal

SCREENS_FILE = Path(__file__).with_name("accounts.toml")
SEARCH = "account_action"
EXPORT = "open_invoices"
AUTHORISATIONS = "authorisations"


def with_account_screens(portal_map: PortalMap, screens: Path = SCREENS_FILE) -> PortalMap:
    """The map with the account forms, search and export added."""
    try:
        data = tomllib.loads(screens.read_text(encoding="utf-8"))
        forms = {name: FormMap.model_validate(spec) for name, spec in data["forms"].items()}
        searches = {name: SearchMap.model_validate(spec)
                    for name, spec in data["searches"].items()}
        exports = dict(data["exports"])
    except (OSError, KeyError, ValueError) as exc:
        raise MapError(f"account screens {screens}: {exc}") from None
    return portal_map.model_copy(update={"forms": {**portal_map.forms, **forms},
                                          "searches": {**portal_map.searches, **searches},
                                          "exports": {**portal_map.exports, **exports}})


@dataclass(frozen=True)
class Action:
    """One action the portal shows under a request reference."""

    reference: str
    kind: str
    account_id: str
    invoice_id: str
    amount: str
    status: str
    decline_code: str

    @classmethod
    def from_row(cls, row: Mapping[str, str | None]) -> Action:
        def get(name: str) -> str:
            return (row.get(name) or "").strip()

        return cls(get("reference"), get("kind"), get("account_id"), get("invoice_id"),
                   get("amount"), get("status"), get("decline_code"))


class AccountsPortal:
    """Thread-side; one lane's logged-in view of the portal's customer accounts."""

    def __init__(self, portal: Portal, mode: KeyMode = KeyMode.REQUEST) -> None:
        self.portal, self.mode = portal, mode

    def export_open_invoices(self, dest: Path) -> Path:
        return self.portal.export(EXPORT, dest)

    def export_authorisations(self, dest: Path) -> Path:
        return self.portal.export(AUTHORISATIONS, dest)

    def find(self, request_reference: str) -> list[Action]:
        found = self.portal.find(SEARCH, request_reference)
        return [Action.from_row(row) for row in found.rows] if found is not None else []

    def _key(self, form: str, record: Mapping[str, Any], key: str,
             before_submit: Callable[[], None] | None, subject: str | None) -> Action:
        keyed = self.portal.key(form, record, key=key, mode=self.mode,
                                before_submit=before_submit, subject=subject)
        shown = [a for a in self.find(key) if a.reference == keyed.reference]
        if not shown:
            raise PortalUnavailable(f"{keyed.reference} ({key}) is not shown by the search",
                                    after_submit=True)
        return shown[0]

    def charge(self, record: Mapping[str, Any], *, key: str,
               before_submit: Callable[[], None] | None = None,
               subject: str | None = None) -> Action:
        return self._key("account_charge", record, key, before_submit, subject)

    def payment(self, record: Mapping[str, Any], *, key: str,
                before_submit: Callable[[], None] | None = None,
                subject: str | None = None) -> Action:
        return self._key("account_payment", record, key, before_submit, subject)

    def service(self, record: Mapping[str, Any], *, key: str,
                before_submit: Callable[[], None] | None = None,
                subject: str | None = None) -> Action:
        return self._key("account_service", record, key, before_submit, subject)


@contextmanager
def open_accounts_portal(run: Run, map_name: str = "demo", *, lane: Lane | None = None,
                         mode: KeyMode = KeyMode.REQUEST) -> Iterator[AccountsPortal]:
    """The account screens logged in to the portal of the settings, for the whole of a run:
    on a browser of its own (the system Chromium, one lane), or on `lane` when given (a
    caller that keeps one browser across many runs, e.g. a simulation of many days).
    `mode`: forms posted through the lane's HTTP client (request) or filled in the page."""
    the_map = with_account_screens(load_map(map_name))
    if lane is not None:
        yield AccountsPortal(open_portal(run, lane, the_map), mode)
        return
    with BrowserPool.open(LaunchOptions.from_settings(run.settings.browser)) as pool:
        yield AccountsPortal(open_portal(run, pool.lane("accounts"), the_map), mode)
