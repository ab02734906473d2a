"""The Flask application factory of the demo legacy portal."""

from __future__ import annotations

import logging
from decimal import Decimal

from flask import Flask
from werkzeug.exceptions import HTTPException

from demo.portal import (
    auth,
    views_accounts,
    views_admin,
    views_exports,
    views_invoices,
    views_orders,
    views_sales,
)
from demo.portal.config import PortalConfig
from demo.portal.db import create_schema
from demo.portal.faults import FaultInjector
from demo.portal.pages import csrf_token, current_user, day_month_year, error_page, money
from demo.portal.sessions import SessionStore
from demo.portal.state import EXTENSION, PortalState, close_db

log = logging.getLogger(__name__)


def _http_error(exc: HTTPException) -> tuple[str, int]:
    return error_page(exc.code or 500, exc.name, exc.description or "")


def _unexpected(exc: Exception) -> tuple[str, int]:
    log.exception("unhandled error in the portal")
    return error_page(500, "Internal Server Error", "An unexpected error occurred.")


def create_app(config: PortalConfig) -> Flask:
    create_schema(config.db_path)
    app = Flask(__name__)
    app.extensions[EXTENSION] = PortalState(config=config, faults=FaultInjector(config),
                                            sessions=SessionStore())
    app.before_request(auth.guard)
    app.teardown_appcontext(close_db)
    for blueprint in (auth.bp, views_sales.bp, views_exports.bp, views_invoices.bp,
                      views_admin.bp, views_orders.bp, views_accounts.bp):
        app.register_blueprint(blueprint)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _unexpected)
    app.jinja_env.filters["money"] = money
    app.jinja_env.filters["dmy"] = day_month_year
    app.jinja_env.filters["decimal"] = Decimal
    app.jinja_env.globals.update(csrf_token=csrf_token, current_user=current_user)
    return app
