"""The wire format of a user as others see them."""
from marshmallow import Schema, fields


class PublicUserSchema(Schema):
    id = fields.Integer()
    username = fields.String()
    display_name = fields.String()
