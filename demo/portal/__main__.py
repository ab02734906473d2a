"""`python -m demo.portal --port 8765 --db data/portal.sqlite`: serve until Ctrl-C or SIGTERM."""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import threading
from pathlib import Path

from demo.portal.config import DEFAULT_USERS, PortalConfig
from demo.portal.server import PortalServer


def _user(text: str) -> tuple[str, str]:
    name, sep, password = text.partition(":")
    if not sep or not name or not password:
        raise argparse.ArgumentTypeError(f"expected NAME:PASSWORD, got {text!r}")
    return name, password


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m demo.portal", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8765, help="0 picks a free port")
    parser.add_argument("--db", type=Path, required=True, help="the portal's SQLite file")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--user", type=_user, action="append", metavar="NAME:PASSWORD",
                        help="replaces the default users robot and agent; repeatable")
    parser.add_argument("--admin-token", default="demo-admin")
    parser.add_argument("--session-idle-seconds", type=float, default=600)
    parser.add_argument("--session-max-requests", type=int, default=None)
    parser.add_argument("--latency-ms", type=int, default=0)
    parser.add_argument("--error-before-save-rate", type=float, default=0)
    parser.add_argument("--error-after-save-rate", type=float, default=0)
    parser.add_argument("--slow-rate", type=float, default=0)
    parser.add_argument("--slow-seconds", type=float, default=30)
    parser.add_argument("--drop-session-rate", type=float, default=0)
    parser.add_argument("--invoices", type=int, default=0, metavar="N",
                        help="seed N sample invoices first (skips ids already present)")
    parser.add_argument("-v", "--verbose", action="store_true", help="log every request")
    return parser.parse_args(argv)


def config_from(args: argparse.Namespace) -> PortalConfig:
    return PortalConfig(
        db_path=args.db, host=args.host, port=args.port, seed=args.seed,
        users=dict(args.user) if args.user else dict(DEFAULT_USERS),
        admin_token=args.admin_token, session_idle_seconds=args.session_idle_seconds,
        session_max_requests=args.session_max_requests, latency_ms=args.latency_ms,
        error_before_save_rate=args.error_before_save_rate,
        error_after_save_rate=args.error_after_save_rate, slow_rate=args.slow_rate,
        slow_seconds=args.slow_seconds, drop_session_rate=args.drop_session_rate,
    )


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        config = config_from(args)
    except ValueError as exc:
        sys.stderr.write(f"error: {exc}\n")
        return 2
    if args.invoices:
        from demo.samples.invoices import seed_invoices

        seed_invoices(config.db_path, count=args.invoices, seed=args.seed)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    with PortalServer(config) as portal:
        # The URL on stdout, alone on its line, so that a parent process can read it.
        sys.stdout.write(f"{portal.url}\n")
        sys.stdout.flush()
        try:
            stop.wait()
        except KeyboardInterrupt:
            pass
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
