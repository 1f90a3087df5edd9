"""The web client in a real headless Chromium (Debian's, driven by its chromedriver through Selenium),
against a real Gunicorn process serving REST and Socket.IO as `make run` does (ROLE=dev), on the test
session's PostgreSQL, Redis and S3. One server and two browsers (two users) serve every test here."""
import shutil
import tempfile

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service

from tests.browser.chat_page import ChatPage
from tests.servers import Server
from tests.system_programs import require

# Flags for a quiet, self-contained browser: nothing is downloaded, synced or updated.
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--disable-dev-shm-usage", "--window-size=1280,800"]


@pytest.fixture(scope="session")
def web_server(app, stack):
    server = Server("dev", stack["env"], defaults={"LOG_LEVEL": "WARNING"})  # the service as configured by default
    yield server
    server.stop()


@pytest.fixture(scope="session")
def launch_browser(web_server):
    """launch() -> a new Chromium (its own profile: its own storage); all are closed after the session,
    before the server stops (a server with open WebSockets waits for them up to its graceful timeout).

    The driver's path is given explicitly, so Selenium Manager never runs (it would download one)."""
    chromium, chromedriver = require("chromium"), require("chromedriver")
    launched = []

    def launch():
        profile = tempfile.mkdtemp(prefix="chromium-profile-")
        options = webdriver.ChromeOptions()
        options.binary_location = chromium
        for flag in [*CHROMIUM_FLAGS, f"--user-data-dir={profile}"]:
            options.add_argument(flag)
        options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
        driver = webdriver.Chrome(service=Service(executable_path=chromedriver), options=options)
        launched.append((driver, profile))
        return driver

    yield launch
    for driver, profile in launched:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


@pytest.fixture(scope="session")
def drivers(launch_browser):
    return [launch_browser(), launch_browser()]


@pytest.fixture
def pages(drivers, web_server):
    """Two chat pages (two browsers, two people) at the web client, logged out, with empty consoles.
    Afterwards both leave the page, so nothing they do overlaps the next test's clean database."""
    pages = [ChatPage(driver, web_server.url) for driver in drivers]
    for page in pages:
        page.reset()
    yield pages
    for page in pages:
        page.leave()
