"""Portal maps and value rendering: known answers, no browser."""

from __future__ import annotations

import tomllib
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

import connectors.portal
from connectors.portal import FieldKind, FieldMap, MapError, PortalMap, RecordInvalid, load_map
from connectors.portal.values import fill_template, render, render_form

MINIMAL = """
name = "tiny"
[login]
url = "/in"
username = "#u"
password = "#p"
submit = "#go"
detect = { url = "/in" }
"""


def test_the_public_face_is_pinned() -> None:
    assert sorted(connectors.portal.__all__) == [
        "AuditHook", "ColumnCheck", "Credentials", "FieldKind", "FieldMap", "FormMap", "Found",
        "KeyMode", "Keyed", "KeyingOptions", "LoginMap", "LoginRefused", "MapError",
        "MapMismatch", "OutcomeMap", "Portal", "PortalKeyer", "PortalMap", "PortalRejected",
        "PortalSession", "PortalUnavailable", "RecordInvalid", "SearchMap", "SessionLost",
        "key_records", "load_map", "open_portal", "run_audit"]


def test_the_demo_map_loads_and_names_its_sensitive_fields() -> None:
    demo = load_map("demo")
    sale = demo.form("sale")
    assert sale.frames[0].name == "entry" and sale.dialog is not None
    assert [f.name for f in sale.fields if f.required][:3] == ["external_id", "sale_date", "product"]
    assert demo.sensitive_selectors() == ["#password", "#customer_tax_id"]
    assert demo.search("sale").key_column == "external_id"
    assert demo.dialog_rules()[0].matches("confirm", "Save this sale?")


@pytest.mark.parametrize(("extra", "problem"), [
    ("colour = 'blue'", "colour"),  # a typo is refused, not ignored
    ("[searches.s]\nurl = '/find'\nrows = 'tr'\nkey_column = 'k'\nreference_column = 'r'\n"
     "columns = { k = 'td', r = 'td' }", "names nothing to search by"),
    ("[searches.s]\nurl = '/f?q={key}'\nrows = 'tr'\nreference_column = 'r'\n"
     "columns = { r = 'td' }", "needs key_column or match"),
    # exactly once by default: a form with no lookup is refused, with the ways out named
    ("[forms.f]\nurl = '/f'\nready = 'form'\nsubmit = '#s'\n"
     "outcome = { confirmed = '#ok', reference = { selector = '#ok' } }\n"
     "fields = [{ name = 'a', selector = '#a' }]", "has no lookup.*keyed twice.*idempotent"),
    ("[forms.f]\nurl = '/f'\nready = 'form'\nsubmit = '#s'\nlookup = 'nope'\n"
     "outcome = { confirmed = '#ok', reference = { selector = '#ok' } }\n"
     "fields = [{ name = 'a', selector = '#a' }]", "lookup 'nope' is not a search"),
    ("[forms.f]\nurl = '/f'\nready = 'form'\nsubmit = '#s'\nidempotent = true\n"
     "outcome = { confirmed = '#ok', reference = { selector = '#ok' } }\n"
     "fields = [{ name = 'a', selector = '#a' }]", "needs outcome.duplicate"),
    ("[searches.s]\nurl = '/f?q={key}'\nrows = 'tr'\nkey_column = 'k'\nreference_column = 'r'\n"
     "columns = { k = 'td' }", "column 'r' is not among"),
    ("[forms.f]\nurl = '/f'\nframes = [{ name = 'x' }]\nready = 'form'\nsubmit = '#s'\n"
     "outcome = { confirmed = '#ok', reference = { selector = '#ok' } }\n"
     "on_unknown = 'review'\nfields = [{ name = 'a', selector = '#a' }]", "needs the host page"),
    ("[forms.f]\nurl = '/f'\nready = 'form'\nsubmit = '#s'\n"
     "outcome = { confirmed = '#ok', reference = { selector = '#ok', pattern = '(' } }\n"
     "on_unknown = 'review'\nfields = [{ name = 'a', selector = '#a' }]", "not a valid regular expression"),
    ("[forms.f]\nurl = '/f/{0}'\nready = 'form'\nsubmit = '#s'\n"
     "outcome = { confirmed = '#ok', reference = { selector = '#ok' } }\n"
     "on_unknown = 'review'\nfields = [{ name = 'a', selector = '#a' }]", "plain names"),
])
def test_bad_maps_are_refused_with_the_place_named(tmp_path: Path, extra: str,
                                                   problem: str) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(MINIMAL + "\n" + extra)
    with pytest.raises(MapError, match=problem) as caught:
        load_map(path)
    assert "bad.toml" in str(caught.value)


