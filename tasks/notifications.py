"""Sending a (coalesced) push notification to one user for one conversation. Started by
services.notifications, by name (app/job_queue.py)."""
from app import job_queue
from app.services import notifications
from tasks import huey
from tasks.context import in_app_context


# A notification is worth little after a few minutes: three retries, 10 s, 20 s, 40 s apart.
@job_queue.register
@huey.task(name="deliver_push", retries=3, retry_delay=10, retry_backoff=2)
@in_app_context
def deliver_push(user_id, conversation_id):
    return notifications.deliver_pending(user_id, conversation_id)
