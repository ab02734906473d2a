"""`map draft` writes a map from the live demo portal that keys a sale once its names are
reviewed; `map check` says which selectors of a map the portal still has."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import pytest
from keying_support import DemoPortal

from bots.browser import BrowserPool
from connectors.portal import Credentials, Portal, load_map
from tests.helpers import run_cli

pytestmark = [pytest.mark.browser, pytest.mark.slow]

SAMPLE = {"external_id": "DRAFT-0001", "sale_date": "2026-03-02", "product": "FIB-300",
          "quantity": 1, "amount": "49.90", "currency": "EUR", "customer_name": "Ana Draft",
          "customer_tax_id": "12345678Z", "payment_method": "card", "channel": "web",
          "seller": "ana.ruiz", "validator": "m.campos", "consent": True, "notes": ""}


def test_a_drafted_map_matches_the_hand_written_one_and_keys_a_sale(
        keying_env: dict[str, str], demo_portal: DemoPortal, tmp_path: Path,
        browser_pool: BrowserPool) -> None:
    sample = tmp_path / "sample.json"
    sample.write_text(json.dumps(SAMPLE))
    drafted = tmp_path / "draft.toml"
    done = run_cli("map", "draft", "--form", "/sales/new", "--sample", str(sample),
                   "--search", "/sales/search?external_id={key}", "--key", "DRAFT-0001",
                   "--out", str(drafted), env=keying_env, timeout=180)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    assert "# review" in drafted.read_text()

    draft, demo = load_map(drafted), load_map("demo")  # the draft loads: it has a lookup
    assert draft.login.model_dump(exclude={"detect", "error"}) == \
        demo.login.model_dump(exclude={"detect", "error"})
    form, hand = draft.form("entry"), demo.form("sale")
    assert (form.host, form.frames, form.url, form.submit) == (hand.host, hand.frames, hand.url,
                                                               hand.submit)
    assert form.dialog is not None and form.dialog.rule().matches("confirm", "Save this sale?")
    assert {(f.name, f.selector, f.kind) for f in form.fields} == \
        {(f.name, f.selector, f.kind) for f in hand.fields}
    assert form.outcome.reference.extract("Reference S-2026-000042") == "S-2026-000042"
    search = draft.search(form.lookup or "")
    assert (search.key_column, search.reference_column) == ("external_id", "reference")

    # Reviewed: the form and search named as the recipe calls them; nothing else changed.
    reviewed = tmp_path / "reviewed.toml"
    text = drafted.read_text()
    for old, new in (("[forms.entry", "[forms.sale"), ('lookup = "entry"', 'lookup = "sale"'),
                     ("[searches.entry", "[searches.sale")):
        text = text.replace(old, new)
    reviewed.write_text(text)
    portal_map = load_map(reviewed)
    assert tomllib.loads(reviewed.read_text())["forms"]["sale"]["lookup"] == "sale"
    portal = Portal(browser_pool.lane("reviewed"), portal_map, base_url=demo_portal.url,
                    credentials=Credentials("robot", __import__("pydantic").SecretStr("robot-pass")))
    portal.start()
    record = {**SAMPLE, "external_id": "DRAFT-0002"}
    keyed = portal.key("sale", record, key="DRAFT-0002")
    assert demo_portal.references()["DRAFT-0002"] == keyed.reference
    assert portal.lookup("sale", record, key="DRAFT-0001") is not None  # the sample, saved once
    assert demo_portal.duplicates() == {}


def test_map_check_names_what_the_portal_no_longer_has(
        keying_env: dict[str, str], demo_portal: DemoPortal, tmp_path: Path) -> None:
    good = run_cli("map", "check", "demo", env=keying_env, timeout=120)
    assert good.returncode == 0, good.stdout[-2000:] + good.stderr[-2000:]
    assert "found" in good.stdout and "missing" not in good.stdout.split("\n")[0]

    text = (Path(load_map.__code__.co_filename).parent.parent / "portal_maps" / "demo.toml")
    broken = tmp_path / "broken.toml"
    broken.write_text(text.read_text().replace('"#customer_tax_id"', '"#nif"'))
    bad = run_cli("map", "check", str(broken), env=keying_env, timeout=120)
    assert bad.returncode == 1
    line = next(x for x in bad.stdout.splitlines() if "#nif" in x)
    assert line.startswith("missing") and "customer_tax_id" in line
