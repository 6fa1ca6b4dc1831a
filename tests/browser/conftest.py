"""One headless Debian Chromium per session, driven by Playwright, and a recorder per page.

The browser is Debian's /usr/bin/chromium (`make browser-deps`); Playwright never downloads
one. Every page gets a fresh context whose recorder keeps each request, console error,
uncaught exception and dialog, so a test can assert that a page stayed offline and inert.
Network requests are also aborted, so nothing a page asks for ever leaves the machine.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, Request, sync_playwright

ROOT = Path(__file__).resolve().parents[2]
PROCESSED = ROOT / "data" / "processed"
NOTEBOOK = ROOT / "notebooks" / "town_report.ipynb"
CHROMIUM = Path("/usr/bin/chromium")
# Flags this machine needs (docs of the machine kind): without the background-networking ones
# Chromium keeps trying hosts the closed network refuses. Playwright adds a fresh temporary
# --user-data-dir on every launch and removes it afterwards.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
NETWORK = re.compile(r"^(?:https?|wss?|ftp)://", re.IGNORECASE)

# Every attribute that would run code: on* handlers, and javascript: in an attribute that holds
# a URL. (A data-* attribute holding the text "javascript:" is inert and allowed.)
ACTIVE_ATTRIBUTES_JS = """() => {
  const urls = new Set(['href', 'src', 'action', 'formaction', 'xlink:href', 'poster', 'data',
                        'srcdoc', 'background']);
  const found = [];
  for (const el of document.querySelectorAll('*')) {
    for (const a of el.attributes) {
      const name = a.name.toLowerCase();
      if (name.startsWith('on') || (urls.has(name) && /^\\s*javascript:/i.test(a.value))) {
        found.push(`<${el.tagName.toLowerCase()} ${a.name}="${a.value}">`);
      }
    }
  }
  return found;
}"""


@dataclass
class Recorder:
    """What a page did while it was open."""

    page: Page
    requests: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)
    websockets: list[str] = field(default_factory=list)

    def attach(self) -> Recorder:
        self.page.on("request", lambda r: self.requests.append(r.url))
        self.page.on(
            "console",
            lambda m: self.console_errors.append(m.text) if m.type == "error" else None,
        )
        self.page.on("pageerror", lambda err: self.page_errors.append(str(err)))
        self.page.on("dialog", self._dialog)
        self.page.on("websocket", lambda ws: self.websockets.append(ws.url))
        return self

    def _dialog(self, dialog) -> None:
        self.dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    def open(self, path: Path) -> str:
        """Load a local file and wait until it and its images have loaded."""
        url = path.resolve().as_uri()
        self.page.goto(url, wait_until="load")
        return url

    def foreign_requests(self, own_url: str) -> list[str]:
        """Every request but the page itself (data: URLs never reach the request event)."""
        return [u for u in self.requests if u != own_url]

    def assert_clean(self, own_url: str) -> None:
        assert self.foreign_requests(own_url) == []
        assert self.websockets == []
        assert self.console_errors == []
        assert self.page_errors == []
        assert self.dialogs == []

    def active_attributes(self) -> list[str]:
        return self.page.evaluate(ACTIVE_ATTRIBUTES_JS)


@pytest.fixture(scope="session", autouse=True)
def chromium() -> Path:
    """Session-wide and first, so no test renders anything when there is no browser."""
    if not CHROMIUM.is_file():
        pytest.skip(f"Chromium not installed at {CHROMIUM}: run `make browser-deps`")
    return CHROMIUM


@pytest.fixture(scope="session")
def browser(chromium: Path) -> Iterator[Browser]:
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=str(chromium), args=CHROMIUM_ARGS, headless=True
        )
        yield launched
        launched.close()


def _abort(route, request: Request) -> None:
    route.abort()


@contextmanager
def open_recorder(browser: Browser) -> Iterator[Recorder]:
    """A page in a fresh browser context (own cookies and cache), closed afterwards."""
    context = browser.new_context(service_workers="block")
    context.route(NETWORK, _abort)
    try:
        yield Recorder(context.new_page()).attach()
    finally:
        context.close()


@pytest.fixture()
def recorder(browser: Browser) -> Iterator[Recorder]:
    with open_recorder(browser) as opened:
        yield opened
