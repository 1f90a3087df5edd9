"""The room index keeps python-socketio's room table exactly as python-socketio's own manager does:
the same operations on both leave the same rooms, and every connection's rooms are found without
a scan. python-socketio's plain Manager is the reference."""
import random

import pytest
import socketio

from app.room_index import RoomIndex

NAMESPACES = ("/messaging", "/other")


class IndexedManager(RoomIndex, socketio.Manager):
    pass


class Ids:
    """What pre_connect asks of the server: a fresh sid."""

    def __init__(self):
        self.count = 0

    def generate_id(self):
        self.count += 1
        return f"sid{self.count}"


def managers():
    """The reference manager and ours, each with a server that hands out the same sids."""
    built = []
    for cls in (socketio.Manager, IndexedManager):
        manager = cls()
        manager.server = type("Server", (), {"eio": Ids()})()
        built.append(manager)
    return built


def same_state(reference, indexed):
    assert indexed.rooms == reference.rooms
    assert indexed.pending_connect == reference.pending_connect
    assert indexed.pending_disconnect == reference.pending_disconnect
    for namespace, rooms in reference.rooms.items():
        for sid in rooms.get(None, {}):
            assert sorted(indexed.get_rooms(sid, namespace)) == sorted(reference.get_rooms(sid, namespace))


def apply(manager, operation, *args):
    """The operation's outcome: its result, or the type of what it raised."""
    try:
        return getattr(manager, operation)(*args)
    except ValueError as exc:  # bidict's ValueDuplicationError included
        return type(exc)


def test_random_joins_leaves_closes_and_disconnects_leave_the_same_rooms_as_python_socketio():
    reference, indexed = managers()
    chooser = random.Random(12)
    live = []  # (sid, namespace) pre-connected or connected
    for step in range(3000):
        roll = chooser.random()
        if roll < 0.2 or not live:
            namespace, eio_sid = chooser.choice(NAMESPACES), f"eio{chooser.randrange(200)}"
            sids = {apply(m, "pre_connect", eio_sid, namespace) for m in (reference, indexed)}
            assert len(sids) == 1  # both accept, or both refuse an engine.io session already there
            sid = sids.pop()
            if sid is not None:
                live.append((sid, namespace))
                if chooser.random() < 0.8:
                    for manager in (reference, indexed):
                        manager.connect(sid, namespace)
        else:
            sid, namespace = chooser.choice(live)
            room = chooser.choice([f"user:{chooser.randrange(20)}", "everyone", chooser.choice(live)[0]])
            operation = chooser.choice(["enter_room", "enter_room", "leave_room", "close_room", "disconnect"])
            args = {"enter_room": (sid, namespace, room), "leave_room": (sid, namespace, room),
                    "close_room": (room, namespace), "disconnect": (sid, namespace)}[operation]
            if operation == "disconnect":
                live.remove((sid, namespace))
                for manager in (reference, indexed):
                    manager.pre_disconnect(sid, namespace)
            assert apply(indexed, operation, *args) == apply(reference, operation, *args)
        same_state(reference, indexed)
    for sid, namespace in live:
        for manager in (reference, indexed):
            manager.disconnect(sid, namespace)
    assert indexed.rooms == reference.rooms == {}
    assert indexed.rooms_of == {}


@pytest.mark.parametrize("sids_in_room", [1, 500])
def test_a_disconnect_leaves_every_room_of_its_connection_and_no_other(sids_in_room):
    reference, indexed = managers()
    for manager in (reference, indexed):
        for n in range(sids_in_room):
            sid = manager.pre_connect(f"eio{n}", "/messaging")
            manager.connect(sid, "/messaging")
            manager.enter_room(sid, "/messaging", "user:1")
            manager.enter_room(sid, "/messaging", f"user:{n + 2}")
        manager.disconnect("sid1", "/messaging")

    same_state(reference, indexed)
    assert "sid1" not in indexed.rooms_of.get("/messaging", {})
    assert not indexed.is_connected("sid1", "/messaging")
