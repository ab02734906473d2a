"""`runner.py map draft`: a first portal map written from the live pages, headless.

What the pages show is drafted; what a person must decide is marked `# review`:

- the login form (the page's form with a password input), with a detector by form and URL;
  with credentials in the settings the draft logs in and goes on;
- the entry form: the form with the most fields on the page (or in one of its frames: the
  page becomes the host and the path down the frames is written), each input with a stable
  selector (a unique id, else its name, else a class, else a path), its kind (select,
  radio, checkbox, textarea; dates and amounts guessed from names, labels and
  placeholders), a select's options, the submit button;
- the dialog the submit raises: clicked once with the dialog dismissed, so nothing is saved;
- with `sample` (a record to key for real, as a person would key a first test record): the
  outcome, from the page the save shows (where the reference is and what it looks like);
- with `search` (a path with {key}): the lookup, from the results page for the sample's key
  (the row, its columns by header, which one shows the key and which the reference).
"""

from __future__ import annotations

import asyncio
import json
import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urlsplit

from playwright.async_api import Frame

from bots.browser import DialogRule, DialogType, Lane, dom
from bots.browser.errors import translated
from connectors.portal import draft_js
from connectors.portal.map import FieldKind, FieldMap, LoginMap, PortalMap
from connectors.portal.session import Credentials, PortalSession
from connectors.portal.values import render

DATE_WORDS = re.compile(r"date|fecha|\bfec\b|datum|\bdata\b|\bdia\b|\bday\b", re.I)
AMOUNT_WORDS = re.compile(r"amount|importe|\bimp\b|total|price|precio|betrag|montant|valor",
                          re.I)
DATE_HINT = re.compile(r"(dd|mm|aaaa|yyyy|jjjj|tt)([./-])(dd|mm|aaaa|yyyy|jjjj|tt)\2"
                       r"(dd|mm|aaaa|yyyy|jjjj|tt)", re.I)
POINT_LANGS = ("en", "zh", "ja", "ko", "he", "th")


@dataclass
class DraftForm:
    frame: Frame
    host: str | None
    frames: list[dict[str, str]]
    url: str
    info: dict[str, Any]
    dialog: tuple[str, str] | None = None  # (type, message) seen on submit


@dataclass
class Draft:
    """The draft's parts, written as TOML by `to_toml`."""

    name: str
    home: str
    login: dict[str, Any] | None = None
    form: DraftForm | None = None
    fields: list[dict[str, Any]] = field(default_factory=list)
    submit: dict[str, Any] | None = None
    outcome: dict[str, Any] | None = None
    search: dict[str, Any] | None = None
    notes: list[str] = field(default_factory=list)


def _escape(text: str) -> str:
    """A literal as a regex, escaping only what a regex would read (re.escape escapes
    spaces and dashes too, which is right but hard to review)."""
    return re.sub(r"([.^$*+?()\[\]{}|\\])", r"\\\1", text)


