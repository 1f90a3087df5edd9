from marshmallow import Schema, fields


class UserSchema(Schema):
    id = fields.Integer(dump_only=True)
    username = fields.String()
    display_name = fields.String()
    is_admin = fields.Boolean()
    created_at = fields.DateTime()


class PresenceSchema(Schema):
    user_id = fields.Integer()
    status = fields.String(metadata={"description": "online, away or offline"})
    last_seen_at = fields.DateTime(allow_none=True, metadata={
        "description": "When the user went offline; null unless offline (or not seen for 30 days)"})
