from flask_jwt_extended import jwt_required

from app.api.images.schemas import UploadRequestSchema, UploadTicketSchema
from app.api.parser import Blueprint
from app.auth.tokens import current_user_id
from app.services import images

blp = Blueprint("images", __name__, url_prefix="/conversations",
                description="Image uploads for messages (presigned S3 POST). Non-participants get 404.")


@blp.route("/<int:conversation_id>/images", methods=["POST"])
@jwt_required()
@blp.arguments(UploadRequestSchema, example={"content_type": "image/png", "size": 52000})
@blp.response(201, UploadTicketSchema)
def request_upload(data, conversation_id):
    """Get an image id and a presigned form to upload the file straight to S3.

    POST `upload.fields` plus the file (form field `file`, last) to `upload.url` as
    multipart/form-data, then send a message with `image_ids: [image_id]`.
    """
    return images.request_upload(current_user_id(), conversation_id, data["content_type"], data["size"])