def _path(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def _ident(text: str) -> str:
    out = re.sub(r"\W+", "_", text.strip().lower()).strip("_")
    return out if out and not out[0].isdigit() else f"f_{out}"


def _date_format(text: str) -> str | None:
    match = DATE_HINT.search(text)
    if not match:
        return None
    codes = {"dd": "%d", "tt": "%d", "mm": "%m", "yyyy": "%Y", "aaaa": "%Y", "jjjj": "%Y"}
    sep = match.group(2)
    return sep.join(codes[match.group(i).lower()] for i in (1, 3, 4))


def guess_field(raw: dict[str, Any], lang: str) -> dict[str, Any]:
    """A field of the map from what the page shows of an input."""
    out: dict[str, Any] = {"name": _ident(raw["name"]), "selector": raw["selector"],
                           "label": raw["label"]}
    words = f"{raw['name']} {raw['id']} {raw['label']}"
    hint = f"{raw['label']} {raw['placeholder']}"
    if raw["tag"] == "select":
        out["kind"] = "select"
    elif raw["tag"] == "textarea":
        out["kind"] = "textarea"
    elif raw["type"] in ("checkbox", "radio"):
        out["kind"] = raw["type"]
    elif raw["type"] == "date":
        out.update(kind="date", format="%Y-%m-%d")
    elif DATE_WORDS.search(words) or _date_format(hint):
        out.update(kind="date", format=_date_format(hint) or "%d/%m/%Y", review="the date format")
    elif AMOUNT_WORDS.search(words):
        comma = not lang.lower().startswith(POINT_LANGS)
        out.update(kind="amount", decimal_separator="," if comma else ".",
                   review="the decimal and thousands separators")
    else:
        out["kind"] = "text"
    if raw["required"]:
        out["required"] = True
    if raw.get("options"):
        out["options"] = raw["options"]
    return out


async def _inventory(frame: Frame) -> list[dict[str, Any]]:
    with translated(f"reading the forms of {frame.url}"):
        return list(await frame.evaluate(draft_js.INVENTORY))


def _frame_path(frame: Frame) -> list[dict[str, str]]:
    steps = []
    current: Frame | None = frame
    while current is not None and current.parent_frame is not None:
        steps.insert(0, {"name": current.name} if current.name
                     else {"url": _escape(urlsplit(current.url).path) + "(\\?|$)"})
        current = current.parent_frame
    return steps


async def _find_login(lane: Lane, draft: Draft) -> None:
    page = lane.page
    for form in await _inventory(page.main_frame):
        if not form["password"]:
            continue
        texts = [f for f in form["fields"] if f["type"] in ("text", "email", "")]
        password = next(f for f in form["fields"] if f["type"] == "password")
        submit = form["buttons"][0]["selector"] if form["buttons"] else None
        path = urlsplit(page.url).path
        draft.login = {"url": path, "username": texts[-1]["selector"] if texts else "",
                       "password": password["selector"], "submit": submit or "",
                       "detect": {"selector": form["selector"],
                                  "url": _escape(path) + "(\\?|$)"}}
        return


async def _login(lane: Lane, draft: Draft, base_url: str, credentials: Credentials) -> None:
    assert draft.login is not None
    login = LoginMap.model_validate(draft.login)
    session = PortalSession(lane, PortalMap(name=draft.name, login=login), base_url, credentials)
    await session.login()


async def _find_form(lane: Lane, draft: Draft) -> None:
    page, best = lane.page, None
    for frame in page.frames:
        for form in await _inventory(frame):
            if form["password"] or not form["fields"]:
                continue
            if best is None or len(form["fields"]) > len(best[1]["fields"]):
                best = (frame, form)
    if best is None:
        draft.notes.append(f"no form with fields on {page.url} or its frames")
        return
    frame, form = best
    nested = frame is not page.main_frame
    draft.form = DraftForm(frame, _path(page.url) if nested else None,
                           _frame_path(frame) if nested else [], _path(frame.url), form)
    lang = form.get("lang") or ""
    draft.fields = [guess_field(f, lang) for f in form["fields"]]
    buttons = form["buttons"]
    submit = next((b for b in buttons if b["type"] == "submit"), buttons[0] if buttons else None)
    draft.submit = submit
    scripted = form["onsubmit"] + (submit["onclick"] if submit else "")
    if submit and re.search(r"\b(confirm|alert|prompt)\s*\(", scripted):
        draft.form.dialog = await _dialog_of(lane, frame, submit["selector"])


async def _dialog_of(lane: Lane, frame: Frame, submit: str) -> tuple[str, str] | None:
    """Click the submit once with the lane's policy dismissing every dialog: the dialog is
    seen, and dismissing it cancels the save."""
    seen = len(lane.dialogs.records)
    with translated(f"clicking {submit}"):
        await frame.evaluate("(s) => { document.querySelector(s).click(); }", submit)
    for _ in range(40):
        if len(lane.dialogs.records) > seen:
            record = lane.dialogs.records[-1]
            return str(record.type), record.message
        await asyncio.sleep(0.05)
    return None


async def _key_sample(lane: Lane, draft: Draft, sample: dict[str, Any]) -> None:
    form = draft.form
    assert form is not None and draft.submit is not None
    if form.dialog is not None:
        rule = DialogRule(accept=True, type=DialogType(form.dialog[0]),
                          message="^" + _escape(form.dialog[1][:30]))
        lane.dialogs.policy = lane.dialogs.policy.extended(rule)
    fields = [render(FieldMap(name=f["name"], selector=f["selector"], kind=FieldKind(f["kind"]),
                              format=f.get("format", "%d/%m/%Y"),
                              decimal_separator=f.get("decimal_separator", ".")), sample)
              for f in draft.fields]
    navigation = dom.arm_navigation(form.frame, lane.options.timeout_ms)
    filled = await dom.fill(form.frame, fields, ready=form.info["selector"],
                            submit=draft.submit["selector"])
    if filled.problems:
        raise ValueError(f"the sample does not fit the form: {filled.problems}")
    with translated("saving the sample"):
        await navigation
        await form.frame.wait_for_load_state("domcontentloaded")
    known = [str(v) for v in sample.values() if v not in (None, "")]
    found = await form.frame.evaluate(draft_js.REFERENCE, {"known": known})
    if found is None:
        draft.notes.append("no reference seen after saving the sample: write the outcome")
        return
    pattern = re.sub(r"\d+", lambda m: f"\\d{{{len(m.group())}}}", _escape(found["token"]))
    draft.outcome = {"confirmed": found["confirmed"], "token": found["token"],
                     "reference": {"selector": found["reference"], "pattern": pattern}}


async def _draft_search(lane: Lane, draft: Draft, base_url: str, template: str,
                        key: str) -> None:
    page = lane.page
    url = f"{base_url}/{template.replace('{key}', quote(key, safe='')).lstrip('/')}"
    with translated(f"opening {url}"):
        await page.goto(url, wait_until="domcontentloaded")
    found = await page.main_frame.evaluate(draft_js.RESULTS, {"key": key})
    if found is None:
        draft.notes.append(f"the search {template} shows no row with {key!r}")
        return
    columns = {}
    key_column = reference_column = None
    token = (draft.outcome or {}).get("token")
    for column in found["columns"]:
        name = _ident(column["title"])
        columns[name] = column["selector"]
        if column["text"] == key and key_column is None:
            key_column = name
        if token and token in column["text"] and reference_column is None:
            reference_column = name
    draft.search = {"url": template, "rows": found["rows"], "columns": columns,
                    "key_column": key_column or "", "reference_column": reference_column or "",
                    "reference_pattern": (draft.outcome or {}).get("reference", {}).get("pattern")}


async def draft_portal(lane: Lane, base_url: str, *, start: str = "/", form: str | None = None,
                       credentials: Credentials | None = None,
                       sample: dict[str, Any] | None = None, search: str | None = None,
                       sample_key: str | None = None, name: str = "drafted") -> Draft:
    """Walk the portal as described in the module's docstring."""
    base_url = base_url.rstrip("/")
    page = lane.page
    draft = Draft(name=name, home=form or start)
    with translated(f"opening {start}"):
        await page.goto(f"{base_url}/{start.lstrip('/')}", wait_until="load")
    await _find_login(lane, draft)
    if draft.login is not None and credentials is not None:
        await _login(lane, draft, base_url, credentials)
    if form is not None:
        with translated(f"opening {form}"):
            await page.goto(f"{base_url}/{form.lstrip('/')}", wait_until="load")
    await _find_form(lane, draft)
    if sample is not None and draft.form is not None:
        await _key_sample(lane, draft, sample)
        if search is not None and sample_key:
            await _draft_search(lane, draft, base_url, search, sample_key)
    return draft


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list):
        return "[" + ", ".join(_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{k} = {_value(v)}" for k, v in value.items()) + " }"
    raise TypeError(f"cannot write {value!r} in TOML")


