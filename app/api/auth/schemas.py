from marshmallow import Schema, fields, validate

from app.api.validators import no_nul

USERNAME = validate.Regexp(r"^[A-Za-z0-9_.-]{3,32}$",
                           error="3-32 characters: letters, digits, '_', '.', '-'")


class RegisterSchema(Schema):
    username = fields.String(required=True, validate=USERNAME)
    password = fields.String(required=True, load_only=True, validate=validate.Length(min=8, max=128))
    display_name = fields.String(validate=no_nul, metadata={
        "description": "1-64 characters once trimmed and HTML is removed (default: the username); "
                       "stored and returned as docs/api.md's text rule says"})


class LoginSchema(Schema):
    username = fields.String(required=True, validate=[validate.Length(min=1, max=64), no_nul])
    password = fields.String(required=True, load_only=True, validate=validate.Length(min=1, max=128))


class LogoutSchema(Schema):
    refresh_token = fields.String(validate=validate.Length(max=4096))


class TokensSchema(Schema):
    access_token = fields.String(required=True)
    refresh_token = fields.String()
    token_type = fields.String(required=True)
    expires_in = fields.Integer(required=True, metadata={"description": "access token lifetime, seconds"})
