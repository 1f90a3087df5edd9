"""Pages for browsers, beside the REST API: the web client at / and the admin pages' login and
buttons. Not API endpoints (they are left out of the OpenAPI document)."""


def register(app):
    from app.web.admin import blp as admin
    from app.web.client import blp as client

    app.register_blueprint(client)
    app.register_blueprint(admin)
