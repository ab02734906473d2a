"""Launch options and dialog policies: known answers, no browser needed."""

from __future__ import annotations

from pathlib import Path

import pytest

import bots.browser
from bots.browser import BrowserUnavailable, DialogPolicy, DialogRule, DialogType, LaunchOptions
from bots.settings import BrowserSettings


def test_the_public_face_is_pinned() -> None:
    assert sorted(bots.browser.__all__) == [
        "ArtifactSink", "BrowserError", "BrowserPool", "BrowserUnavailable", "DialogLog",
        "DialogPolicy", "DialogRecord", "DialogRule", "DialogType", "Evidence", "FetchResult",
        "FillField", "FillProblem", "FillResult", "FormParam", "FormShape", "FrameRef", "Lane",
        "LaunchOptions", "ListSpec", "PageGone", "PageState", "PageTimeout", "Probe",
        "TableSpec"]


def test_options_come_from_settings_and_use_the_system_chromium() -> None:
    settings = BrowserSettings(headless=False, slow_mo_ms=250, contexts=2)
    options = LaunchOptions.from_settings(settings)
    kwargs = options.launch_kwargs()
    assert kwargs["executable_path"] == "/usr/bin/chromium"
    assert kwargs["headless"] is False and kwargs["slow_mo"] == 250
    assert "--no-sandbox" in kwargs["args"] and "--disable-sync" in kwargs["args"]
    assert not options.minimize  # a person watching a headed browser sees its windows


def test_a_missing_browser_is_refused_not_downloaded(tmp_path: Path) -> None:
    options = LaunchOptions(executable_path=tmp_path / "no-chromium")
    with pytest.raises(BrowserUnavailable, match="never downloads"):
        options.launch_kwargs()


def test_feature_switches_are_merged_not_overridden() -> None:
    args = LaunchOptions(args=("--disable-features=Foo", "--blink-settings=a=1"),
                         block_resources=frozenset({"image", "font"})).launch_kwargs()["args"]
    features = [a for a in args if a.startswith("--disable-features=")]
    assert len(features) == 1  # Chromium keeps only the last one
    listed = features[0].split("=", 1)[1].split(",")
    assert {"Foo", "PaintHolding", "WebUIOmniboxPopup"} <= set(listed)
    blink = [a for a in args if a.startswith("--blink-settings=")]
    assert blink == ["--blink-settings=primaryHoverType=2,availableHoverTypes=2,"
                     "primaryPointerType=4,availablePointerTypes=4,imagesEnabled=false,a=1"]
    assert "--disable-remote-fonts" in args


def test_unknown_resource_types_are_refused() -> None:
    with pytest.raises(ValueError, match="stylesheet"):
        LaunchOptions(block_resources=frozenset({"stylesheet"}))


def test_dialog_rules_first_match_wins_and_validate_their_regex() -> None:
    policy = DialogPolicy((DialogRule(True, DialogType.CONFIRM, "^Save"),
                           DialogRule(False, None, "delete")))
    assert policy.decide("confirm", "Save this sale?").accept is True
    assert policy.decide("confirm", "Really delete?").accept is False
    assert policy.decide("alert", "Saved") is None
    with pytest.raises(Exception, match="unterminated"):
        DialogRule(True, message="(")
    with pytest.raises(ValueError, match="prompt"):
        DialogRule(True, DialogType.CONFIRM, prompt_text="x")
