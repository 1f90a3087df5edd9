from marshmallow import Schema, fields


class SignedUrlQuerySchema(Schema):
    expires = fields.Integer(required=True, metadata={"description": "Unix time after which the URL is refused"})
    signature = fields.String(required=True)
