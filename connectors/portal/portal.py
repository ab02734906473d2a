"""The portal connector's face for a worker thread: one lane's logged-in view of a portal.

    portal = Portal(lane, load_map("demo"), base_url=..., credentials=..., sink=run)
    portal.start()                                   # log in
    found = portal.lookup("sale", record, key="SO00700001")   # the form's lookup
    keyed = portal.key("sale", record, key=..., before_submit=item.ensure_lease)

Everything runs on the browser loop through the lane; results are plain values, failures
the connector's errors (see `errors.py`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

from bots.browser import ArtifactSink, Lane, PageState
from bots.errors import BusinessError, FateUnknown
from connectors.portal import entry, lookup
from connectors.portal.audit import AuditHook
from connectors.portal.errors import PortalRejected, PortalUnavailable, SessionLost
from connectors.portal.map import FieldKind, PortalMap, extract_reference
from connectors.portal.session import MAX_LOGINS_PER_ACTION, Credentials, PortalSession
from connectors.portal.values import render_form, render_value

Row = dict[str, str | None]


class KeyMode(StrEnum):
    """How a record is keyed: in the rendered page, or by posting the form over the session."""

    UI = "ui"  # fill and submit the form in the page, as a person would
    REQUEST = "request"  # post the same form through the logged-in session, no rendering


@dataclass(frozen=True)
class Found:
    """What the portal's search shows for a key (check-before-act)."""

    key: str
    reference: str | None
    rows: tuple[Row, ...]
    references: tuple[str | None, ...] = ()  # each row's

    @property
    def copies(self) -> int:
        return len(self.rows)

    def as_output(self) -> dict[str, Any]:
        return {"reference": self.reference, "found_in_portal": True, "copies": self.copies}


@dataclass(frozen=True)
class Keyed:
    """A record the portal confirmed, with the reference it gave."""

    key: str
    form: str
    reference: str
    mode: KeyMode
    dialogs: tuple[str, ...] = ()
    found_in_portal: bool = False

    def as_output(self) -> dict[str, Any]:
        return {"reference": self.reference, "mode": str(self.mode),
                "found_in_portal": self.found_in_portal}


