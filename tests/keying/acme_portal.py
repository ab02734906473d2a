"""A second, different portal for the connector's tests: nothing like the demo portal.

No iframe; the login page is known only by its URL; inputs have names, not ids; dates
are US style; amounts 1,234.50; a select chosen by its label; the reference is inside
text ("Stored as ORD/00042"); errors carry no field attribute; the CSRF token changes on
every form; sessions end after a few requests; the confirm() asks something else.
"""

from __future__ import annotations

import secrets
import threading
from dataclasses import dataclass, field
from html import escape
from typing import Any

from flask import Flask, make_response, redirect, request
from werkzeug.serving import make_server
from werkzeug.wrappers import Response

MAP_TOML = r'''
name = "acme"
home = "/orders/new"

[login]
url = "/signin"
username = "input[name=user]"
password = "input[name=pass]"
submit = "button[name=go]"
error = "p.bad"
detect = { url = "/signin" }

[forms.order]
url = "/orders/new"
ready = "form.order"
submit = "input[type=submit]"
dialog = { type = "confirm", message = "^Proceed", accept = true }
lookup = "order"

[forms.order.outcome]
confirmed = "div.ok"
reference = { selector = "div.ok", pattern = "ORD/(\\d+)" }
rejected = "ul.errors"
field_errors = { selector = "ul.errors li" }

[[forms.order.fields]]
name = "ref"
selector = "input[name=ref]"
required = true

[[forms.order.fields]]
name = "when"
source = "day"
selector = "input[name=when]"
kind = "date"
format = "%m/%d/%Y"

[[forms.order.fields]]
name = "kind"
selector = "select[name=kind]"
kind = "select"
by = "label"
values = { B = "Big box", S = "Small box" }

[[forms.order.fields]]
name = "total"
source = "amount"
selector = "input[name=total]"
kind = "amount"
decimal_separator = "."
thousands_separator = ","

[[forms.order.fields]]
name = "urgent"
selector = "input[name=urgent]"
kind = "checkbox"

[[forms.order.fields]]
name = "lane"
selector = "input[name=lane]"
kind = "radio"

[[forms.order.fields]]
name = "memo"
selector = "textarea[name=memo]"
kind = "textarea"
sensitive = true

[searches.order]
url = "/orders?q={key}"
rows = "table.results tr.hit"
key_column = "ref"
reference_column = "number"
reference_pattern = "ORD/(\\d+)"
columns = { number = "td:nth-child(1)", ref = "td:nth-child(2)", total = "td:nth-child(3)" }
verify = { total = { source = "amount", kind = "amount", thousands_separator = "," } }
'''

PAGE = "<html><head><title>{title}</title></head><body>{body}</body></html>"


@dataclass
class AcmeState:
    max_requests: int = 1000
    orders: list[dict[str, str]] = field(default_factory=list)
    sessions: dict[str, int] = field(default_factory=dict)
    tokens: set[str] = field(default_factory=set)
    lock: threading.Lock = field(default_factory=threading.Lock)


def _form(state: AcmeState, errors: list[str]) -> str:
    token = secrets.token_hex(8)
    state.tokens.add(token)
    items = "".join(f"<li>{escape(e)}</li>" for e in errors)
    return PAGE.format(title="New order", body=(
        (f"<ul class='errors'>{items}</ul>" if errors else "")
        + "<form class='order' method='post' action='/orders/new' "
          "onsubmit=\"return confirm('Proceed with this order?')\">"
          f"<input type='hidden' name='token' value='{token}'>"
          "Ref <input name='ref' maxlength='12'> When <input name='when'>"
          "<select name='kind'><option value=''>-</option><option value='big'>Big box</option>"
          "<option value='small'>Small box</option></select>"
          "Total <input name='total'> <input type='checkbox' name='urgent' value='yes'>"
          "<input type='radio' name='lane' value='north'><input type='radio' name='lane' value='south'>"
          "<textarea name='memo'></textarea><input type='submit' value='Send'></form>"))


def create_app(state: AcmeState) -> Flask:  # noqa: C901 - a whole portal in one place
    app = Flask(__name__)

    @app.before_request
    def guard() -> Any:
        if request.path == "/signin":
            return None
        sid = request.cookies.get("acme", "")
        with state.lock:
            used = state.sessions.get(sid)
            if used is None or used >= state.max_requests:
                state.sessions.pop(sid, None)
                return redirect("/signin")
            state.sessions[sid] = used + 1
        return None

    @app.route("/signin", methods=["GET", "POST"])
    def signin() -> Any:
        if request.method == "POST":
            if request.form.get("user") == "clerk" and request.form.get("pass") == "s3cret-acme":
                sid = secrets.token_hex(8)
                with state.lock:
                    state.sessions[sid] = 0
                response: Response = make_response(redirect("/orders/new"))
                response.set_cookie("acme", sid)
                return response
            bad = "<p class='bad'>Wrong user or password</p>"
        else:
            bad = ""
        return PAGE.format(title="Sign in", body=bad + (
            "<form method='post'><input name='user'><input name='pass' type='password'>"
            "<button name='go'>Enter</button></form>"))

    @app.route("/orders/new", methods=["GET"])
    def new_order() -> str:
        return _form(state, [])

    @app.route("/orders/new", methods=["POST"])
    def save_order() -> Any:
        form = request.form
        if form.get("token") not in state.tokens:
            return PAGE.format(title="Expired", body="<h1>Form expired</h1>"), 400
        state.tokens.discard(form.get("token"))
        errors = []
        total = form.get("total", "")
        if not total or total.replace(",", "").replace(".", "").strip("0") == "":
            errors.append("Total must be more than zero")
        if not form.get("ref"):
            errors.append("Ref is required")
        if errors:
            return _form(state, errors)
        with state.lock:
            number = f"ORD/{len(state.orders) + 1:05d}"
            state.orders.append({"number": number, **{k: form.get(k, "") for k in (
                "ref", "when", "kind", "total", "urgent", "lane", "memo")}})
        return PAGE.format(title="Stored", body=f"<div class='ok'>Stored as <b>{number}</b></div>")

    @app.route("/orders")
    def search() -> str:
        key = request.args.get("q", "")
        rows = "".join(f"<tr class='hit'><td>{o['number']}</td><td>{escape(o['ref'])}</td>"
                       f"<td>{escape(o['total'])}</td></tr>"
                       for o in state.orders if o["ref"] == key)
        return PAGE.format(title="Orders", body=f"<table class='results'>{rows}</table>")

    return app


class AcmePortal:
    def __init__(self) -> None:
        self.state = AcmeState()
        self._server = make_server("127.0.0.1", 0, create_app(self.state), threaded=True)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_port}"

    def start(self) -> AcmePortal:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
