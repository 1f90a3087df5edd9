from flask_jwt_extended import jwt_required

from app.api.openapi import error_example, produces
from app.api.parser import Blueprint
from app.api.push.schemas import PushSettingsSchema, SubscribeSchema, SubscriptionSchema, VapidKeySchema
from app.auth.tokens import current_user_id
from app.services import push_subscriptions, users

blp = Blueprint("push", __name__, url_prefix="/push",
                description="Web Push notifications for messages that arrive while you are offline.")


@blp.route("/vapid-public-key")
@blp.response(200, VapidKeySchema)
@blp.alt_response(404, description="Push is not configured on this server", example=error_example(
    404, "push_disabled", "push notifications are not configured on this server"))
@blp.doc(security=[])
def vapid_public_key():
    """The server's VAPID public key (404 push_disabled when push is not configured)."""
    return {"public_key": push_subscriptions.vapid_public_key()}


@blp.route("/subscriptions", methods=["POST"])
@jwt_required()
@blp.arguments(SubscribeSchema, example={"endpoint": "https://fcm.googleapis.com/fcm/send/c1KrmpTuRm0:APA91bH",
                                         "keys": {"p256dh": "BNcRdreALRFXTkOOUHK1EtK2wtaz5Ry4YfYCA_0QTpQtUbVlUls0VJXg"
                                                            "7A8u-Ts1XbjhazAkj7I99e8QcYP7DkM",
                                                  "auth": "tBHItJI5svbpez7KI4CCXg"}})
@blp.response(201, SubscriptionSchema)
@blp.alt_response(200, schema=SubscriptionSchema, description="This endpoint was already subscribed (keys refreshed)")
@blp.doc(**produces(subscription_id="/id"))
def subscribe(data):
    """Register this browser's push subscription (PushSubscription.toJSON())."""
    subscription, created = push_subscriptions.subscribe(current_user_id(), data["endpoint"], data["keys"]["p256dh"],
                                           data["keys"]["auth"])
    return subscription, 201 if created else 200


@blp.route("/subscriptions/<int:subscription_id>", methods=["DELETE"])
@jwt_required()
@blp.response(204)
def unsubscribe(subscription_id):
    """Remove one of your subscriptions (anyone else's: 404)."""
    push_subscriptions.unsubscribe(current_user_id(), subscription_id)


@blp.route("/settings")
@jwt_required()
@blp.response(200, PushSettingsSchema)
def settings():
    """Your notification privacy setting."""
    return {"previews": users.get_user(current_user_id()).push_previews}


@blp.route("/settings", methods=["PUT"])
@jwt_required()
@blp.arguments(PushSettingsSchema)
@blp.response(200, PushSettingsSchema)
def update_settings(data):
    """Set whether notifications show the sender and the message text."""
    return {"previews": push_subscriptions.set_previews(current_user_id(), data["previews"]).push_previews}
