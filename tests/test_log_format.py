"""The one log line format (log_format.py): JSON objects or readable text, with the fields bound to
the request, socket event or job being handled."""
import io
import json
import logging

import pytest

import log_format


@pytest.fixture
def emit():
    """emit(kind) -> a logger writing through log_format's formatter `kind` ("json" or "text") and
    a function returning what it wrote."""
    made = []

    def make(kind):
        stream = io.StringIO()
        handler = logging.StreamHandler(stream)
        handler.setFormatter(log_format.JsonLines() if kind == "json" else log_format.TextLines())
        handler.addFilter(log_format.ContextFields("api"))
        logger = logging.getLogger(f"test.log_format.{kind}.{len(made)}")
        logger.addHandler(handler)
        logger.propagate = False
        logger.setLevel(logging.INFO)
        made.append((logger, handler))
        return logger, stream.getvalue

    yield make
    for logger, handler in made:
        logger.removeHandler(handler)


def test_a_json_line_has_time_level_logger_message_role_and_the_bound_fields(emit):
    logger, written = emit("json")
    context = log_format.bind(request_id="r-1")
    try:
        logger.info("message stored", extra={"message_id": 7, "door": "rest"})
    finally:
        log_format.unbind(context)
    logger.info("after the request")

    first, second = [json.loads(line) for line in written().splitlines()]
    assert list(first)[:4] == ["time", "level", "logger", "message"]
    assert first["time"].endswith("+00:00")
    assert {k: first[k] for k in ("level", "message", "role", "request_id", "message_id", "door")} == {
        "level": "INFO", "message": "message stored", "role": "api", "request_id": "r-1", "message_id": 7,
        "door": "rest"}
    assert "request_id" not in second


def test_a_text_line_is_readable_with_its_fields_as_name_value(emit):
    logger, written = emit("text")
    context = log_format.bind(job_id="j-1", task="archive_conversations")
    try:
        logger.info("job succeeded", extra={"duration_s": 0.5})
    finally:
        log_format.unbind(context)

    assert written().rstrip("\n").endswith(
        "INFO test.log_format.text.0: job succeeded duration_s=0.5 job_id=j-1 task=archive_conversations")


def test_a_traceback_stays_inside_its_json_line(emit):
    logger, written = emit("json")
    try:
        raise ValueError("boom")
    except ValueError:
        logger.exception("unhandled error")

    [line] = written().splitlines()
    assert "ValueError: boom" in json.loads(line)["exc_info"]


def test_an_unknown_format_is_refused():
    with pytest.raises(ValueError, match="LOG_FORMAT='xml': must be json or text"):
        log_format.logging_config("xml", "INFO", "api")
