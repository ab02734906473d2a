"""Turning a record's values into what a form field takes: dates and amounts written the
portal's way, booleans for checkboxes, record values translated to the portal's codes.

Money arrives as Decimal or as its exact text ("1234.50", as work-item payloads hold it);
a float is refused, and so is an amount with more decimals than the field takes (rounding
money silently is not ours to decide).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any, Protocol
from urllib.parse import quote

from bots.browser import FillField
from connectors.portal.errors import RecordInvalid
from connectors.portal.map import FieldKind, FieldMap, FormMap, placeholders


class ValueFormat(Protocol):
    """What `render_value` needs to know: a FieldMap or a ColumnCheck."""

    @property
    def name(self) -> str: ...
    @property
    def format(self) -> str: ...
    @property
    def decimal_separator(self) -> str: ...
    @property
    def thousands_separator(self) -> str: ...
    @property
    def places(self) -> int: ...
    @property
    def values(self) -> dict[str, str]: ...


_TRUE = frozenset({"true", "yes", "y", "1", "on", "si", "sí"})
_FALSE = frozenset({"false", "no", "n", "0", "off", ""})


def _date(field: ValueFormat, raw: Any) -> str:
    if isinstance(raw, datetime):
        raw = raw.date()
    if isinstance(raw, str):
        try:
            raw = date.fromisoformat(raw)
        except ValueError:
            raise RecordInvalid(f"{field.name}: {raw!r} is not an ISO date", field=field.name) from None
    if not isinstance(raw, date):
        raise RecordInvalid(f"{field.name}: expected a date, got {type(raw).__name__}", field=field.name)
    return raw.strftime(field.format)


def _amount(field: ValueFormat, raw: Any) -> str:
    if isinstance(raw, float):
        raise TypeError(f"{field.name}: money must be Decimal or text, never float ({raw!r})")
    try:
        value = raw if isinstance(raw, Decimal) else Decimal(str(raw).strip())
    except InvalidOperation:
        raise RecordInvalid(f"{field.name}: {raw!r} is not an amount", field=field.name) from None
    if not value.is_finite():
        raise RecordInvalid(f"{field.name}: {raw!r} is not an amount", field=field.name)
    step = Decimal(1).scaleb(-field.places)
    if value != value.quantize(step):
        raise RecordInvalid(f"{field.name}: {value} has more than {field.places} decimals",
                            field=field.name)
    return format_amount(value.quantize(step), field)


def format_amount(value: Decimal, field: ValueFormat) -> str:
    text = f"{abs(value):,.{field.places}f}"  # 1,234.50
    whole, _, cents = text.partition(".")
    whole = whole.replace(",", field.thousands_separator)
    out = f"{whole}{field.decimal_separator}{cents}" if field.places else whole
    return f"-{out}" if value < 0 else out


def _boolean(field: ValueFormat, raw: Any) -> bool:
    if isinstance(raw, bool):
        return raw
    text = str(raw).strip().lower()
    if text in _TRUE or text in _FALSE:
        return text in _TRUE
    raise RecordInvalid(f"{field.name}: {raw!r} is not yes or no", field=field.name)


def render_value(kind: FieldKind, spec: ValueFormat, raw: Any) -> str | bool:
    """`raw` written the way the portal writes a value of this kind."""
    if kind is FieldKind.DATE:
        return _date(spec, raw)
    if kind is FieldKind.AMOUNT:
        return _amount(spec, raw)
    if kind is FieldKind.CHECKBOX:
        return _boolean(spec, raw)
    text = str(raw) if kind is FieldKind.TEXTAREA else str(raw).strip()
    return spec.values.get(text, text) if spec.values else text


def render(field: FieldMap, record: Mapping[str, Any]) -> FillField:
    """The value to put in `field` for `record`."""
    raw = record.get(field.attribute)
    kind = "text" if field.kind in (FieldKind.DATE, FieldKind.AMOUNT) else field.kind.value
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        if field.required:
            raise RecordInvalid(f"{field.name}: the record has no {field.attribute}", field=field.name)
        empty: str | bool = False if field.kind is FieldKind.CHECKBOX else ""
        return FillField(field.name, field.selector, kind, empty, field.by)  # type: ignore[arg-type]
    value = render_value(field.kind, field, raw)
    return FillField(field.name, field.selector, kind, value, field.by)  # type: ignore[arg-type]


def render_form(form: FormMap, record: Mapping[str, Any]) -> list[FillField]:
    return [render(field, record) for field in form.fields]


def fill_template(template: str, values: Mapping[str, Any]) -> str:
    """A path template with every {name} replaced by the URL-quoted value."""
    names = placeholders(template)
    missing = sorted(n for n in names if values.get(n) in (None, ""))
    if missing:
        raise RecordInvalid(f"{template!r} needs {', '.join(missing)}, which the record lacks")
    return template.format(**{n: quote(str(values[n]), safe="") for n in names})
