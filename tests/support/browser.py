"""Headless Chromium (Debian's, through Playwright) against the app on a loopback port.

Fixtures for the browser tests; `make browser-deps` installs chromium. A test module calls
`require_browser()` at import: without Playwright or chromium it is skipped with the reason.
"""
from __future__ import annotations

import os
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from werkzeug.serving import make_server

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
# Screenshots and figures CI keeps (git-ignored).
ARTIFACTS = Path(__file__).parents[1] / "artifacts"


def require_browser():
    """The playwright.sync_api module; skips the calling test module when it cannot run."""
    sync_api = pytest.importorskip("playwright.sync_api",
                                   reason="playwright is not installed (pip install -e '.[test]')")
    if not os.access(CHROMIUM, os.X_OK):
        pytest.skip(f"{CHROMIUM} is missing: run `make browser-deps` (apt-get install chromium)",
                    allow_module_level=True)
    return sync_api


@pytest.fixture(scope="module")
def live_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def live_server(app, live_port):
    """The test app served over real HTTP; yields its base URL."""
    httpd = make_server("127.0.0.1", live_port, app, threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{live_port}"
    httpd.shutdown()


@pytest.fixture
def chromium():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield browser
        browser.close()


@pytest.fixture
def browser_page(chromium):
    return chromium.new_page(viewport={"width": 1280, "height": 900})


class _SiteHandler(BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 (http.server's name)
        content_type, body = self.server.pages.get(self.path.split("?", 1)[0], ("text/plain", "not found"))
        self.send_response(200 if content_type != "text/plain" else 404)
        self.send_header("Content-Type", content_type)
        self.end_headers()
        self.wfile.write(body.encode())

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def static_site():
    """Another origin on loopback (a shop's own pages): fill `.pages[path] = (content type, body)`.

    A real server, not a Playwright route: Chromium lets only a page that really comes from
    a loopback address fetch from another loopback address (Local Network Access).
    """
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _SiteHandler)
    httpd.pages = {}
    httpd.origin = f"http://localhost:{httpd.server_address[1]}"
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd
    httpd.shutdown()
    httpd.server_close()
