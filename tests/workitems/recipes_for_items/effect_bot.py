"""A bot for the crash tests: it keys each item into the effect service.

It checks before it acts, acts, and only then records done, optionally pausing between
the two (EFFECT_PAUSE_S) to stand for a bot reading the confirmation page: a kill in
that window leaves an effect the store does not know about.
"""

from __future__ import annotations

import http.client
import json
import os
import threading
import time
from datetime import timedelta
from typing import Any
from urllib.parse import quote, urlsplit

from bots import RetryPolicy, Run, recipe

QUEUE = os.environ.get("EFFECT_QUEUE", "effects")
LEASE = timedelta(seconds=float(os.environ.get("EFFECT_LEASE_S", "3")))
PAUSE = float(os.environ.get("EFFECT_PAUSE_S", "0"))
BATCH = int(os.environ.get("EFFECT_BATCH", "1"))  # items claimed and recorded together
RETRY = RetryPolicy(attempts=10, initial=timedelta(seconds=0.2))


class EffectPortal:
    """The connector: one keep-alive HTTP connection per thread."""

    def __init__(self, url: str) -> None:
        parts = urlsplit(url)
        self.host, self.port = parts.hostname or "127.0.0.1", parts.port or 80
        self._local = threading.local()

    def _request(self, method: str, key: str) -> tuple[int, dict[str, Any]]:
        headers = {"X-Worker-Pid": str(os.getpid()), "Content-Length": "0"}
        for attempt in (1, 2):
            conn = getattr(self._local, "conn", None)
            if conn is None:
                conn = self._local.conn = http.client.HTTPConnection(self.host, self.port,
                                                                     timeout=60)
            try:
                conn.request(method, f"/effects/{quote(key, safe='')}", headers=headers)
                response = conn.getresponse()
                return response.status, json.loads(response.read() or b"{}")
            except (http.client.RemoteDisconnected, ConnectionError):
                conn.close()
                self._local.conn = None
                if attempt == 2 or method == "POST":
                    raise
        raise AssertionError("unreachable")

    def done_already(self, key: str) -> dict[str, Any] | None:
        status, body = self._request("GET", key)
        return {"reference": body["reference"]} if status == 200 else None

    def make(self, key: str) -> str:
        status, body = self._request("POST", key)
        if status != 201:
            raise RuntimeError(f"effect service answered {status}")
        return str(body["reference"])


@recipe(queue=QUEUE)
def effect_bot(run: Run) -> None:
    """Key every item of the queue into the effect service, exactly once."""
    portal = EffectPortal(os.environ["EFFECT_URL"])
    queue = run.queue(QUEUE).with_options(lease=LEASE, retry=RETRY, batch=BATCH)
    for item in queue.claim_iter(check=lambda it: portal.done_already(it.key)):
        with item:
            item.ensure_lease()
            reference = portal.make(item.key)
            if PAUSE:
                time.sleep(PAUSE)
            item.output = {"reference": reference}
