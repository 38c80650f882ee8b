"""Live reload in a real browser: Debian's chromium, driven by Playwright, on a page served by
`digest serve` (started as in test_serve.py). Skipped when chromium or Playwright is missing,
except under CI=true, where that is a failure."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import CHROMIUM, CHROMIUM_ARGS, browser_missing
from test_serve import AFTER, BEFORE, DAY, SEED, Served, copy_project, edit

from digest import reload

pytestmark = pytest.mark.browser

@pytest.fixture
def browser_page() -> Iterator[Any]:
    missing = browser_missing()
    if missing:
        if os.environ.get("CI") == "true":
            pytest.fail(f"browser tests must run in CI: {missing}")
        pytest.skip(missing)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser.new_page()
        finally:
            browser.close()


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Served]:
    temp = tmp_path / "tmp"
    temp.mkdir()
    server = Served(copy_project(tmp_path / "project"), temp)
    yield server
    server.stop()


def test_an_open_page_reloads_itself_after_a_save(browser_page: Any, served: Served) -> None:
    page = browser_page
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(served.url.rstrip("/") + DAY, wait_until="domcontentloaded")
    assert BEFORE in page.inner_text("main")
    page.evaluate("window.beforeSave = true")  # gone once the page has reloaded
    # No need to wait for the event stream to open: it sends the current status on connect,
    # so a save that comes first still makes the page reload.

    edit(served.project / SEED, BEFORE, AFTER)

    page.locator(f"text={AFTER}").first.wait_for(timeout=5000)
    assert page.evaluate("window.beforeSave") is None
    assert page.url == served.url.rstrip("/") + DAY
    assert errors == []


def test_the_overlay_comes_and_goes_without_a_manual_reload(browser_page: Any,
                                                            served: Served) -> None:
    page = browser_page
    page.goto(served.url.rstrip("/") + DAY, wait_until="domcontentloaded")
    themes = served.project / "themes.yaml"
    good = themes.read_text(encoding="utf-8")

    themes.write_text(good + "\n  broken: [unclosed\n", encoding="utf-8")
    overlay = page.locator(f"#{reload.OVERLAY_ID}")
    overlay.wait_for(state="visible", timeout=5000)
    assert "themes.yaml:" in overlay.inner_text() and "Fix:" in overlay.inner_text()
    assert BEFORE in page.inner_text("main")  # the last good page stays under it

    themes.write_text(good, encoding="utf-8")
    overlay.wait_for(state="detached", timeout=5000)

