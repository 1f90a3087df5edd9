from marshmallow import Schema, fields


class UserSchema(Schema):
    id = fields.Integer(dump_only=True)
    username = fields.String()
    display_name = fields.String()
    is_admin = fields.Boolean()
    created_at = fields.DateTime()


class PublicUserSchema(Schema):
    id = fields.Integer()
    username = fields.String()
    display_name = fields.String()
