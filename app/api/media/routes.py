from flask import current_app, request

from app import storage
from app.api.media.schemas import UPLOAD_FORM, SignedUrlQuerySchema
from app.api.parser import Blueprint
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
@blp.doc(security=[], requestBody={"required": True, "content": {"multipart/form-data": {"schema": UPLOAD_FORM}}})
@blp.response(204)
@blp.alt_response(400, description="Not a multipart form with the policy's fields first and the file last")
@blp.alt_response(403, description="The signature, the expiry or a field does not match the signed policy")
@blp.alt_response(404, description="Not served with STORAGE_DRIVER=s3")
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
@blp.response(200, {"type": "string", "format": "binary"}, content_type="image/*", description="The file")
@blp.alt_response(200, schema={"type": "string", "format": "binary"}, content_type="application/octet-stream",
                  success=True, description="A file whose type was not recorded")
@blp.alt_response(206, schema={"type": "string", "format": "binary"}, content_type="image/*", success=True,
                  description="The part asked for with Range")
@blp.alt_response(304, description="Not modified since If-None-Match / If-Modified-Since", success=True)
@blp.alt_response(403, description="The signature does not match, or the URL has expired")
@blp.alt_response(404, description="No such file, or not served with STORAGE_DRIVER=s3")
@blp.alt_response(416, description="The Range asked for lies outside the file")
@blp.alt_response(503, description="The local store is not configured (MEDIA_SIGNING_KEY)")
def download(query, key):
    """The file, through a URL from a message's `images[].url` (403 once it has expired)."""
    return _local_store().download(key, query["expires"], query["signature"])
