"""An admin opens the queue dashboard in a browser, logs in, and runs a nightly job from it; a real
Huey consumer runs the job."""
from pathlib import Path

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

from tests.helpers import PASSWORD, idle_for
from tests.servers import Consumer


@pytest.fixture(scope="module")
def consumer(stack):
    process = Consumer({k: v for k, v in stack["env"].items() if k != "FLASK_APP"},
                       Path(stack["var_dir"]) / "huey-consumer-browser.log")
    yield process
    process.stop()


def test_an_admin_logs_in_to_the_dashboard_and_runs_the_archive_job(client, app, admin, pages, web_server, consumer):
    page, _ = pages
    idle_for(app, [client.conversation(admin, client.user("alice"))], days=100)  # the job archives it

    page.driver.get(web_server.url + "/admin/queues")
    page.wait_visible("#username").send_keys("root")
    page.find("#password").send_keys(PASSWORD, Keys.ENTER)
    page.wait(lambda: page.find_all("button[type=submit]"), "the dashboard")
    page.driver.find_element(By.XPATH, "//button[text()='Run the archive job now']").click()
    notice = page.wait_visible("#queued-job")
    assert "archive_conversations" in notice.text

    def succeeded():
        page.find("#queued-job a").click()  # the notice's Refresh link
        return "succeeded" in page.wait_visible("#queued-job").text

    page.wait(succeeded, "the job to succeed")
    assert '"conversations": 1' in page.text("#queued-job")
    page.driver.find_element(By.XPATH, "//button[text()='Log out']").click()
    page.wait_visible("#username")
    assert page.console_errors() == []
