"""The Prometheus metric families this service exports (prometheus_client).

Under Gunicorn each worker writes its figures to PROMETHEUS_MULTIPROC_DIR (gunicorn.conf.py) and
GET /metrics adds up every worker's (app/metrics_endpoint.py); elsewhere (the job consumer, tests)
they live in the process. Gauges say how workers' values combine: `livesum` adds up the live
workers, `livemin` takes the lowest. Names follow Prometheus' conventions: a `messaging_` prefix,
base units in the name (seconds, bytes), `_total` on counters. Labels hold bounded sets only:
route templates, event and task names, error codes; never ids or text.
The figures read at scrape time (queue depth, Redis memory, users online, the last success of each
job) are collected by the job consumer (tasks/metrics.py); those of one Socket.IO process by
app/metrics_endpoint.py.
"""
from prometheus_client import Counter, Gauge, Histogram

# Seconds; 2 s is the delivery target (p95), 0.1 s the database query target (p95).
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10)
QUERY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 15)
JOB_BUCKETS = (0.1, 0.5, 1, 5, 15, 60, 300, 900, 3600)

# HTTP (app/request_observer.py); requests to /socket.io/ are Socket.IO's, below.
HTTP_REQUEST_DURATION = Histogram(
    "messaging_http_request_duration_seconds", "HTTP requests by route template, method and status",
    ["route", "method", "status"], buckets=LATENCY_BUCKETS)
HTTP_REQUESTS_IN_FLIGHT = Gauge(
    "messaging_http_requests_in_flight", "HTTP requests being handled", multiprocess_mode="livesum")

# Socket.IO (app/realtime): connections open are read at scrape time (app/metrics_endpoint.py).
SOCKET_CONNECTS = Counter(
    "messaging_socketio_connects_total", "Socket.IO connection attempts by outcome: accepted, or the refusal code",
    ["outcome"])
SOCKET_DISCONNECTS = Counter(
    "messaging_socketio_disconnects_total", "Socket.IO disconnections by reason", ["reason"])
SOCKET_EVENTS = Counter(
    "messaging_socketio_events_total", "Socket.IO events from clients by event name and outcome (ok or the error code)",
    ["event", "outcome"])
SOCKET_EVENT_DURATION = Histogram(
    "messaging_socketio_event_duration_seconds", "Socket.IO event handling time by event name", ["event"],
    buckets=LATENCY_BUCKETS)
DELIVERY_LATENCY = Histogram(
    "messaging_delivery_latency_seconds",
    "From the moment a service hands an event over, right after its commit, to its emit by a Socket.IO process",
    ["event"], buckets=LATENCY_BUCKETS)
QUEUE_PUBLISH_FAILURES = Counter(
    "messaging_socketio_queue_publish_failures_total", "Events that could not be published on the Redis message queue")
TYPING_RELAYED = Counter(
    "messaging_typing_events_relayed_total", "Typing indicators (start, stop, lapse) relayed to participants")

# Messages (app/services/messages.py).
MESSAGES_STORED = Counter(
    "messaging_messages_stored_total", "Messages stored, by the door they came through (rest or socket)", ["door"])
MESSAGES_REJECTED = Counter(
    "messaging_messages_rejected_total", "Messages refused by the send service, by door and error code",
    ["door", "reason"])

# Jobs (tasks/signals.py); queue depth and last successes are read at scrape time (tasks/metrics.py).
JOB_RUNS = Counter(
    "messaging_job_runs_total", "Job attempts by task and outcome (succeeded, retrying, failed)", ["task", "outcome"])
JOB_DURATION = Histogram(
    "messaging_job_duration_seconds", "Job attempt duration by task", ["task"], buckets=JOB_BUCKETS)

# PostgreSQL (app/database_observer.py) and the dependencies' outages (app/outages.py).
DB_QUERY_DURATION = Histogram(
    "messaging_db_query_duration_seconds", "PostgreSQL statements by kind (select, insert, update, delete, with, other)",
    ["kind"], buckets=QUERY_BUCKETS)
DB_POOL_CHECKED_OUT = Gauge(
    "messaging_db_pool_checked_out_connections", "Pooled PostgreSQL connections in use", multiprocess_mode="livesum")
DB_POOL_OVERFLOW = Gauge(
    "messaging_db_pool_overflow_connections", "PostgreSQL connections open beyond DATABASE_POOL_SIZE",
    multiprocess_mode="livesum")
DB_POOL_TIMEOUTS = Counter(
    "messaging_db_pool_timeouts_total", "Waits for a pooled PostgreSQL connection that timed out (DATABASE_POOL_TIMEOUT)")
REDIS_POOL_TIMEOUTS = Counter(
    "messaging_redis_pool_timeouts_total", "Waits for a pooled Redis connection that timed out (REDIS_POOL_SIZE in use)")
DEPENDENCY_UP = Gauge(
    "messaging_dependency_up", "Whether this process reaches the dependency (0 from a failure until it answers again)",
    ["dependency"], multiprocess_mode="livemin")
DEPENDENCY_ERRORS = Counter(
    "messaging_dependency_errors_total", "Requests, events and jobs that failed because a dependency was unreachable",
    ["dependency"])

# Push notifications (app/services/notifications.py), sent by the job consumer.
PUSH_NOTIFICATIONS = Counter(
    "messaging_push_notifications_total", "Web Push deliveries by outcome (delivered, rejected, failed)", ["outcome"])
PUSH_SUBSCRIPTIONS_REMOVED = Counter(
    "messaging_push_subscriptions_removed_total", "Push subscriptions removed because the push service says they are gone")
