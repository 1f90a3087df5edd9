"""python-socketio's room table, with an index of the rooms each connection is in.

python-socketio finds the rooms of a connection by scanning every room of its namespace:
`BaseManager.basic_disconnect` copies the namespace's whole table for each disconnect, and
`get_rooms` walks it. Every connection has a room of its own (its sid) and joins its user's, so
with N connections in a process one disconnect walks 2N rooms, and N disconnects at once (a
restart, a storm of refused connects) cost O(N²): with 5,000 connections that was most of a
process's CPU (bench/RESULTS.md, "Target 3: reconnect storm").

`RoomIndex` keeps the rooms of each (namespace, sid) beside the table, so a disconnect costs
O(rooms of that connection). python-socketio changes the table only in `basic_enter_room` and
`basic_leave_room` (`basic_close_room` and `basic_disconnect` leave rooms through the latter), so
the index follows those two. It holds a tuple per connection (three rooms, usually): about 100
bytes, where a set or dict would cost three times as much (target 2 counts bytes per connection).
"""


class RoomIndex:
    """Mixed in before a python-socketio manager class: `class Queue(RoomIndex, RedisManager)`."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.rooms_of = {}  # namespace -> {sid: (rooms, in the order joined)}

    def basic_enter_room(self, sid, namespace, room, eio_sid=None):
        # Raises (a duplicate connection, a sid room) before the table changes: the index follows it.
        super().basic_enter_room(sid, namespace, room, eio_sid=eio_sid)
        sids = self.rooms_of.setdefault(namespace, {})
        rooms = sids.get(sid, ())
        if room not in rooms:
            sids[sid] = rooms + (room,)

    def basic_leave_room(self, sid, namespace, room):
        super().basic_leave_room(sid, namespace, room)
        sids = self.rooms_of.get(namespace)
        rooms = sids.get(sid, ()) if sids else ()
        if room in rooms:
            rest = tuple(joined for joined in rooms if joined != room)
            if rest:
                sids[sid] = rest
            else:
                del sids[sid]
                if not sids:
                    del self.rooms_of[namespace]

    def basic_disconnect(self, sid, namespace, **kwargs):
        """python-socketio's (socketio/base_manager.py, 5.x), with the rooms read from the index."""
        if namespace not in self.rooms:
            return
        for room in self.rooms_of.get(namespace, {}).get(sid, ()):
            self.basic_leave_room(sid, namespace, room)
        self.callbacks.pop(sid, None)
        for pending in (self.pending_connect, self.pending_disconnect):
            if sid in pending.get(namespace, ()):
                pending[namespace].remove(sid)
                if not pending[namespace]:
                    del pending[namespace]

    def get_rooms(self, sid, namespace):
        """The rooms a connection is in, its own among them, as python-socketio lists them."""
        return [room for room in self.rooms_of.get(namespace, {}).get(sid, ()) if room is not None]
