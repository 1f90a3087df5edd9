"""Where Socket.IO events go: the namespace and the room names every process agrees on."""
NAMESPACE = "/messaging"


def user_room(user_id):
    """Every connection of a user joins this room, so an event reaches all of the user's devices."""
    return f"user:{user_id}"


def conversation_room(conversation_id):
    """Joined with join_conversation, by participants only."""
    return f"conversation:{conversation_id}"
