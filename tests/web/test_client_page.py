"""The web client's page and files: served by the app at / and /client/, with a strict
Content-Security-Policy; nothing inline, nothing from elsewhere."""
import hashlib
import re
from html.parser import HTMLParser
from pathlib import Path

CLIENT_DIR = Path(__file__).resolve().parents[2] / "app" / "web" / "client"


class Assets(HTMLParser):
    """The page's <script> and <link> references, and whether any script has a body."""

    def __init__(self):
        super().__init__()
        self.references, self.inline_scripts, self.handlers = [], 0, []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.handlers += [name for name in attrs if name.startswith("on")]
        if tag == "script":
            self._in_script = True
            self.references.append(attrs.get("src"))
        if tag == "link":
            self.references.append(attrs.get("href"))

    def handle_endtag(self, tag):
        self._in_script = self._in_script and tag != "script"

    def handle_data(self, data):
        if self._in_script and data.strip():
            self.inline_scripts += 1


def test_the_client_page_is_served_at_the_root_with_a_strict_policy(client):
    response = client.get("/")

    assert response.status_code == 200
    assert response.mimetype == "text/html"
    policy = dict(directive.strip().split(" ", 1) for directive in response.headers["Content-Security-Policy"].split(";"))
    assert policy["default-src"] == "'none'"
    assert policy["script-src"] == "'self'"
    assert policy["frame-ancestors"] == "'none'"
    assert policy["base-uri"] == "'none'"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_the_policy_lets_the_page_reach_the_image_store_and_nothing_else(client, app, storage_driver):
    # The local driver's uploads and downloads are this server's; S3's are the bucket endpoint's.
    store = "" if storage_driver == "local" else " " + re.match(r"https?://[^/]+", app.config["S3_ENDPOINT_URL"]).group(0)

    policy = client.get("/").headers["Content-Security-Policy"]

    assert f"img-src 'self'{store};" in policy
    assert f"connect-src 'self'{store};" in policy


def test_the_page_has_no_inline_script_and_every_asset_is_served_from_the_client_folder(client):
    page = Assets()
    page.feed(client.get("/").get_data(as_text=True))

    assert page.inline_scripts == 0 and page.handlers == []
    assert page.references
    for reference in page.references:
        assert reference.startswith("/client/"), reference
        asset = client.get(reference)
        assert asset.status_code == 200, reference
        assert asset.headers["X-Content-Type-Options"] == "nosniff"


def test_every_module_is_served_as_javascript(client):
    for path in sorted((CLIENT_DIR / "js").rglob("*.js")):
        response = client.get("/client/" + path.relative_to(CLIENT_DIR).as_posix())

        assert response.status_code == 200, path
        assert response.mimetype in ("text/javascript", "application/javascript"), path


def test_the_vendored_socketio_client_is_the_documented_release():
    readme = (CLIENT_DIR / "README.md").read_text()
    vendored = (CLIENT_DIR / "vendor" / "socket.io.min.js").read_bytes()

    assert hashlib.sha256(vendored).hexdigest() in readme
    assert vendored.startswith(b"/*!\n * Socket.IO v4.8.4\n")
    assert "4.8.4" in readme
    assert (CLIENT_DIR / "vendor" / "socket.io-client.LICENSE").read_text().startswith("The MIT License")
