"""The web client as a person uses it, for the browser tests: what they click and type, what they see."""
from selenium.common.exceptions import StaleElementReferenceException, TimeoutException
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.wait import WebDriverWait

from tests.helpers import PASSWORD

WAIT = 15  # seconds any expected change may take before a test fails

# The rows of the open conversation as the person reads them.
_SHOWN_MESSAGES = """
return [...document.querySelectorAll('#message-list > li')].map((row) => ({
  seq: row.dataset.seq ? Number(row.dataset.seq) : null,
  state: row.dataset.state || null,
  sender: row.querySelector('.sender')?.textContent,
  content: row.querySelector('.content')?.textContent ?? null,
  system: row.classList.contains('system'),
  edited: Boolean(row.querySelector('.edited')),
  quote: row.querySelector('.reply-quote .quote-text')?.textContent ?? null,
  mentions: [...row.querySelectorAll('.mention')].map((mention) => mention.textContent),
  reactions: [...row.querySelectorAll('.reaction')].map((reaction) => reaction.textContent),
}));
"""


class ChatPage:
    def __init__(self, driver, base_url):
        self.driver = driver
        self.base_url = base_url

    # --- the page ---------------------------------------------------------------------------

    def reset(self):
        """A fresh tab state: logged out, desktop width, console emptied."""
        self.leave()
        self.driver.set_window_size(1280, 800)
        self.driver.get(self.base_url + "/")
        self.wait_visible("#login-view")
        self.driver.get_log("browser")

    def leave(self):
        """Close the client (and its socket) and forget its session, from a page of the same origin
        that runs no client: the client never starts again with an old session."""
        self.driver.get(self.base_url + "/health")
        self.driver.execute_script("sessionStorage.clear()")

    def reload(self):
        self.driver.refresh()

    def wait(self, condition, what, timeout=WAIT):
        """Wait until `condition()` is truthy (a DOM condition, polled); returns its value."""
        def check(_):
            try:
                return condition()
            except StaleElementReferenceException:  # the row was re-rendered meanwhile: look again
                return False
        try:
            return WebDriverWait(self.driver, timeout, poll_frequency=0.05).until(check)
        except TimeoutException:
            raise AssertionError(f"timed out waiting for {what}") from None

    def find(self, css):
        return self.driver.find_element(By.CSS_SELECTOR, css)

    def find_all(self, css):
        return self.driver.find_elements(By.CSS_SELECTOR, css)

    def text(self, css):
        elements = self.find_all(css)
        return elements[0].text if elements else None

    def visible(self, css):
        elements = self.find_all(css)
        return bool(elements) and elements[0].is_displayed()

    def wait_visible(self, css):
        return self.wait(lambda: self.visible(css) and self.find(css), f"{css} to be visible")

    def script(self, source, *args):
        return self.driver.execute_script(source, *args)

    def console_errors(self, allowed=()):
        """Console errors since the last call (including failed loads and CSP violations), except
        those containing one of the `allowed` strings."""
        return [entry["message"] for entry in self.driver.get_log("browser")
                if entry["level"] == "SEVERE" and not any(text in entry["message"] for text in allowed)]

    # --- logging in ---------------------------------------------------------------------------

    def log_in(self, username, password=PASSWORD):
        self.wait_visible("#login-username").send_keys(username)
        self.find("#login-password").send_keys(password, Keys.ENTER)
        self.wait_connected()

    def register(self, username, display_name, password=PASSWORD):
        self.wait_visible("#login-mode").click()
        self.find("#login-username").send_keys(username)
        self.find("#login-password").send_keys(password)
        self.find("#login-display-name").send_keys(display_name, Keys.ENTER)
        self.wait_connected()

    def wait_connected(self):
        self.wait(lambda: self.script("return document.body.dataset.connection") == "connected",
                  "the client to be connected")

    def log_out(self):
        self.find("#logout").click()
        self.wait_visible("#login-view")

    # --- conversations ------------------------------------------------------------------------

    def conversation_row(self, name):
        """The list row of the conversation called `name`, once it is listed."""
        def row():
            for item in self.find_all("#conversation-list .conversation-item"):
                if item.find_element(By.CSS_SELECTOR, ".name").text == name:
                    return item
            return None
        return self.wait(row, f"conversation {name!r} in the list")

    def conversation_names(self):
        return self.script("return [...document.querySelectorAll('#conversation-list .name')].map((n) => n.textContent)")

    def start_conversation(self, usernames, title=None):
        self.find("#new-conversation").click()
        self.wait_visible("#new-usernames").send_keys(" ".join(usernames))
        if title:
            self.find("#new-title").send_keys(title)
        self.find("#new-title").send_keys(Keys.ENTER)
        self.wait_visible("#conversation-pane")

    def open_conversation(self, name):
        self.conversation_row(name).find_element(By.CSS_SELECTOR, "button").click()
        self.wait(lambda: self.text("#conversation-name") == name, f"conversation {name!r} to open")

    def type(self, text):
        self.find("#composer-input").send_keys(text)

    def send(self, text):
        self.find("#composer-input").send_keys(text, Keys.ENTER)

    def messages(self):
        """The open conversation's rows, in page order: [{seq, state, sender, content, system, edited,
        quote (of the message replied to), mentions (highlighted), reactions (["👍 2", ...])}]."""
        return self.script(_SHOWN_MESSAGES)

    def wait_for_message(self, content, **expected):
        """The row showing `content` (with the given state, sender, ...), once it is shown."""
        def shown():
            for row in self.messages():
                if row["content"] == content and all(row[k] == v for k, v in expected.items()):
                    return row
            return None
        return self.wait(shown, f"message {content!r} {expected or ''}")

    def message_row(self, content):
        """The row element showing `content`."""
        def row():
            for element in self.find_all("#message-list > li"):
                if [c.text for c in element.find_elements(By.CSS_SELECTOR, ".content")] == [content]:
                    return element
            return None
        return self.wait(row, f"the row of {content!r}")

    def act_on(self, content, action):
        """Point at a message and press one of its buttons (reply, react, edit, delete, seen-by)."""
        row = self.message_row(content)
        ActionChains(self.driver).move_to_element(row).perform()
        row.find_element(By.CSS_SELECTOR, f".message-actions .{action}").click()

    def react(self, content, emoji):
        self.act_on(content, "react")
        self.message_row(content).find_element(By.CSS_SELECTOR, f'.reaction-picker [aria-label="React with {emoji}"]').click()

    def accept_confirmation(self):
        WebDriverWait(self.driver, WAIT).until(expected_conditions.alert_is_present()).accept()

    # --- a group's members ----------------------------------------------------------------------

    def members(self):
        """The open members dialog's rows: [(name, role)]."""
        return self.script("""return [...document.querySelectorAll('#members-list .member')]
            .map((row) => [row.querySelector('.member-name').textContent, row.dataset.role]);""")

    def press_member_button(self, name, action):
        """Press a button (change-role, remove) on the row of member `name` in the members dialog."""
        def press():
            for row in self.find_all("#members-list .member"):
                if row.find_element(By.CSS_SELECTOR, ".member-name").text == name:
                    row.find_element(By.CSS_SELECTOR, f".{action}").click()
                    return True
            return False
        self.wait(press, f"{action} on member {name!r}")
