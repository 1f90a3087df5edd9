"""Connects take turns (app/realtime/admission.py): a bounded number at once, the newest waiter
first, and disconnects before any waiting connect."""
import gevent
import gevent.event

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


def test_waiting_disconnects_go_before_waiting_connects_in_order_of_arrival():
    turns, served = Turns(slots=1), []

    def run(name, first):
        with turns.taken(first=first):
            served.append(name)
            gevent.sleep(0)

    gevent.joinall([gevent.spawn(run, "connect 1", False), gevent.spawn(run, "connect 2", False),
                    gevent.spawn(run, "disconnect 1", True), gevent.spawn(run, "connect 3", False),
                    gevent.spawn(run, "disconnect 2", True)], raise_error=True)

    assert served == ["connect 1", "disconnect 1", "disconnect 2", "connect 3", "connect 2"]
    assert (turns.free, turns.waiting, turns.waiting_first) == (1, [], [])



def test_a_connect_killed_while_it_waits_leaves_its_place_and_no_slot_behind():
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