class Portal:
    """One lane's logged-in view of a portal: look records up, key them (see above)."""

    def __init__(self, lane: Lane, portal_map: PortalMap, *, base_url: str,
                 credentials: Credentials, sink: ArtifactSink | None = None,
                 audit: AuditHook | None = None, keep_evidence: bool = False) -> None:
        self.lane, self.map = lane, portal_map
        self.session = PortalSession(lane, portal_map, base_url, credentials)
        self.sink, self.audit, self.keep_evidence = sink, audit, keep_evidence
        # The lane answers the map's dialogs; anything else keeps the lane's safe default.
        lane.dialogs.policy = lane.dialogs.policy.extended(*portal_map.dialog_rules())

    @property
    def logins(self) -> int:
        return self.session.logins

    def start(self) -> None:
        """Log in (done again by itself whenever the portal shows its login page)."""
        self.lane.run(self.session.login)

    @contextmanager
    def watch(self, label: str) -> Iterator[None]:
        """Evidence on failure for the work inside, with the map's sensitive fields masked."""
        with self.lane.watch(label, sink=self.sink, sensitive=self.map.sensitive_selectors(),
                             keep=self.keep_evidence):
            yield

    # -- looking -----------------------------------------------------------------------
    def find(self, search: str, key: str, record: Mapping[str, Any] | None = None) -> Found | None:
        """What search `search` shows for the record (its key and, where the search
        matches on them, its fields); None when the portal holds no such record."""
        rows = self.lane.run(lookup.find, self.session, search, key, dict(record or {}))
        if not rows:
            return None
        spec = self.map.search(search)
        references = tuple(extract_reference(spec.reference_pattern, row.get(spec.reference_column))
                           for row in rows)
        return Found(key, next((r for r in references if r), None), tuple(rows), references)

    def lookup(self, form: str, record: Mapping[str, Any], *, key: str) -> Found | None:
        """The form's declared lookup for the record (check before acting); None when the
        form has no lookup (idempotent, or unknown fates go to review)."""
        search = self.map.form(form).lookup
        return self.find(search, key, record) if search else None

    def find_in_ui(self, search: str, key: str,
                   record: Mapping[str, Any] | None = None) -> list[Row]:
        return self.lane.run(lookup.find_in_ui, self.session, search, key, dict(record or {}))

    def spot_check(self, search: str, key: str, record: Mapping[str, Any],
                   reference: str) -> list[str]:
        """Open the search in the page as a person would and compare what it shows with
        the record and the reference; the differences found (none: all good)."""
        spec = self.map.search(search)
        rows = self.find_in_ui(search, key, record)
        if not rows:
            return [f"{key}: not shown by the portal's search"]
        row = rows[0]
        problems = [] if row.get(spec.reference_column) == reference else [
            f"reference shown {row.get(spec.reference_column)!r}, expected {reference!r}"]
        for column, check in spec.verify.items():
            raw = record.get(check.source)
            expected = "" if raw is None else str(render_value(FieldKind(check.kind), check, raw))
            if (row.get(column) or "") != expected:
                problems.append(f"{column} shown {row.get(column)!r}, expected {expected!r}")
        if len(rows) > 1:
            problems.append(f"{len(rows)} records carry this key")
        return problems

    def export(self, name: str, dest: Path) -> Path:
        return self.lane.run(lookup.download, self.session, name, dest)

    # -- acting ------------------------------------------------------------------------
    def key(self, form: str, record: Mapping[str, Any], *, key: str, mode: KeyMode = KeyMode.UI,
            before_submit: Callable[[], None] | None = None,
            subject: str | None = None) -> Keyed:
        """Key `record` with form `form` and return the portal's reference.

        `before_submit` runs right before the submit (renew the item's lease there). A
        submit whose fate is unknown is never repeated blind: if the portal answers with
        its login page, the lane logs in again and the form's lookup says whether the
        record was saved; with no lookup, an idempotent form is submitted again and any
        other raises FateUnknown (the item goes to review). Each submit is audited under
        `subject` (the work item's), with its reference or its unknown fate."""
        record = dict(record)
        spec = self.map.form(form)
        fields = render_form(spec, record)  # a record the form cannot take fails here
        subject = subject or f"portal:{self.map.name}/{form}/{key}"
        for attempt in range(MAX_LOGINS_PER_ACTION + 1):
            if attempt:
                found = self._settle_unknown(form, record, key, subject)
                if found is not None:
                    return found
            if mode is KeyMode.UI:
                frame = self.lane.run(self.session.prepare, form, record)
                if before_submit:
                    before_submit()
                answer = self.lane.run(entry.submit_ui, self.session, form, frame, fields, record)
            else:
                if before_submit:
                    before_submit()
                answer = self.lane.run(entry.submit_direct, self.session, form, record, fields)
            if self.session.is_login(answer.state):
                self.lane.log.info("{}: the portal asked to log in again after the submit", key)
                self._audit("portal.submitted", subject, form, key, mode, fate="unknown",
                            answer="the login page")
                self.lane.run(self.session.login)
                continue
            return self._settle(form, key, answer, mode, subject)
        raise SessionLost(f"{self.map.name} kept asking to log in while keying {key}")

    def _settle_unknown(self, form: str, record: dict[str, Any], key: str,
                        subject: str) -> Keyed | None:
        """After a submit whose answer was the login page: was it saved?"""
        spec = self.map.form(form)
        if spec.lookup:
            found = self.lookup(form, record, key=key)
            if found is not None and found.copies > 1:
                raise BusinessError(f"{key}: after a submit of unknown fate the portal shows "
                                    f"it {found.copies} times", reason="keyed_more_than_once")
            if found is not None and found.reference:
                self.lane.log.info("{}: saved all the same, as {}", key, found.reference)
                return Keyed(key, form, found.reference, KeyMode.UI, found_in_portal=True)
            return None  # not saved: submitting again is safe
        if spec.idempotent:
            return None  # the portal refuses a duplicate by itself
        raise FateUnknown(f"{key}: the portal answered the submit with its login page and "
                          f"form {form} has no lookup to tell whether it was saved; "
                          "not repeated (to review)")

    def _audit(self, action: str, subject: str, form: str, key: str, mode: KeyMode,
               **data: Any) -> None:
        if self.audit is not None:
            self.audit(action, subject, {"portal": self.map.name, "form": form, "key": key,
                                         "mode": str(mode), "lane": self.lane.name, **data})

    def _settle(self, form: str, key: str, answer: entry.Answer, mode: KeyMode,
                subject: str) -> Keyed:
        state, spec = answer.state, self.map.form(form)
        if "confirmed" in state.matched:
            reference = spec.outcome.reference.extract(state.texts.get("reference"))
            if not reference:
                self._audit("portal.submitted", subject, form, key, mode, fate="unknown",
                            answer=f"saved, no reference in {state.texts.get('reference')!r}")
                raise self._unknown(form, key, f"saved, but no reference could be read from "
                                    f"{state.texts.get('reference')!r}")
            keyed = Keyed(key, form, reference, mode,
                          tuple(f"{d.type}: {d.message}" for d in answer.dialogs))
            self._audit("portal.submitted", subject, form, key, mode, fate="saved",
                        reference=reference, dialogs=list(keyed.dialogs))
            return keyed
        if "duplicate" in state.matched:
            self._audit("portal.submitted", subject, form, key, mode, fate="duplicate")
            found = self.lookup(form, {}, key=key) if spec.lookup else None
            return Keyed(key, form, found.reference if found and found.reference else key,
                         mode, found_in_portal=True)
        if "rejected" in state.matched:
            errors = {e.get("key") or "form": e.get("text") or "" for e in
                      state.lists.get("field_errors", [])}
            text = "; ".join(f"{k}: {v}" for k, v in errors.items()) or "no message"
            self._audit("portal.submitted", subject, form, key, mode, fate="rejected",
                        errors=text[:500])
            raise PortalRejected(f"{key}: the portal refused it: {text}", field_errors=errors)
        self._audit("portal.submitted", subject, form, key, mode, fate="unknown",
                    answer=_shown(state))
        raise self._unknown(form, key, f"{_shown(state)} after the submit")

    def _unknown(self, form: str, key: str, what: str) -> Exception:
        """A submit that may or may not have been saved: retried only where that is safe
        (a lookup checks first, or the portal refuses duplicates)."""
        spec = self.map.form(form)
        if spec.lookup or spec.idempotent:
            return PortalUnavailable(f"{key}: {what}; it may have been saved (the retry "
                                     "looks it up first)", after_submit=True)
        return FateUnknown(f"{key}: {what}; it may have been saved and form {form} has no "
                           "lookup to tell: not repeated (to review)")


def _shown(state: PageState) -> str:
    status = f"HTTP {state.status} " if state.status else ""
    message = state.texts.get("server_message")
    return f"{status}{state.title!r}" + (f" ({message})" if message else "")
