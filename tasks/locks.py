"""One run at a time per job, across all consumers: a Redis lock that a crashed run cannot keep."""
import contextlib
import logging
import threading

from redis.exceptions import LockError, LockNotOwnedError

from app.redis_client import get_redis, key

log = logging.getLogger(__name__)

# The lock expires this long after its last renewal. While the run is alive a thread renews it
# every third of that, so a run may take as long as it needs, and a run that died (OOM, SIGKILL,
# host gone) blocks the next one for at most this long.
LOCK_TTL_SECONDS = 120


@contextlib.contextmanager
def exclusive(name, ttl=LOCK_TTL_SECONDS):
    """Yield True while holding the lock `name`, or False (at once) if another run holds it."""
    # thread_local=False: the renewing thread must see the token this thread acquired with.
    lock = get_redis().lock(key("lock", name), timeout=ttl, blocking=False, thread_local=False)
    if not lock.acquire():
        yield False
        return
    done = threading.Event()

    def keep_alive():
        while not done.wait(ttl / 3):
            try:
                lock.reacquire()
            except LockError:
                log.error("lock %s was lost while its run was still going", name)
                return

    renewer = threading.Thread(target=keep_alive, name=f"lock-{name}", daemon=True)
    renewer.start()
    try:
        yield True
    finally:
        done.set()
        renewer.join()
        try:
            lock.release()
        except LockNotOwnedError:
            log.warning("lock %s had expired before the run finished", name)
