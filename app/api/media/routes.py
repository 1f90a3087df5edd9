from flask import current_app, request
from flask_smorest import Blueprint

from app import storage
from app.api.media.schemas import SignedUrlQuerySchema
from app.errors import NotFound
from app.storage.local import FORM_FIELDS_MAX_BYTES, BadUpload

blp = Blueprint("media", __name__, url_prefix="/media",
                description="Image files with the local storage driver (STORAGE_DRIVER=local): the targets of "
                            "the upload forms and download URLs the image endpoints hand out. 404 with s3.")


def _local_store():
    store = storage.photos()
    if not isinstance(store, storage.LocalStore):
        raise NotFound("not found")
    return store


@blp.route("/upload", methods=["POST"])
@blp.doc(security=[])
@blp.response(204)
def upload():
    """Store a file with the form of POST /conversations/{id}/images: its `upload.fields`, then `file`.

    403 when the signature, the expiry or a field does not match the signed policy; 422 (`file`)
    when the file's size is outside the declared one.
    """
    store = _local_store()
    # The file may be up to IMAGE_MAX_BYTES; the signed policy narrows it to the declared size.
    request.max_content_length = current_app.config["IMAGE_MAX_BYTES"] + FORM_FIELDS_MAX_BYTES
    boundary = request.mimetype_params.get("boundary")
    if request.mimetype != "multipart/form-data" or not boundary:
        raise BadUpload("send multipart/form-data")
    store.receive_upload(request.stream, boundary.encode("latin-1"))


@blp.route("/<path:key>")
@blp.doc(security=[])
@blp.arguments(SignedUrlQuerySchema, location="query")
def download(query, key):
    """The file, through a URL from a message's `images[].url` (403 once it has expired)."""
    return _local_store().download(key, query["expires"], query["signature"])
