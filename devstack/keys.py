"""Key material in the form operators configure it, for `make run` and the tests."""
import base64

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec


def b64url(raw):
    """Unpadded base64url, as Web Push keys are written."""
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def p256_public_point(private_key):
    """The uncompressed P-256 point of a key: a VAPID public key, or a browser's p256dh."""
    return private_key.public_key().public_bytes(serialization.Encoding.X962,
                                                 serialization.PublicFormat.UncompressedPoint)


def vapid_key_pair():
    """(the private key, {"VAPID_PRIVATE_KEY": base64url raw scalar, "VAPID_PUBLIC_KEY": base64url point})."""
    private_key = ec.generate_private_key(ec.SECP256R1())
    raw = private_key.private_numbers().private_value.to_bytes(32, "big")
    return private_key, {"VAPID_PRIVATE_KEY": b64url(raw), "VAPID_PUBLIC_KEY": b64url(p256_public_point(private_key))}
