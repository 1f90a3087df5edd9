from marshmallow import EXCLUDE, Schema, fields, validate


class SubscriptionKeysSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    p256dh = fields.String(required=True, validate=validate.Length(max=128))
    auth = fields.String(required=True, validate=validate.Length(max=64))


class SubscribeSchema(Schema):
    """The browser's PushSubscription.toJSON(), as is."""

    class Meta:
        unknown = EXCLUDE  # expirationTime and whatever browsers add later

    endpoint = fields.String(required=True, validate=validate.Length(min=1, max=2048))
    keys = fields.Nested(SubscriptionKeysSchema, required=True)


class SubscriptionSchema(Schema):
    id = fields.Integer()
    endpoint = fields.String()
    created_at = fields.DateTime()


class VapidKeySchema(Schema):
    public_key = fields.String(metadata={"description": "applicationServerKey for pushManager.subscribe()"})


class PushSettingsSchema(Schema):
    previews = fields.Boolean(required=True, metadata={
        "description": "Show the sender and message text in notifications (false: only that something is new)"})
