"""REST blueprints: thin doors that load input with a schema, call a service, dump the result."""
from flask import Blueprint
from swagger_ui_bundle import swagger_ui_path


def register(app, openapi):
    # Imported here, not at the top: the admin routes import the tasks package, which builds its Huey
    # instance from REDIS_URL, and importing any module of app.api (the schemas) must not need that.
    from app.api.admin.routes import blp as admin
    from app.api.auth.routes import blp as auth
    from app.api.conversations.routes import blp as conversations
    from app.api.health.routes import blp as health
    from app.api.images.routes import blp as images
    from app.api.media.routes import blp as media
    from app.api.messages.routes import blp as messages
    from app.api.push.routes import blp as push
    from app.api.users.routes import blp as users

    for blueprint in (auth, users, conversations, images, media, messages, push, admin, health):
        openapi.register_blueprint(blueprint)
    # Swagger UI's assets come from the swagger-ui-bundle wheel: /docs works offline.
    app.register_blueprint(Blueprint("swagger_assets", __name__, static_folder=str(swagger_ui_path),
                                     static_url_path="/docs/assets"))
