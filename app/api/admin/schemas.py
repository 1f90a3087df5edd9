from marshmallow import Schema, fields, validate


class JobSchema(Schema):
    """A job's record (tasks.history): state is queued, scheduled, running, retrying, succeeded or failed."""

    id = fields.String()
    name = fields.String()
    state = fields.String()
    eta = fields.String(allow_none=True)
    enqueued_at = fields.Float(metadata={"description": "unix time"})
    started_at = fields.Float()
    finished_at = fields.Float()
    duration_s = fields.Float()
    retries_left = fields.Integer()
    result = fields.Raw(allow_none=True)
    error = fields.String(allow_none=True)


class QueueViewSchema(Schema):
    format = fields.String(validate=validate.OneOf(["json", "html"]), metadata={
        "description": "html: the dashboard page (as with Accept: text/html); json (the default otherwise)"})
    queued = fields.String(metadata={
        "description": "The page only: the id of a job a dashboard button just queued, whose state it then shows"})


class QueuedTaskSchema(Schema):
    id = fields.String()
    name = fields.String()
    args = fields.List(fields.Raw())
    retries_left = fields.Integer()
    eta = fields.String(allow_none=True)


class PeriodicTaskSchema(Schema):
    name = fields.String()
    schedule = fields.String()
    timezone = fields.String()
    next_run = fields.String()


class QueueOverviewSchema(Schema):
    generated_at = fields.String()
    pending_count = fields.Integer()
    pending = fields.List(fields.Nested(QueuedTaskSchema))
    scheduled_count = fields.Integer()
    scheduled = fields.List(fields.Nested(QueuedTaskSchema))
    periodic = fields.List(fields.Nested(PeriodicTaskSchema))
    recent = fields.List(fields.Nested(JobSchema))
    failures = fields.List(fields.Nested(JobSchema))
