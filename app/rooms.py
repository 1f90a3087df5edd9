"""Where Socket.IO events go: the namespace and the room names every process agrees on."""
NAMESPACE = "/messaging"


def user_room(user_id):
    """Every connection of a user joins this room, so an event reaches all of the user's devices."""
    return f"user:{user_id}"

