"""What happened, told to everyone who needs to know. Called by services only after their
transaction has committed, so nobody hears of a row that was rolled back."""


def message_created(message):
    """A new message was stored: deliver it to the participants' sockets (and push to offline ones)."""


def read_position_moved(position):
    """A participant's read position advanced: tell the other participants (read receipt)."""
