"""Login, logout, and the guard every other page passes: session, CSRF, injected faults."""

from __future__ import annotations

import hmac
import logging
from urllib.parse import urlsplit

from flask import Blueprint, Response, g, redirect, render_template, request, url_for
from werkzeug.wrappers import Response as BaseResponse

from demo.portal.faults import Fault
from demo.portal.pages import error_page
from demo.portal.sessions import COOKIE_NAME, Session, Verdict
from demo.portal.state import portal_state

log = logging.getLogger(__name__)
bp = Blueprint("auth", __name__)

PUBLIC_ENDPOINTS = frozenset({"auth.login", "auth.logout", "static"})
CSRF_FIELD = "csrf_token"


def _safe_next(target: str | None) -> str:
    # Only paths on this site: a login page must not become an open redirect.
    if not target or not target.startswith("/") or target.startswith("//"):
        return "/"
    parts = urlsplit(target)
    return target if not parts.scheme and not parts.netloc else "/"


def _to_login(*, expired: bool) -> BaseResponse:
    target = request.full_path.rstrip("?") if request.method == "GET" else request.path
    args = {"next": target, **({"expired": "1"} if expired else {})}
    return redirect(url_for("auth.login", **args), code=302)


def _csrf_failure(expected: str) -> tuple[str, int] | None:
    sent = request.form.get(CSRF_FIELD)
    if not sent:
        return error_page(400, "Bad Request", "The security token is missing from the form."
                          " Reload the page and try again.")
    if not hmac.compare_digest(sent, expected):
        return error_page(403, "Forbidden", "The security token of the form is not valid."
                          " Reload the page and try again.")
    return None


def guard() -> BaseResponse | tuple[str, int] | None:
    """before_request: every page but the admin API pays the faults and needs a session."""
    if request.path.startswith("/_admin/"):
        return None
    state = portal_state()
    state.faults.delay_request()
    if request.endpoint in PUBLIC_ENDPOINTS:
        return None
    settings = state.faults.settings
    verdict, session = state.sessions.use(request.cookies.get(COOKIE_NAME),
                                          settings.session_idle_seconds,
                                          settings.session_max_requests)
    if verdict is not Verdict.VALID or session is None:
        return _to_login(expired=verdict is Verdict.EXPIRED)
    if state.faults.roll(Fault.DROP_SESSION):
        state.sessions.end(session.id)
        return _to_login(expired=True)
    g.portal_session = session
    if request.method == "POST":
        return _csrf_failure(session.csrf_token)
    return None


def _with_cookie(response: BaseResponse, session: Session) -> BaseResponse:
    response.set_cookie(COOKIE_NAME, session.id, httponly=True, samesite="Lax", path="/")
    return response


def _login_form(session: Session, *, error: str = "", username: str = "",
                status: int = 200) -> BaseResponse:
    html = render_template("login.html", csrf_token=session.csrf_token, error=error,
                           username=username, next=request.args.get("next", ""),
                           expired=request.args.get("expired") == "1",
                           logged_out=request.args.get("logged_out") == "1")
    return _with_cookie(Response(html, status=status), session)


@bp.route("/login", methods=["GET", "POST"])
def login() -> BaseResponse | tuple[str, int]:
    state = portal_state()
    idle = state.faults.settings.session_idle_seconds
    current = state.sessions.peek(request.cookies.get(COOKIE_NAME), idle)
    if request.method == "GET":
        if current is not None and current.user is not None:
            return redirect(_safe_next(request.args.get("next")))
        return _login_form(current or state.sessions.new())
    if current is None:
        return _login_form(state.sessions.new(), status=400,
                           error="Your login form has expired. Please try again.")
    failure = _csrf_failure(current.csrf_token)
    if failure is not None:
        return failure
    username = request.form.get("username", "").strip()
    password = request.form.get("password", "")
    expected = state.config.users.get(username)
    if expected is None or not hmac.compare_digest(password.encode(), expected.encode()):
        log.info("failed login for %r", username)
        return _login_form(current, error="Invalid user name or password.", username=username)
    state.sessions.end(current.id)
    session = state.sessions.new(user=username)
    log.info("user %s logged in", username)
    return _with_cookie(redirect(_safe_next(request.args.get("next"))), session)


@bp.route("/logout")
def logout() -> BaseResponse:
    session_id = request.cookies.get(COOKIE_NAME)
    if session_id:
        portal_state().sessions.end(session_id)
    response = redirect(url_for("auth.login", logged_out="1"))
    response.delete_cookie(COOKIE_NAME, path="/")
    return response
