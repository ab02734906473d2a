"""Forgeries a checkpoint must catch: each one leaves a chain that verifies on its own
(the forger re-hashed what they changed), and `audit verify --checkpoint` names it."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa

from bots import execute
from bots.audit import _digest, export_checkpoint, verify
from bots.store import close_stores, open_store
from bots.store.migrate import GENESIS_HASH
from bots.store.schema import audit_events, audit_head
from tests.helpers import run_cli


def _store_with_checkpoint(tmp_path: Path) -> tuple[sa.Engine, Path]:
    for who in ("a", "b", "c", "d"):
        assert execute("greet", {"who": who}).ok
    engine = open_store()
    mark = tmp_path / "checkpoint.json"
    export_checkpoint(engine, mark, now=datetime.now(UTC))
    return engine, mark


def _events(conn: sa.Connection, *order: sa.ColumnElement) -> list[dict]:
    return [dict(r._mapping) for r in conn.execute(sa.select(audit_events).order_by(*order))]


def _forge(rows: list[dict], event_id: int) -> list[dict]:
    return [{**r, "actor": "forger"} if r["id"] == event_id else r for r in rows]


def _rechain(conn: sa.Connection, rows: list[dict], *, shards: int) -> None:
    """Write `rows` back as one forged line per shard, every hash recomputed."""
    conn.execute(audit_events.delete())
    conn.execute(audit_head.delete())
    heads: dict[int, tuple[int, int, str, int]] = {}
    for row in rows:
        shard = 0 if shards == 1 else row["shard"]
        seq, _, prev, count = heads.get(shard, (0, 0, GENESIS_HASH, 0))
        digest = _digest(prev, row["id"], shard, seq + 1, row["ts"], row["actor"],
                         row["action"], row["subject"], row["data"])
        conn.execute(audit_events.insert().values(
            {**row, "prev_hash": prev, "hash": digest, "shard": shard, "seq": seq + 1}))
        heads[shard] = (seq + 1, row["id"], digest, count + 1)
    for shard in range(shards):
        seq, last_id, digest, count = heads.get(shard, (0, 0, GENESIS_HASH, 0))
        conn.execute(audit_head.insert().values(shard=shard, shards=shards, last_seq=seq,
                                                last_id=last_id, last_hash=digest,
                                                count=count))


def test_collapsing_the_shards_into_one_is_caught(test_recipes: dict[str, str],
                                                  tmp_path: Path) -> None:
    engine, mark = _store_with_checkpoint(tmp_path)
    with engine.begin() as conn:
        # shard 0's events kept first, the others re-appended after them
        rows = _events(conn, audit_events.c.shard != 0, audit_events.c.id)
        victim = next(r for r in rows if r["shard"] != 0)
        _rechain(conn, _forge(rows, victim["id"]), shards=1)
    assert verify(engine).ok  # consistent on its own: only the outside anchor can tell
    result = verify(engine, checkpoint=mark)
    assert not result.ok and "1 shards, its checkpoint 16" in (result.problem or "")
    cli = run_cli("audit", "verify", "--checkpoint", str(mark), env=test_recipes)
    assert cli.returncode == 1 and "rewritten" in cli.stdout


def test_swapping_two_events_ids_is_caught(test_recipes: dict[str, str],
                                           tmp_path: Path) -> None:
    engine, mark = _store_with_checkpoint(tmp_path)
    with engine.begin() as conn:
        a, b = conn.execute(sa.select(audit_events.c.id, audit_events.c.shard)
                            .order_by(audit_events.c.id).limit(2)).all()
        conn.execute(audit_events.update().where(audit_events.c.id == a.id).values(id=-1))
        conn.execute(audit_events.update().where(audit_events.c.id == b.id).values(id=a.id))
        conn.execute(audit_events.update().where(audit_events.c.id == -1).values(id=b.id))
    for result in (verify(engine), verify(engine, checkpoint=mark)):
        assert not result.ok and "altered" in (result.problem or ""), result.problem


def test_a_shard_rewritten_after_the_checkpoint_is_caught(test_recipes: dict[str, str],
                                                          tmp_path: Path) -> None:
    """One shard's events re-hashed from the start with one actor changed: the chain is
    consistent again, but its head at the checkpoint's seq is not the one exported."""
    engine, mark = _store_with_checkpoint(tmp_path)
    with engine.begin() as conn:
        rows = _events(conn, audit_events.c.id)
        _rechain(conn, _forge(rows, rows[0]["id"]), shards=16)
    assert verify(engine).ok
    result = verify(engine, checkpoint=mark)
    assert not result.ok and "differs from the exported checkpoint" in (result.problem or "")


def test_a_store_younger_than_its_checkpoint_is_named(test_recipes: dict[str, str],
                                                      tmp_path: Path) -> None:
    _, mark = _store_with_checkpoint(tmp_path)
    close_stores()
    store = Path(test_recipes["RPA_DATA_DIR"]) / "store.db"
    store.unlink()
    for extra in ("-wal", "-shm"):
        Path(str(store) + extra).unlink(missing_ok=True)
    assert execute("greet", {"who": "new"}).ok  # a new store in its place
    result = verify(open_store(), checkpoint=mark)
    assert not result.ok and "younger than its checkpoint" in (result.problem or "")


def test_a_doctored_checkpoint_file_is_caught(test_recipes: dict[str, str],
                                              tmp_path: Path) -> None:
    engine, mark = _store_with_checkpoint(tmp_path)
    data = json.loads(mark.read_text())
    data["count"] += 1
    mark.write_text(json.dumps(data))
    result = verify(engine, checkpoint=mark)
    assert not result.ok
    data["count"] -= 1
    data["last_hash"] = "0" * 64
    mark.write_text(json.dumps(data))
    result = verify(engine, checkpoint=mark)
    assert not result.ok and "combined head" in (result.problem or "")


def test_an_honest_store_verifies_against_its_checkpoint_as_it_grows(
        test_recipes: dict[str, str], tmp_path: Path) -> None:
    engine, mark = _store_with_checkpoint(tmp_path)
    assert execute("greet", {"who": "later"}).ok
    result = verify(engine, checkpoint=mark)
    assert result.ok, result.describe()


def test_housekeeping_exports_checkpoints_on_a_schedule(test_recipes: dict[str, str],
                                                        tmp_path: Path) -> None:
    import threading
    from datetime import timedelta
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    from bots.audit_export import CheckpointExporter
    from bots.settings import AuditSettings

    posted: list[dict] = []

    class Hook(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - the http.server protocol
            posted.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Hook)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        assert execute("greet", {"who": "a"}).ok
        engine = open_store()
        folder = tmp_path / "anchors"
        exporter = CheckpointExporter(AuditSettings(
            checkpoint_dir=folder, checkpoint_every_minutes=60,
            checkpoint_webhook_url=f"http://127.0.0.1:{server.server_port}/hook?token=t0k"))
        now = datetime.now(UTC)
        assert exporter.maybe_export(engine, now) is not None
        assert exporter.maybe_export(engine, now + timedelta(minutes=59)) is None
        assert execute("greet", {"who": "b"}).ok
        assert exporter.maybe_export(engine, now + timedelta(minutes=61)) is not None
    finally:
        server.shutdown()
    files = sorted(folder.glob("checkpoint-*.json"))
    assert len(files) == 2 and len(posted) == 2
    assert posted[1]["event"] == "audit_checkpoint" and posted[1]["count"] > posted[0]["count"]
    for path in files:
        assert verify(engine, checkpoint=path).ok
