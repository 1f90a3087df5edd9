"""Taking turns (app/turns.py): a bounded number at once; waiters in order of arrival while the
oldest is fresh, newest first once it is not; disconnects before any other waiter; and HTTP
requests in turns, the health probes aside."""
import gevent
import gevent.event

from app.turns import RequestsInTurn, Turns


def _serve(turns, names):
    """Run one holder per name, all at once; returns (name, holders at that moment) in the order served."""
    served, running = [], []

    def hold(name):
        with turns.taken():
            running.append(name)
            served.append((name, len(running)))
            gevent.sleep(0)  # the others queue meanwhile
            running.remove(name)

    gevent.joinall([gevent.spawn(hold, name) for name in names], raise_error=True)
    return served


def test_fresh_waiters_are_served_in_order_of_arrival_and_never_more_than_the_slots_at_once():
    turns = Turns(slots=2, fresh=3600)

    served = _serve(turns, ["a", "b", "c", "d", "e"])

    assert [name for name, _ in served] == ["a", "b", "c", "d", "e"]
    assert max(at_once for _, at_once in served) == 2
    assert (turns.free, turns.waiting) == (2, [])


def test_once_the_oldest_waiter_is_stale_the_newest_is_served_first():
    turns = Turns(slots=2, fresh=0)  # every waiter is stale at once

    served = _serve(turns, ["a", "b", "c", "d", "e"])

    assert [name for name, _ in served] == ["a", "b", "e", "d", "c"]
    assert max(at_once for _, at_once in served) == 2
    assert (turns.free, turns.waiting) == (2, [])


def test_waiting_disconnects_go_before_waiting_connects_in_order_of_arrival():
    turns, served = Turns(slots=1, fresh=0), []

    def run(name, first):
        with turns.taken(first=first):
            served.append(name)
            gevent.sleep(0)

    gevent.joinall([gevent.spawn(run, "connect 1", False), gevent.spawn(run, "connect 2", False),
                    gevent.spawn(run, "disconnect 1", True), gevent.spawn(run, "connect 3", False),
                    gevent.spawn(run, "disconnect 2", True)], raise_error=True)

    assert served == ["connect 1", "disconnect 1", "disconnect 2", "connect 3", "connect 2"]
    assert (turns.free, turns.waiting, turns.waiting_first) == (1, [], [])


def test_a_waiter_killed_while_it_waits_leaves_its_place_and_no_slot_behind():
    turns, served, release = Turns(slots=1), [], gevent.event.Event()

    def run(name, wait_for=None):
        with turns.taken():
            served.append(name)
            if wait_for:
                wait_for.wait()

    holder = gevent.spawn(run, "holder", release)
    gevent.sleep(0)
    older, killed = gevent.spawn(run, "older"), gevent.spawn(run, "killed")
    gevent.sleep(0)
    killed.kill()
    release.set()
    gevent.joinall([holder, older], raise_error=True)

    assert served == ["holder", "older"]
    assert (turns.free, turns.waiting) == (1, [])


def test_requests_take_turns_but_the_health_probes_do_not_wait():
    release, answered = gevent.event.Event(), []

    def app(environ, start_response):
        if environ["PATH_INFO"] == "/slow":
            release.wait()
        answered.append(environ["PATH_INFO"])
        return [b""]

    middleware = RequestsInTurn(app, slots=1, exempt={"/health"})
    requests = [gevent.spawn(middleware, {"PATH_INFO": path}, None) for path in ("/slow", "/conversations", "/health")]
    gevent.sleep(0)
    waited = list(answered)
    release.set()
    gevent.joinall(requests, raise_error=True)

    assert waited == ["/health"]
    assert answered == ["/health", "/slow", "/conversations"]
