"""The portal connector: a declarative portal map (TOML) and the page objects built on it.

    from connectors.portal import Portal, Credentials, KeyMode, load_map

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
    "LoginMap",
    "LoginRefused",
    "MapError",
    "MapMismatch",
    "OutcomeMap",
    "Portal",
    "PortalMap",
    "PortalRejected",
    "PortalSession",
    "PortalUnavailable",
    "RecordInvalid",
    "SearchMap",
    "SessionLost",
    "load_map",
    "run_audit",
]
