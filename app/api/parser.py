"""How REST requests are read: webargs (through flask-smorest) with the service's JSON rules."""
import flask_smorest
from flask.json.provider import DefaultJSONProvider
from marshmallow import missing
from webargs.flaskparser import FlaskParser, abort, is_json_request
from werkzeug.exceptions import RequestEntityTooLarge

from app import json_input


class JsonBodyParser(FlaskParser):
    """Reads JSON bodies with app.json_input: JSON it cannot read (malformed, too deep, a number
    too long) is a 400; a string that is not Unicode text is a 422 naming its field."""

    def load_json(self, req, schema):
        if not is_json_request(req):
            return missing
        raw = req.get_data(cache=True)
        if not raw:
            return missing
        if req.content_length is None and len(raw) == req.max_content_length and req.environ["wsgi.input"].read(1):
            # A streamed (chunked) body is cut at MAX_CONTENT_LENGTH by Werkzeug without a word:
            # one byte more means it was longer, as a Content-Length over the limit would say.
            raise RequestEntityTooLarge()
        try:
            data = json_input.loads(raw)
        except json_input.InvalidJson as exc:
            abort(400, messages={"json": [f"invalid JSON body: {exc}"]})
        field = json_input.lone_surrogate_field(data)
        if field:
            abort(422, messages={"json": {field: [json_input.LONE_SURROGATE]}})
        return data


class Blueprint(flask_smorest.Blueprint):
    """flask-smorest's Blueprint reading arguments with JsonBodyParser: every REST door uses this one."""

    ARGUMENTS_PARSER = JsonBodyParser()


class JsonProvider(DefaultJSONProvider):
    """Flask's request.get_json() with the same rules (it returns None, with silent=True, for what
    JsonBodyParser refuses: json_input.InvalidJson is a ValueError)."""

    def loads(self, s, **kwargs):
        return json_input.loads(s)
