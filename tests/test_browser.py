"""The built sample in a real browser: Debian's chromium, driven by Playwright, on 127.0.0.1."""

from __future__ import annotations

import functools
import os
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

import pytest
from conftest import CHROMIUM, CHROMIUM_ARGS, browser_missing, copy_project

from digest.build import build_site

pytestmark = pytest.mark.browser

class Quiet(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    missing = browser_missing()
    if missing:
        if os.environ.get("CI") == "true":
            pytest.fail(f"browser tests must run in CI: {missing}")
        pytest.skip(missing)
    project = copy_project(tmp_path_factory.mktemp("browser") / "project")
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(
        Quiet, directory=str(project / "site")))
    base = f"http://127.0.0.1:{httpd.server_address[1]}/"
    build_site(project, base_url=base)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield base
    httpd.shutdown()
    httpd.server_close()


def test_home_and_day_pages_in_chromium(server: str) -> None:
    from playwright.sync_api import sync_playwright

    errors: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: errors.append(str(e)))

            page.goto(server)
            assert page.locator("h1").first.inner_text().startswith("Day 644")
            assert page.get_by_role("heading", name="Key events").count() == 1
            assert page.locator("link[rel=stylesheet]").count() == 1
            # The stylesheet loaded: the key events box has its background.
            assert page.locator(".key-events").evaluate(
                "e => getComputedStyle(e).backgroundColor") != "rgba(0, 0, 0, 0)"

            page.goto(server + "day/2023-11-29/")
            assert page.title().startswith("Day 644 · Wednesday 29 November 2023")
            headings = page.locator("section.theme > h2").all_inner_texts()
            assert {"Fighting", "Air war", "Diplomacy and politics"} <= set(headings)
            assert page.locator(".key-events li").count() >= 5

            page.get_by_role("link", name="Previous day").first.click()
            page.wait_for_url("**/day/2023-09-28/")
            assert "Day 582 · Thursday 28 September 2023" in page.locator("h1").inner_text()
            page.locator("details summary").first.click()  # another outlet's version opens
            assert page.locator("details[open] .version").first.is_visible()
            # A key event's link leads to its story on the page.
            page.locator(".key-events a").first.click()
            assert page.url.split("#")[1].startswith("s-")
        finally:
            browser.close()
    assert errors == []
