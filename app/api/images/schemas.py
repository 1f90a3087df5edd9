from marshmallow import Schema, fields


class UploadRequestSchema(Schema):
    content_type = fields.String(required=True, metadata={
        "description": "image/jpeg, image/png, image/webp or image/gif"})
    size = fields.Integer(required=True, strict=True, metadata={
        "description": "Exact size of the file in bytes; at most IMAGE_MAX_BYTES (default 10 MB)"})


class PresignedPostSchema(Schema):
    url = fields.String(metadata={"description": "POST a multipart form here"})
    fields_ = fields.Dict(keys=fields.String(), values=fields.String(), data_key="fields", attribute="fields",
                          metadata={"description": "Form fields to send as they are, before the `file` field"})


class UploadTicketSchema(Schema):
    image_id = fields.Integer(attribute="image.id", metadata={
        "description": "Name it in image_ids when sending the message"})
    upload = fields.Nested(PresignedPostSchema)
    expires_in = fields.Integer(metadata={"description": "Seconds the upload form stays valid"})
