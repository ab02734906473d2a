"""The portal connector: a declarative portal map (TOML) and the page objects built on it.

    from connectors.portal import key_records
    key_records(run, SALES, portal_map="demo", form="sale", contexts=3)   # exactly once

    from connectors.portal import Portal, Credentials, KeyMode, load_map  # by hand

A portal nobody has seen is a new map file (login page detector, frames, fields and their
kinds, submit and its dialog, outcome detectors, searches, exports), not new code.
"""

from __future__ import annotations

from connectors.portal.audit import AuditHook, run_audit
from connectors.portal.errors import (
    LoginRefused,
    MapError,
    MapMismatch,
    PortalRejected,
    PortalUnavailable,
    RecordInvalid,
    SessionLost,
)
from connectors.portal.keying import KeyingOptions, PortalKeyer, key_records, open_portal
from connectors.portal.map import (
    ColumnCheck,
    FieldKind,
    FieldMap,
    FormMap,
    LoginMap,
    OutcomeMap,
    PortalMap,
    SearchMap,
    load_map,
)
from connectors.portal.portal import Found, Keyed, KeyMode, Portal
from connectors.portal.session import Credentials, PortalSession

__all__ = [
    "AuditHook",
    "ColumnCheck",
    "Credentials",
    "FieldKind",
    "FieldMap",
    "FormMap",
    "Found",
    "KeyMode",
    "Keyed",
    "KeyingOptions",
    "LoginMap",
    "LoginRefused",
    "MapError",
    "MapMismatch",
    "OutcomeMap",
    "Portal",
    "PortalMap",
    "PortalKeyer",
    "PortalRejected",
    "PortalSession",
    "PortalUnavailable",
    "RecordInvalid",
    "SearchMap",
    "SessionLost",
    "key_records",
    "load_map",
    "open_portal",
    "run_audit",
]
