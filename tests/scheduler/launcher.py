"""`runner.py` with the scheduler's commands registered, whether or not bots/cli.py
registers them already: the scheduler tests drive real processes through this."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bots.cli import app  # noqa: E402
from bots.scheduler.cli import register  # noqa: E402

if not any(info.name == "schedule" for info in app.registered_commands):
    register(app)

if __name__ == "__main__":
    app()
