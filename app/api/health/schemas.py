from marshmallow import Schema, fields, validate

from app.api.openapi import ErrorBodySchema


class LivenessSchema(Schema):
    status = fields.String(required=True, validate=validate.OneOf(["ok"]))


class ReadinessSchema(Schema):
    status = fields.String(required=True, validate=validate.OneOf(["ok", "unavailable"]))
    checks = fields.Dict(keys=fields.String(), values=fields.String(validate=validate.OneOf(["ok", "down"])),
                         required=True, metadata={"description": 'Each dependency: "ok" or "down"; a realtime '
                                                                 'process also reports "message_queue" (it hears '
                                                                 'the Socket.IO message queue)',
                                                  "example": {"postgres": "ok", "redis": "down"}})
    error = fields.Nested(ErrorBodySchema, metadata={"description": "Present with 503: names the failed dependencies"})
