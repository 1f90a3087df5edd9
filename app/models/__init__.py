"""Tables and relationships. No HTTP, no network, no commits here: services own transactions."""
from app.models.conversation import Conversation, Participant
from app.models.image import MessageImage
from app.models.message import Message
from app.models.push import PushSubscription
from app.models.user import User

__all__ = ["Conversation", "Message", "MessageImage", "Participant", "PushSubscription", "User"]
