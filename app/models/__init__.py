"""Tables and relationships. No HTTP, no network, no commits here: services own transactions."""
from app.models.conversation import Conversation, Participant
from app.models.event import ConversationEvent
from app.models.image import MessageImage
from app.models.message import Message, MessageReaction, MessageVersion, ReplyParent
from app.models.push import PushSubscription
from app.models.user import User

__all__ = ["Conversation", "ConversationEvent", "Message", "MessageImage", "MessageReaction", "MessageVersion",
           "Participant", "PushSubscription", "ReplyParent", "User"]
