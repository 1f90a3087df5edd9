from marshmallow import Schema, fields


class SignedUrlQuerySchema(Schema):
    expires = fields.Integer(required=True, metadata={"description": "Unix time after which the URL is refused"})
    signature = fields.String(required=True)


# The form of an upload ticket (POST /conversations/{id}/images), as browsers send it: read as a
# stream by the route, so documented here rather than loaded by a schema.
UPLOAD_FORM = {
    "type": "object",
    "required": ["key", "Content-Type", "policy", "signature", "file"],
    "properties": {
        "key": {"type": "string"},
        "Content-Type": {"type": "string"},
        "policy": {"type": "string"},
        "signature": {"type": "string"},
        "file": {"type": "string", "format": "binary", "description": "Last: after every other field"},
    },
}
