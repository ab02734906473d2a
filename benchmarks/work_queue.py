"""Work-queue throughput: claim + complete per item, 1/2/4 worker processes, SQLite and
PostgreSQL. Each worker is a real process running the recipe API's loop
(`for item in q.claim_iter(): with item: pass`), so the figures include the history row,
the audit append, the lease and Python's own cost: everything the queue adds to a bot.

    .venv/bin/python benchmarks/work_queue.py [--items 2000] [--workers 1,2,4]
        [--pg-url postgresql+psycopg://postgres@127.0.0.1:5432/postgres] [--no-pg]

Prints a table, then one JSON line with the figures (the last line of the output). The
"no audit" rows repeat a run with the audit append switched off, to show what the
hash-chained audit trail costs when several workers commit at once.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import sys
import tempfile
import time
import uuid
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from bots.store import create_store_engine, migrate
from bots.workitems import WorkQueue

DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


@dataclass(frozen=True)
class Figure:
    store: str
    workers: int
    audit: bool
    items: int
    seconds: float
    items_per_s: float
    ms_per_item: float  # wall time per item: what one item costs the whole pool
    ms_per_item_per_worker: float  # what one worker spends per item it settles
    all_seconds: tuple[float, ...] = ()  # every repetition; the figures are the fastest


def _worker(url: str, owner: str, audit: bool, ready: Any, go: Any, out: Any) -> None:
    from bots.logs import configure

    configure("WARNING")  # as a worker runs: item-level debug lines go to run logs only
    if not audit:
        from bots.workitems import transitions

        transitions.audit.append = lambda *args, **kwargs: ""  # type: ignore[assignment]
    engine = create_store_engine(url)
    queue = WorkQueue(engine, "bench", owner=owner)
    with engine.connect():  # open the pool's first connection before the clock starts
        pass
    ready.release()
    go.wait()
    started, n = time.perf_counter(), 0
    for item in queue.claim_iter():
        with item:
            n += 1
    out.put((n, time.perf_counter() - started))
    engine.dispose()


def measure(url: str, label: str, workers: int, items: int, audit: bool) -> Figure:
    engine = create_store_engine(url)
    migrate(engine)
    WorkQueue(engine, "bench").put_many([(f"B-{n:06d}", {"n": n}) for n in range(items)])
    engine.dispose()
    ctx = mp.get_context("spawn")
    ready, go, out = ctx.Semaphore(0), ctx.Event(), ctx.Queue()
    procs = [ctx.Process(target=_worker, args=(url, f"bench-{w}", audit, ready, go, out))
             for w in range(workers)]
    for proc in procs:
        proc.start()
    for _ in procs:
        ready.acquire()
    started = time.perf_counter()
    go.set()
    results = [out.get(timeout=600) for _ in procs]
    elapsed = time.perf_counter() - started
    for proc in procs:
        proc.join()
    settled = sum(n for n, _ in results)
    if settled != items:
        raise SystemExit(f"{label} x{workers}: settled {settled} of {items} items")
    busy = sum(seconds for _, seconds in results)
    return Figure(label, workers, audit, items, round(elapsed, 3), round(items / elapsed, 1),
                  round(elapsed * 1000 / items, 3), round(busy * 1000 / items, 3))


def best_of(repeat: int, make_url: Any, label: str, workers: int, items: int,
            audit: bool) -> Figure:
    tries = []
    for _ in range(repeat):
        with make_url() as url:
            tries.append(measure(url, label, workers, items, audit))
    best = min(tries, key=lambda f: f.seconds)
    return Figure(**{**asdict(best), "all_seconds": tuple(f.seconds for f in tries)})


class SqliteFile:
    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def __enter__(self) -> str:
        return sqlite_url(self.folder)

    def __exit__(self, *exc: object) -> None:
        return None


def sqlite_url(folder: Path) -> str:
    path = folder / f"bench-{uuid.uuid4().hex[:8]}.db"
    return f"sqlite:///{path}"


class PgDatabase:
    """A throwaway database on the server, dropped on exit."""

    def __init__(self, admin_url: str) -> None:
        self.admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
        self.name = f"rpa_bench_{uuid.uuid4().hex[:10]}"
        self.url = sa.engine.make_url(admin_url).set(database=self.name).render_as_string(
            hide_password=False)

    def __enter__(self) -> str:
        with self.admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{self.name}"')
        return self.url

    def __exit__(self, *exc: object) -> None:
        with self.admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
        self.admin.dispose()


def pg_reachable(admin_url: str) -> bool:
    engine = sa.create_engine(admin_url, connect_args={"connect_timeout": 3})
    try:
        with engine.connect():
            return True
    except sa.exc.OperationalError:
        return False
    finally:
        engine.dispose()


def table(figures: list[Figure]) -> str:
    lines = [f"{'store':<10} {'workers':>7} {'audit':>5} {'items':>6} {'seconds':>8} "
             f"{'items/s':>8} {'ms/item':>8} {'ms/item/worker':>15}"]
    for f in figures:
        lines.append(f"{f.store:<10} {f.workers:>7} {'yes' if f.audit else 'no':>5} "
                     f"{f.items:>6} {f.seconds:>8.2f} {f.items_per_s:>8.0f} "
                     f"{f.ms_per_item:>8.3f} {f.ms_per_item_per_worker:>15.3f}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=2000)
    parser.add_argument("--workers", default="1,2,4")
    parser.add_argument("--pg-url", default=os.environ.get("RPA_TEST_PG_URL", DEFAULT_PG))
    parser.add_argument("--repeat", type=int, default=1,
                        help="run each configuration N times and keep the fastest (for a "
                             "machine shared with other work)")
    parser.add_argument("--no-pg", action="store_true")
    parser.add_argument("--no-ablation", action="store_true",
                        help="skip the runs with the audit append switched off")
    args = parser.parse_args(argv)
    counts = [int(w) for w in args.workers.split(",")]
    figures: list[Figure] = []
    runs = [(w, True) for w in counts] + ([] if args.no_ablation else [(w, False) for w in counts])
    with tempfile.TemporaryDirectory(prefix="rpa-bench-") as folder:
        for workers, audit in runs:
            figures.append(best_of(args.repeat, lambda: SqliteFile(Path(folder)), "sqlite",
                                   workers, args.items, audit))
            print(table(figures[-1:]).splitlines()[1], file=sys.stderr, flush=True)
    if args.no_pg or not pg_reachable(args.pg_url):
        if not args.no_pg:
            print(f"PostgreSQL unreachable at {args.pg_url}: skipped", file=sys.stderr)
    else:
        for workers, audit in runs:
            figures.append(best_of(args.repeat, lambda: PgDatabase(args.pg_url), "postgresql",
                                   workers, args.items, audit))
            print(table(figures[-1:]).splitlines()[1], file=sys.stderr, flush=True)
    print(table(figures))
    print(json.dumps({"benchmark": "workitems.queue", "cpus": os.cpu_count(),
                      "load_average": os.getloadavg()[0], "repeat": args.repeat,
                      "results": [asdict(f) for f in figures]}))


if __name__ == "__main__":
    main()