def test_an_unknown_map_name_lists_the_known_ones() -> None:
    with pytest.raises(MapError, match="known: .*demo"):
        load_map("nowhere")


def _field(**kwargs: object) -> FieldMap:
    return FieldMap.model_validate({"name": "f", "selector": "#f", **kwargs})


@pytest.mark.parametrize(("spec", "raw", "expected"), [
    ({"kind": "date", "format": "%d/%m/%Y"}, "2026-02-03", "03/02/2026"),
    ({"kind": "date", "format": "%m/%d/%Y"}, date(2026, 2, 3), "02/03/2026"),
    ({"kind": "amount", "decimal_separator": ","}, "1234.5", "1234,50"),
    ({"kind": "amount", "decimal_separator": ",", "thousands_separator": "."},
     Decimal("-1234567.89"), "-1.234.567,89"),
    ({"kind": "amount", "thousands_separator": ",", "places": 0}, "1234", "1,234"),
    ({"kind": "checkbox"}, "yes", True),
    ({"kind": "checkbox"}, False, False),
    ({"kind": "select", "values": {"B": "big"}}, "B", "big"),
    ({"kind": "text"}, "  padded ", "padded"),
    ({"kind": "textarea"}, " keep\n", " keep\n"),
])
def test_values_are_written_the_portals_way(spec: dict[str, object], raw: object,
                                            expected: object) -> None:
    assert render(_field(**spec), {"f": raw}).value == expected


def test_money_is_never_float_and_never_silently_rounded() -> None:
    with pytest.raises(TypeError, match="never float"):
        render(_field(kind="amount"), {"f": 12.5})
    with pytest.raises(RecordInvalid, match="more than 2 decimals"):
        render(_field(kind="amount"), {"f": "12.345"})
    with pytest.raises(RecordInvalid, match="not an amount"):
        render(_field(kind="amount"), {"f": "twelve"})


def test_required_values_and_url_templates() -> None:
    with pytest.raises(RecordInvalid, match="the record has no f"):
        render(_field(required=True), {"f": " "})
    assert render(_field(kind=FieldKind.CHECKBOX), {}).value is False
    assert fill_template("/inv/{invoice_id}?q={key}", {"invoice_id": "A/1", "key": "x y"}) == \
        "/inv/A%2F1?q=x%20y"
    with pytest.raises(RecordInvalid, match="invoice_id"):
        fill_template("/inv/{invoice_id}", {})


def test_a_whole_demo_sale_renders_in_map_order() -> None:
    sale = {"external_id": "SO1", "sale_date": "2026-02-14", "product": "FIB-300",
            "quantity": 2, "amount": "99.9", "currency": "EUR", "customer_name": "Ana",
            "customer_tax_id": "1X", "payment_method": "card", "channel": "web",
            "seller": "a", "validator": "b", "consent": True, "notes": ""}
    fields = render_form(load_map("demo").form("sale"), sale)
    assert [(f.name, f.value) for f in fields][:5] == [
        ("external_id", "SO1"), ("sale_date", "14/02/2026"), ("product", "FIB-300"),
        ("quantity", "2"), ("amount", "99,90")]


def test_maps_are_plain_data_that_round_trip() -> None:
    text = (Path(connectors.portal.__file__).parent.parent / "portal_maps" / "demo.toml").read_text()
    assert PortalMap.model_validate(tomllib.loads(text)) == load_map("demo")


def test_every_key_of_the_map_format_is_documented() -> None:
    from bots.browser import FrameRef
    from connectors.portal import map as maps
    from tests.helpers import ROOT

    doc = (ROOT / "docs" / "portal-maps.md").read_text(encoding="utf-8")
    models = (maps.PortalMap, maps.LoginMap, maps.Detect, maps.FormMap, maps.ConfirmMap,
              maps.OutcomeMap, maps.ReferenceMap, maps.FieldErrorsMap, maps.FieldMap,
              maps.SearchMap, maps.ColumnCheck, FrameRef)
    undocumented = [f"{model.__name__}.{name}" for model in models for name in model.model_fields
                    if not any(sign in doc for sign in (f"`{name}`", f"{name} =", f"[{name}",
                                                        f".{name}]"))]
    assert undocumented == []
