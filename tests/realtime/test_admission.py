"""Connects take turns (app/realtime/admission.py): a bounded number at once, the newest waiter first."""
import gevent

from app.realtime.admission import Turns


def test_waiting_connects_are_served_newest_first_and_never_more_than_the_slots_at_once():
    turns, served, running = Turns(slots=2), [], []

    def connect(name):
        with turns.taken():
            running.append(name)
            served.append((name, len(running)))
            gevent.sleep(0)  # the others queue meanwhile
            running.remove(name)

    gevent.joinall([gevent.spawn(connect, name) for name in ("a", "b", "c", "d", "e")], raise_error=True)

    assert [name for name, _ in served] == ["a", "b", "e", "d", "c"]
    assert max(at_once for _, at_once in served) == 2
    assert (turns.free, turns.waiting) == (2, [])
