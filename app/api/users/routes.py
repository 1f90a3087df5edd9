from flask_jwt_extended import jwt_required
from flask_smorest import Blueprint

from app.api.users.schemas import UserSchema
from app.auth.tokens import current_user_id
from app.services import users

blp = Blueprint("users", __name__, url_prefix="/users", description="Accounts")


@blp.route("/me")
@jwt_required()
@blp.response(200, UserSchema)
def me():
    """The caller's own account."""
    return users.get_user(current_user_id())
