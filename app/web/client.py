"""The web client: one HTML page at / and its static files under /client/ (plain JavaScript
modules, no build step; app/web/client/README.md describes them)."""
from flask import Blueprint

from app.security_headers import client_page_policy, html_page

blp = Blueprint("web_client", __name__, static_folder="client", static_url_path="/client")


@blp.route("/")
def index():
    return html_page(blp.send_static_file("index.html"), client_page_policy())
