"""Validators shared by the resource schemas."""
from marshmallow import ValidationError


def no_nul(value):
    """PostgreSQL text cannot hold a NUL character: refuse it as bad input (422 naming the field)
    rather than let the database driver fail with a 500."""
    if "\x00" in value:
        raise ValidationError("must not contain NUL characters")
