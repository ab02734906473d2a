"""The outbox's public names, and what importing the runtime costs a child process."""

from __future__ import annotations

import subprocess
import sys

import bots.outbox


def test_every_public_name_resolves() -> None:
    assert sorted(bots.outbox.__all__) == sorted(bots.outbox._WHERE)
    for name in bots.outbox.__all__:
        assert getattr(bots.outbox, name) is not None


def test_recipes_load_without_the_sending_libraries() -> None:
    # A scheduled child imports every recipe; Jinja2, Babel, httpx, phonenumbers and
    # email-validator are only imported when a message is composed or sent.
    code = ("import sys\n"
            "from bots.executor import load_recipes\n"
            "from bots.settings import get_settings\n"
            "load_recipes(get_settings())\n"
            "heavy = ('babel', 'httpx', 'phonenumbers', 'email_validator', 'bots.outbox.templates')\n"
            "print(sorted(m for m in heavy if m in sys.modules))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]", out.stderr[-2000:]
