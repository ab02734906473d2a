"""How the one Chromium is launched: the system's executable, never a downloaded one."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bots.browser.errors import BrowserUnavailable
from bots.settings import BrowserSettings

# Resource types that can be blocked, and how. Images and web fonts are switched off
# inside Chromium (no request is even made, nothing to intercept); media, which has no
# such switch, is refused by URL pattern through a route, which makes Playwright pause
# every request of the context at the driver, so it costs a little on each request.
BLOCKABLE: dict[str, tuple[str, ...]] = {
    "image": (),
    "font": (),
    "media": ("**/*.{mp4,webm,ogg,ogv,mp3,wav,m4a,avi,mov}", "**/*.{mp4,webm,ogg,ogv,mp3,wav,m4a,avi,mov}?*"),
}

# Chromium's new headless mode is the whole browser: every window (one per context)
# preloads the omnibox popup's WebUI in a renderer of its own, which on a 2-core machine
# burns about a tenth of a core per context while idle. Nobody types in an omnibox here.
QUIET_FEATURES = ("WebUIOmniboxPopup", "WebUIOmniboxAimPopup", "WebUIOmniboxFullPopup",
                  "PreloadTopChromeWebUI")
# The last --disable-features on a command line wins, so ours must repeat the list that
# Playwright (1.65, chromiumSwitches.ts) passes, or those features would come back on.
PLAYWRIGHT_DISABLED_FEATURES = (
    "AvoidUnnecessaryBeforeUnloadCheckSync", "DestroyProfileOnBrowserClose", "HttpsUpgrades",
    "HttpsFirstBalancedModeAutoEnable", "LensOverlay", "MediaRouter", "PaintHolding",
    "ThirdPartyStoragePartitioning", "AvoidCorsURLLoaderRestartOnRedirect",
    "TcpPortRandomizationWin", "OptimizationHints", "NetworkTimeServiceQuerying", "AimEnabled",
    "PreconnectToSearch")
# Likewise for --blink-settings: these are the values Playwright sets in headless mode.
PLAYWRIGHT_HEADLESS_BLINK = ("primaryHoverType=2", "availableHoverTypes=2",
                             "primaryPointerType=4", "availablePointerTypes=4")


def _merged(args: list[str], switch: str, values: list[str]) -> list[str]:
    """`args` with every `switch=` folded into one switch holding `values` and theirs."""
    prefix = f"{switch}="
    for arg in args:
        if arg.startswith(prefix):
            values.extend(v for v in arg[len(prefix):].split(",") if v and v not in values)
    rest = [arg for arg in args if not arg.startswith(prefix)]
    return [*rest, prefix + ",".join(values)] if values else rest


_DEFAULTS = BrowserSettings()


@dataclass(frozen=True)
class LaunchOptions:
    """How to launch; the defaults are the settings' defaults (`LaunchOptions()` in a
    test behaves like a bot with an empty configuration)."""

    executable_path: Path = _DEFAULTS.executable_path
    headless: bool = _DEFAULTS.headless
    slow_mo_ms: int = _DEFAULTS.slow_mo_ms
    timeout_ms: int = _DEFAULTS.timeout_ms
    args: tuple[str, ...] = tuple(_DEFAULTS.args)
    block_resources: frozenset[str] = frozenset(_DEFAULTS.block_resources)
    trace: bool = False
    minimize_windows: bool = True  # headless only: see Lane (a third less CPU per item)

    def __post_init__(self) -> None:
        unknown = sorted(set(self.block_resources) - set(BLOCKABLE))
        if unknown:
            raise ValueError(f"cannot block resource type(s) {unknown}; known: {sorted(BLOCKABLE)}")
        if self.timeout_ms <= 0 or self.slow_mo_ms < 0:
            raise ValueError("timeout_ms must be positive and slow_mo_ms not negative")

    @classmethod
    def from_settings(cls, settings: BrowserSettings) -> LaunchOptions:
        return cls(executable_path=settings.executable_path, headless=settings.headless,
                   slow_mo_ms=settings.slow_mo_ms, timeout_ms=settings.timeout_ms,
                   args=tuple(settings.args), block_resources=frozenset(settings.block_resources),
                   trace=settings.trace,
                   minimize_windows=settings.minimize_windows)

    @property
    def minimize(self) -> bool:
        return self.headless and self.minimize_windows

    def launch_kwargs(self) -> dict[str, Any]:
        path = Path(self.executable_path)
        if not path.is_file():
            raise BrowserUnavailable(
                f"no browser at {path}: install the system Chromium (apt-get install chromium)"
                " or set RPA_BROWSER__EXECUTABLE_PATH; the toolkit never downloads one")
        args = _merged(list(self.args), "--disable-features",
                       [*PLAYWRIGHT_DISABLED_FEATURES, *QUIET_FEATURES])
        blink = [*PLAYWRIGHT_HEADLESS_BLINK] if self.headless else []
        if "image" in self.block_resources:
            blink.append("imagesEnabled=false")
        if "font" in self.block_resources:
            args.append("--disable-remote-fonts")
        args = _merged(args, "--blink-settings", blink)
        return {"executable_path": str(path), "headless": self.headless,
                "slow_mo": self.slow_mo_ms or None, "args": args,
                "timeout": max(self.timeout_ms * 2, 30_000)}

    @property
    def blocked_url_globs(self) -> list[str]:
        return [pattern for kind in sorted(self.block_resources) for pattern in BLOCKABLE[kind]]
