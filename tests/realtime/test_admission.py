"""Connects take turns (app/realtime/admission.py): a bounded number at once, the newest waiter
first, and one that waited too long is refused to retry rather than served after its client left."""
import gevent
import pytest
from gevent.event import Event

from app.errors import ServiceUnavailable
from app.realtime.admission import Turns


def test_waiting_connects_are_served_newest_first_and_never_more_than_the_slots_at_once():
    turns, served, running = Turns(slots=2), [], []

    def connect(name):
        with turns.taken(patience=10):
            running.append(name)
            served.append((name, len(running)))
            gevent.sleep(0)  # the others queue meanwhile
            running.remove(name)

    gevent.joinall([gevent.spawn(connect, name) for name in ("a", "b", "c", "d", "e")], raise_error=True)

    assert [name for name, _ in served] == ["a", "b", "e", "d", "c"]
    assert max(at_once for _, at_once in served) == 2
    assert (turns.free, turns.waiting) == (2, [])


def test_a_connect_that_waited_its_patience_out_is_refused_and_gives_its_place_up():
    turns, release = Turns(slots=1), Event()

    def hold():
        with turns.taken():
            release.wait()

    holder = gevent.spawn(hold)
    gevent.sleep(0)
    with pytest.raises(ServiceUnavailable, match="server busy"):
        with turns.taken(patience=0.05):
            pass
    release.set()
    holder.join()

    assert (turns.free, turns.waiting) == (1, [])