def to_toml(draft: Draft, form_name: str = "entry", search_name: str = "entry") -> str:
    """The draft as a map file; `# review` marks what a person must decide."""
    out = ["# Drafted by `runner.py map draft`: review every line marked `# review`.",
           f"name = {_value(draft.name)}", f"home = {_value(draft.home)}", ""]
    for note in draft.notes:
        out.insert(1, f"# note: {note}")
    if draft.login:
        out += ["[login]"] + [f"{k} = {_value(v)}" for k, v in draft.login.items()]
        out += ["# error = \"...\"                 # review: what shows refused credentials", ""]
    form = draft.form
    if form is None:
        return "\n".join(out) + "\n"
    out.append(f"[forms.{form_name}]")
    if form.host:
        out += [f"host = {_value(form.host)}", f"frames = {_value(form.frames)}"]
    out += [f"url = {_value(form.url)}", f"ready = {_value(form.info['selector'])}",
            f"submit = {_value((draft.submit or {}).get('selector', ''))}"]
    if form.dialog:
        message = "^" + _escape(form.dialog[1][:30])
        out.append(f"dialog = {_value({'type': form.dialog[0], 'message': message, 'accept': True})}")
    if draft.search:
        out.append(f"lookup = {_value(search_name)}")
    else:
        out.append("# lookup = \"...\"                # review: a search that finds a saved record")
    out += ["", f"[forms.{form_name}.outcome]"]
    if draft.outcome:
        out += [f"confirmed = {_value(draft.outcome['confirmed'])}",
                f"reference = {_value(draft.outcome['reference'])}"]
    else:
        out += ["confirmed = \"\"                   # review: shown when the record is saved",
                "reference = { selector = \"\" }    # review: where the reference is"]
    out.append("# rejected = \"...\"              # review: the validation error box")
    for f in draft.fields:
        out += ["", f"[[forms.{form_name}.fields]]",
                f"name = {_value(f['name'])}                # review: label {f['label']!r}",
                f"selector = {_value(f['selector'])}", f"kind = {_value(f['kind'])}"]
        for key in ("format", "decimal_separator", "required"):
            if key in f:
                out.append(f"{key} = {_value(f[key])}" + (f"  # review: {f['review']}"
                                                           if key != "required" and "review" in f else ""))
        if f.get("options"):
            shown = ", ".join(f"{v}={label}" for v, label in f["options"][:8])
            out.append(f"# options: {shown}")
    if draft.search:
        search = draft.search
        out += ["", f"[searches.{search_name}]", f"url = {_value(search['url'])}",
                f"rows = {_value(search['rows'])}",
                f"key_column = {_value(search['key_column'])}",
                f"reference_column = {_value(search['reference_column'])}"]
        if search.get("reference_pattern"):
            out.append(f"reference_pattern = {_value(search['reference_pattern'])}")
        out += ["", f"[searches.{search_name}.columns]"]
        out += [f"{k} = {_value(v)}" for k, v in search["columns"].items()]
    return "\n".join(out) + "\n"
