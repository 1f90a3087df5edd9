from flask_jwt_extended import jwt_required

from app.api.openapi import error_example, link, produces
from app.api.parser import Blueprint
from app.api.users.schemas import PresenceSchema, UserSchema
from app.auth.tokens import current_user_id
from app.schemas.users import PublicUserSchema
from app.services import presence, users

blp = Blueprint("users", __name__, url_prefix="/users", description="Accounts")


@blp.route("/me")
@jwt_required()
@blp.response(200, UserSchema)
@blp.doc(**produces(user_id="/id", username="/username"))
def me():
    """The caller's own account."""
    return users.get_user(current_user_id())


@blp.route("/<int:user_id>/presence")
@jwt_required()
@blp.response(200, PresenceSchema)
def user_presence(user_id):
    """Online, away or offline, for yourself or someone you share a conversation with (404 otherwise)."""
    return presence.visible_presence(current_user_id(), user_id)


@blp.route("/by-username/<username>")
@jwt_required()
@blp.response(200, PublicUserSchema)
@blp.alt_response(404, description="No user has this username",
                  example=error_example(404, message="user not found"))
@blp.doc(**produces(user_id="/id"))
@blp.doc(**link("conversations_create", [200], body={"participant_ids": ["$response.body#/id"]}))
def by_username(username):
    """Find someone by username (any letter case), e.g. to start a conversation with them; 404 if none."""
    return users.user_by_username(username)
