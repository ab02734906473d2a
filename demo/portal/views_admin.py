"""The test hooks: change faults and drop sessions on a running portal (JSON, token header)."""

from __future__ import annotations

import hmac
import logging
from typing import Any

from flask import Blueprint, jsonify, request
from flask.typing import ResponseReturnValue

from demo.portal.state import portal_state

log = logging.getLogger(__name__)
bp = Blueprint("admin", __name__, url_prefix="/_admin")


@bp.before_request
def require_token() -> ResponseReturnValue | None:
    sent = request.headers.get("X-Admin-Token", "")
    if not hmac.compare_digest(sent.encode(), portal_state().config.admin_token.encode()):
        return jsonify(error="missing or wrong X-Admin-Token"), 403
    return None


@bp.route("/faults", methods=["GET", "POST"])
def faults() -> ResponseReturnValue:
    injector = portal_state().faults
    if request.method == "GET":
        return jsonify(injector.settings.as_dict())
    changes: Any = request.get_json(silent=True)
    if not isinstance(changes, dict):
        return jsonify(error="send a JSON object of fault settings"), 400
    try:
        settings = injector.update(changes)
    except ValueError as exc:
        return jsonify(error=str(exc)), 400
    return jsonify(settings.as_dict())


@bp.route("/drop-sessions", methods=["POST"])
def drop_sessions() -> ResponseReturnValue:
    dropped = portal_state().sessions.end_all()
    log.info("dropped %d logged-in session(s) on request", dropped)
    return jsonify(dropped=dropped)
