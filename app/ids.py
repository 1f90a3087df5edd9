"""What an id is, wherever one comes in (a path, a JSON body, a Socket.IO payload): ASCII digits
naming a whole number from 1 to 2**63 - 1, the range of PostgreSQL's bigint. Anything else names
nothing: a path that does not match (404), a field that does not validate (422)."""
from marshmallow import fields, validate
from werkzeug.exceptions import NotFound
from werkzeug.routing import BaseConverter

MAX_ID = 2**63 - 1


class IdConverter(BaseConverter):
    """Every `<int:...>` in a route. Werkzeug's own converter accepts any Unicode digit
    ("/conversations/１" would be conversation 1) and numbers no bigint holds."""

    regex = r"[0-9]{1,19}"
    part_isolating = True

    def to_python(self, value):
        number = int(value)
        if not 1 <= number <= MAX_ID:
            # Not werkzeug's ValidationError: with it, a path that another method's rule shares
            # (GET and POST .../messages) would answer 405 instead.
            raise NotFound()
        return number

    def to_url(self, value):
        return str(int(value))


def Id(**kwargs):  # noqa: N802 (a field factory, read like a field class)
    """A marshmallow field for an id in a body or payload: a JSON integer in 1..MAX_ID."""
    return fields.Integer(strict=True, validate=validate.Range(min=1, max=MAX_ID), **kwargs)
