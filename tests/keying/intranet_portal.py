"""A third test portal, shaped unlike the demo portal and acme: an old Spanish intranet.

- The login page (/cgi/acceso) has its own CSRF token; it is known by its URL and form name.
- After login, /principal is a <frameset>: a menu frame and a "cuerpo" frame that holds the
  order entry form (/cgi/alta), whose CSRF token changes on every form.
- Saving asks confirm("¿Grabar el pedido?"); a saved order answers "Pedido grabado con el
  número PD-000123"; a refused one a box of errors without field names.
- Dates are 31.12.2026, amounts 1.234,50, the order type a select chosen by its label.
- The lookup (/cgi/consulta) searches by customer and date only, by GET or as the search
  form at /cgi/buscar posts it (with its own CSRF token); the results show, among other
  columns, "Su referencia": the caller's reference, typed in a free-text field.
- Sessions end after a number of requests. Faults on purpose: a 500 after every Nth save
  (the order is stored all the same), a dropped session right after every Nth save (the
  answer is the login page, the order stored), and a switch that takes the whole portal
  down (503) after a number of saves.
"""

from __future__ import annotations

import secrets
import threading
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from html import escape
from typing import Any

from flask import Flask, make_response, redirect, request
from werkzeug.serving import make_server
from werkzeug.wrappers import Response

PAGE = ("<html><head><meta charset='utf-8'><title>{title}</title></head>"
        "<body bgcolor='#c0c0c0'><font face='Arial'>{body}</font></body></html>")
TYPES = {"N": "Normal", "U": "Urgente"}
USER, PASSWORD = "operador", "clave-intranet"


@dataclass
class IntranetState:
    max_requests: int = 1000  # per session
    error_after_save_every: int = 0  # every Nth save: stored, then HTTP 500
    drop_after_save_every: int = 0  # every Nth save: stored, then the login page
    down_after_saves: int = 0  # after this many saves everything answers 503
    orders: list[dict[str, str]] = field(default_factory=list)
    sessions: dict[str, int] = field(default_factory=dict)
    tokens: set[str] = field(default_factory=set)
    saves: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def down(self) -> bool:
        return bool(self.down_after_saves) and self.saves >= self.down_after_saves

    def token(self) -> str:
        token = secrets.token_hex(8)
        with self.lock:
            self.tokens.add(token)
        return token

    def spend(self, token: str | None) -> bool:
        with self.lock:
            if token in self.tokens:
                self.tokens.discard(token)
                return True
        return False


def _amount(text: str) -> Decimal | None:
    try:
        value = Decimal(text.replace(".", "").replace(",", "."))
    except InvalidOperation:
        return None
    return value if value > 0 and value == value.quantize(Decimal("0.01")) else None


def _entry_form(state: IntranetState, errors: list[str]) -> str:
    box = ("<div class='errores'><b>Errores:</b><br>" + "<br>".join(escape(e) for e in errors)
           + "</div>") if errors else ""
    options = "".join(f"<option value='{k}'>{v}</option>" for k, v in TYPES.items())
    return PAGE.format(title="Alta de pedido", body=box + (
        "<form name='alta' method='post' action='/cgi/alta'>"
        f"<input type='hidden' name='csrf' value='{state.token()}'>"
        "<table><tr><td>Cliente</td><td><input name='cli' size='40'></td></tr>"
        "<tr><td>Fecha (dd.mm.aaaa)</td><td><input name='fec' size='10'></td></tr>"
        "<tr><td>Importe</td><td><input name='imp' size='12'></td></tr>"
        f"<tr><td>Tipo</td><td><select name='tip'><option value=''>--</option>{options}</select>"
        "</td></tr><tr><td>Su referencia</td><td><input name='sref' maxlength='20'></td></tr>"
        "</table><input type='button' name='grabar' value='Grabar' "
        "onclick=\"if (confirm('¿Grabar el pedido?')) document.alta.submit()\"></form>"))


