"""Run the portal on a real threaded HTTP server in a background thread."""

from __future__ import annotations

import logging
import threading
from types import TracebackType

from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

from demo.portal.app import create_app
from demo.portal.config import PortalConfig
from demo.portal.state import EXTENSION, PortalState

log = logging.getLogger(__name__)


class _QuietHandler(WSGIRequestHandler):
    # werkzeug writes every request to stderr; a bot keying 300 sales makes that noise.
    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        log.debug('"%s" %s %s', self.requestline, code, size)


class PortalServer:
    """`with PortalServer(config) as portal: ... portal.url ...`"""

    def __init__(self, config: PortalConfig) -> None:
        self.config = config
        self.app = create_app(config)
        self._server: BaseWSGIServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def state(self) -> PortalState:
        state: PortalState = self.app.extensions[EXTENSION]
        return state

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("the portal is not started")
        return int(self._server.server_port)

    @property
    def url(self) -> str:
        return f"http://{self.config.host}:{self.port}"

    def start(self) -> PortalServer:
        if self._server is not None:
            raise RuntimeError("the portal is already started")
        self.state.faults.stopping.clear()
        self._server = make_server(self.config.host, self.config.port, self.app, threaded=True,
                                   request_handler=_QuietHandler)
        # A short poll interval: stop() waits for the loop's next poll.
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,),
                                        name=f"demo-portal:{self.port}", daemon=True)
        self._thread.start()
        log.info("demo portal listening on %s (db %s)", self.url, self.config.db_path)
        return self

    def stop(self) -> None:
        if self._server is None:
            return
        self.state.faults.stopping.set()  # wake requests sleeping in an injected slow page
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = None
        self._thread = None
        log.info("demo portal stopped")

    def __enter__(self) -> PortalServer:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()
