"""The documentation says what the service does: its error example is a real answer, and every
setting it quotes with a default has that default."""
import json
import re
from pathlib import Path

import pytest

from app.config import from_env
from http_workers import LIMIT_REQUEST_FIELD_SIZE, LIMIT_REQUEST_FIELDS, LIMIT_REQUEST_LINE

DOCS = Path(__file__).resolve().parents[1] / "docs"
API_MD = (DOCS / "api.md").read_text()
# Settings whose Flask config key is not their environment variable's name.
CONFIG_KEYS = {"MAX_REQUEST_BYTES": "MAX_CONTENT_LENGTH"}


def test_the_error_example_is_what_the_service_answers(client):
    errors = API_MD[API_MD.index("## Errors"):]
    request = re.search(r"For `POST (\S+)` with `(\{.*?\})`:\s*```json\n(.*?)```", errors, re.DOTALL)
    path, body, documented = request.group(1), json.loads(request.group(2)), json.loads(request.group(3))

    response = client.post(path, json=body)

    assert response.get_json() == documented


@pytest.mark.parametrize("doc", sorted(DOCS.glob("*.md")), ids=lambda path: path.name)
def test_every_default_quoted_is_the_default(doc):
    defaults = from_env({"DATABASE_URL": "postgresql://db/messaging", "REDIS_URL": "redis://cache:6379/0",
                         "JWT_SECRET_KEY": "s" * 64})
    quoted = re.findall(r"`([A-Z][A-Z_]+)`[^`(\n]{0,20}\((\d[\d,]*)\)", doc.read_text())

    for name, value in quoted:
        assert defaults[CONFIG_KEYS.get(name, name)] == int(value.replace(",", "")), name


def test_the_http_limits_are_the_servers():
    limits = API_MD[API_MD.index("## Limits"):API_MD.index("## Conversations")]

    assert f"{LIMIT_REQUEST_LINE:,} bytes" in limits
    assert f"{LIMIT_REQUEST_FIELDS} fields, {LIMIT_REQUEST_FIELD_SIZE:,} bytes each" in limits