def create_app(state: IntranetState) -> Flask:  # noqa: C901 - a whole portal in one place
    app = Flask(__name__)

    @app.before_request
    def guard() -> Any:
        if state.down:
            return PAGE.format(title="Servicio no disponible", body="<h1>503</h1>"), 503
        if request.path == "/cgi/acceso":
            return None
        sid = request.cookies.get("INTRANETSID", "")
        with state.lock:
            used = state.sessions.get(sid)
            if used is None or used >= state.max_requests:
                state.sessions.pop(sid, None)
                return redirect("/cgi/acceso?caducada=1")
            state.sessions[sid] = used + 1
        return None

    @app.route("/cgi/acceso", methods=["GET", "POST"])
    def login() -> Any:
        message = ""
        if request.method == "POST":
            good = request.form.get("u") == USER and request.form.get("p") == PASSWORD
            if good and state.spend(request.form.get("csrf")):
                sid = secrets.token_hex(12)
                with state.lock:
                    state.sessions[sid] = 0
                response: Response = make_response(redirect("/principal"))
                response.set_cookie("INTRANETSID", sid)
                return response
            message = "<p id='aviso'>Usuario o clave incorrectos</p>"
        return PAGE.format(title="Acceso", body=message + (
            "<form name='acceso' method='post' action='/cgi/acceso'>"
            f"<input type='hidden' name='csrf' value='{state.token()}'>"
            "Usuario <input name='u'> Clave <input name='p' type='password'>"
            "<input type='submit' id='entrar' value='Entrar'></form>"))

    @app.route("/principal")
    def frameset() -> str:
        return ("<html><head><title>Intranet de Pedidos</title></head>"
                "<frameset cols='180,*'><frame name='menu' src='/cgi/menu'>"
                "<frame name='cuerpo' src='/cgi/alta'></frameset></html>")

    @app.route("/cgi/menu")
    def menu() -> str:
        return PAGE.format(title="Menu", body="<a href='/cgi/alta' target='cuerpo'>Alta</a>")

    @app.route("/cgi/alta", methods=["GET"])
    def entry() -> str:
        return _entry_form(state, [])

    @app.route("/cgi/alta", methods=["POST"])
    def save() -> Any:
        form = request.form
        if not state.spend(form.get("csrf")):
            return PAGE.format(title="Error", body="<h1>Formulario caducado</h1>"), 400
        errors = []
        if len(form.get("cli", "").strip()) < 2:
            errors.append("El cliente es obligatorio")
        if _amount(form.get("imp", "")) is None:
            errors.append("Importe no válido")
        if form.get("tip") not in TYPES:
            errors.append("Tipo no válido")
        parts = form.get("fec", "").split(".")
        if len(parts) != 3 or not all(p.isdigit() for p in parts):
            errors.append("Fecha no válida")
        if errors:
            return _entry_form(state, errors)
        with state.lock:
            number = f"PD-{len(state.orders) + 1:06d}"
            state.orders.append({"number": number, "cli": form["cli"].strip(), "fec": form["fec"],
                                 "imp": form["imp"], "tip": form["tip"],
                                 "sref": form.get("sref", "")})
            state.saves += 1
            saves = state.saves
        if state.error_after_save_every and saves % state.error_after_save_every == 0:
            return PAGE.format(title="Error", body="<h1>Error interno</h1>"), 500
        if state.drop_after_save_every and saves % state.drop_after_save_every == 0:
            with state.lock:
                state.sessions.pop(request.cookies.get("INTRANETSID", ""), None)
            return redirect("/cgi/acceso?caducada=1")
        return PAGE.format(title="Pedido grabado",
                           body=f"<p id='msg'>Pedido grabado con el número <b>{number}</b></p>")

    @app.route("/cgi/buscar")
    def search_form() -> str:
        return PAGE.format(title="Buscar", body=(
            "<form name='buscar' method='post' action='/cgi/consulta'>"
            f"<input type='hidden' name='csrf' value='{state.token()}'>"
            "Cliente <input name='cli'> Fecha <input name='fec'>"
            "<input type='submit' name='buscar' value='Buscar'></form>"))

    @app.route("/cgi/consulta", methods=["GET", "POST"])
    def lookup() -> Any:
        if request.method == "POST":
            if not state.spend(request.form.get("csrf")):
                return PAGE.format(title="Error", body="<h1>Formulario caducado</h1>"), 400
            customer, day = request.form.get("cli", ""), request.form.get("fec", "")
        else:
            customer, day = request.args.get("cli", ""), request.args.get("fec", "")
        rows = "".join(
            f"<tr><td>{o['number']}</td><td>{escape(o['cli'])}</td><td>{o['fec']}</td>"
            f"<td>{escape(o['imp'])}</td><td>{TYPES[o['tip']]}</td><td>{escape(o['sref'])}</td></tr>"
            for o in state.orders if o["cli"].casefold() == customer.casefold() and o["fec"] == day)
        return PAGE.format(title="Consulta", body=(
            "<table id='resultado'><tr><th>Número</th><th>Cliente</th><th>Fecha</th>"
            f"<th>Importe</th><th>Tipo</th><th>Su referencia</th></tr>{rows}</table>"))

    return app


class IntranetPortal:
    """The intranet on a free loopback port, in a thread; `state` is its database."""

    def __init__(self, **faults: Any) -> None:
        self.state = IntranetState(**faults)
        self._server = make_server("127.0.0.1", 0, create_app(self.state), threaded=True)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_port}"

    def start(self) -> IntranetPortal:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def by_reference(self) -> dict[str, list[str]]:
        """Su referencia -> the order numbers stored under it (more than one: keyed twice)."""
        out: dict[str, list[str]] = {}
        with self.state.lock:
            for order in self.state.orders:
                out.setdefault(order["sref"], []).append(order["number"])
        return out
