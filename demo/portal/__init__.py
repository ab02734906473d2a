"""The demo legacy portal: a stand-in for a third party's old back-office web system.

It imports nothing from the toolkit, so a bot cannot cheat by sharing its code.
See README.md in this folder for its URLs, HTML hooks and database tables.
"""

from __future__ import annotations

from demo.portal.app import create_app
from demo.portal.config import PortalConfig
from demo.portal.db import create_schema
from demo.portal.server import PortalServer

__all__ = ["PortalConfig", "PortalServer", "create_app", "create_schema"]
