"""Jobs that services start, by name.

The job bodies live in the tasks package, above the services (they call services), so services
cannot import them. Instead tasks registers here each job a service starts, and services enqueue it
by name, as Zulip's actions publish to a named queue. create_app imports tasks, so every process
that runs the app can enqueue; the consumer (`huey_consumer tasks.huey`) imports it to run them.
"""
_jobs = {}


def register(task):
    """Make a Huey task enqueueable by its name (a decorator for the tasks package)."""
    _jobs[task.name] = task
    return task


def enqueue(name, *args, delay=None):
    """Have the consumer run job `name` with `args`, after `delay` seconds if given; returns Huey's Result.

    Raises LookupError when no job has that name (the tasks package registers them on import).
    """
    try:
        task = _jobs[name]
    except KeyError:
        raise LookupError(f"no job named {name!r}: create_app imports the tasks package, which registers it") from None
    return task.schedule(args=args, delay=delay) if delay is not None else task(*args)
