from flask_jwt_extended import jwt_required

from app.api.messages.schemas import SearchQuerySchema, SearchResultsSchema
from app.api.openapi import produces
from app.api.parser import Blueprint
from app.auth.tokens import current_user_id
from app.schemas.messages import MessageSchema, ReadPositionSchema
from app.services import messages, search

blp = Blueprint("messages", __name__, url_prefix="/messages", description="Messages across conversations")


@blp.route("/search")
@jwt_required()
@blp.arguments(SearchQuerySchema, location="query")
@blp.response(200, SearchResultsSchema)
@blp.doc(**produces(message_id="/items/0/message/id", conversation_id="/items/0/message/conversation_id"))
def search_all(query):
    """Full-text search across all of the caller's conversations."""
    hits, next_cursor = search.search_messages(current_user_id(), **query)
    return {"items": hits, "next_cursor": next_cursor}


@blp.route("/<int:message_id>/read", methods=["PATCH"])
@jwt_required()
@blp.response(200, ReadPositionSchema)
def mark_read(message_id):
    """Move the caller's read position to this message (never backwards; idempotent)."""
    return messages.mark_read(current_user_id(), message_id)


@blp.route("/<int:message_id>", methods=["DELETE"])
@jwt_required()
@blp.response(200, MessageSchema)
@blp.alt_response(403, description="A participant who is not the sender")
def delete(message_id):
    """Delete your own message: its text is cleared and its images are removed later. Idempotent."""
    return messages.delete_message(current_user_id(), message_id)
