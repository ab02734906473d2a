"""The names recipe authors import are a promise: changing them is a decision.

Four public faces, named in the README: `bots` (the runtime), `connectors.portal` (portal
maps and keying), `connectors.sheets` (reading and writing sheets) and `bots.browser`
(custom browser work). Each is pinned here, and each of its classes and functions says
what it is for.
"""

from __future__ import annotations

import dataclasses
import inspect
from types import ModuleType

import pytest

import bots
import bots.browser
import connectors.portal
import connectors.sheets
from tests.helpers import ROOT

FACES: dict[ModuleType, set[str]] = {
    bots: {
        "REJECTED", "TO_REVIEW", "ApplicationError", "BusinessError", "Clock", "FateUnknown",
        "FrozenClock", "Handler", "InputError", "ItemState", "Outage", "Outcome",
        "ParameterError", "Priority", "Queue", "RecipeSpec", "RetryPolicy", "RpaError", "Run",
        "RunResult", "RunState", "RunTimeout", "Settings", "SystemClock", "Trigger", "WorkItem",
        "WorkQueue", "WorkReport", "execute", "get_settings", "recipe",
    },
    connectors.portal: {
        "AuditHook", "ColumnCheck", "Credentials", "FieldKind", "FieldMap", "FormMap", "Found",
        "KeyMode", "Keyed", "KeyingOptions", "LoginMap", "LoginRefused", "MapError",
        "MapMismatch", "OutcomeMap", "Portal", "PortalKeyer", "PortalMap", "PortalRejected",
        "PortalSession", "PortalUnavailable", "RecordInvalid", "SearchMap", "SessionLost",
        "key_records", "load_map", "open_portal", "run_audit",
    },
    connectors.sheets: {
        "CellKind", "Column", "ColumnMap", "ColumnType", "DroppedRow", "LoadedSheet",
        "NumberStyle", "ReportWorkbook", "RowProblem", "RowReader", "Rows", "SchemaError",
        "SheetSchema", "TableColumn", "ValidRow", "csv_safe", "find_header", "load_sheet",
        "normalize_header", "read_rows", "runs_as_formula", "set_text", "write_csv",
        "write_exceptions",
    },
    bots.browser: {
        "ArtifactSink", "BrowserError", "BrowserPool", "BrowserUnavailable", "DialogLog",
        "DialogPolicy", "DialogRecord", "DialogRule", "DialogType", "Evidence", "FetchResult",
        "FillField", "FillProblem", "FillResult", "FormParam", "FormShape", "FrameRef", "Lane",
        "LaunchOptions", "ListSpec", "PageGone", "PageState", "PageTimeout", "Probe", "TableSpec",
    },
}


@pytest.mark.parametrize("module", list(FACES), ids=lambda m: m.__name__)
def test_public_names_are_pinned(module: ModuleType) -> None:
    assert set(module.__all__) == FACES[module]
    for name in FACES[module]:
        assert hasattr(module, name), name


def _own_doc(obj: object) -> str | None:
    """The object's own docstring: not one inherited (`inspect.getdoc` would give a pydantic
    model BaseModel's), nor the signature dataclasses write when a class has none."""
    doc = vars(obj).get("__doc__") if inspect.isclass(obj) else getattr(obj, "__doc__", None)
    if inspect.isclass(obj) and dataclasses.is_dataclass(obj) and (doc or "").startswith(
            f"{obj.__name__}("):
        return None
    return None if doc in (None, "", "An enumeration.") else doc


@pytest.mark.parametrize("module", list(FACES), ids=lambda m: m.__name__)
def test_every_public_class_and_function_says_what_it_is_for(module: ModuleType) -> None:
    assert module.__doc__ and len(module.__doc__) > 80
    undocumented = [name for name in module.__all__
                    if (inspect.isclass(obj := getattr(module, name)) or inspect.isfunction(obj))
                    and not _own_doc(obj)]
    assert undocumented == []


def test_the_readme_names_the_public_faces() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for module in FACES:
        assert f"`{module.__name__}`" in readme, module.__name__
