"""Response headers that protect browsers: `nosniff` on every response, and a strict
Content-Security-Policy on each HTML page (the web client, the admin pages).

No page may be framed (`frame-ancestors 'none'`), carry inline script, or load anything from
elsewhere than this server, except the web client's images and uploads, which go to the image
store's origin when that is another server (S3).
"""
from urllib.parse import urlsplit

from flask import current_app, request

from app import storage
from app.errors import ServiceUnavailable

# The admin pages are server-rendered: no script at all; their small stylesheet is inline.
ADMIN_PAGE_POLICY = ("default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; "
                     "base-uri 'none'; frame-ancestors 'none'")


def init_app(app):
    @app.after_request
    def _no_sniffing(response):
        response.headers["X-Content-Type-Options"] = "nosniff"
        return response


def client_page_policy():
    """The web client's policy: its own scripts and styles only; images and uploads from this server
    and, when images live on another server, that server's origin."""
    store = _image_store_origins()
    return "; ".join([
        "default-src 'none'", "script-src 'self'", "style-src 'self'",
        " ".join(["img-src 'self'", *store]), " ".join(["connect-src 'self'", *store]),
        "form-action 'none'", "base-uri 'none'", "frame-ancestors 'none'"])


def html_page(response, policy):
    """Mark `response` (an HTML page) with `policy` and keep it out of referrers."""
    response.headers["Content-Security-Policy"] = policy
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


def _image_store_origins():
    """Origins of the image store's presigned URLs other than this server's (the local driver's URLs
    are ours, S3's are not). Worked out once per store by signing sample URLs: no request is made."""
    try:
        store = storage.photos()
    except ServiceUnavailable:  # images are not configured: nothing to allow
        return []
    known = current_app.extensions.setdefault("image_store_origins", {})
    if store not in known:
        urls = [store.presigned_post("origin-probe", "image/png", 1, 60)["url"], store.presigned_get("origin-probe", 60)]
        known[store] = sorted({_origin(url) for url in urls} - {_origin(request.host_url)})
    return known[store]


def _origin(url):
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"
