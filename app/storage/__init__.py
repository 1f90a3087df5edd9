"""Object storage. Images live in the photos bucket (S3_BUCKET_PHOTOS)."""
from flask import current_app

from app.errors import ServiceUnavailable
from app.storage.s3 import DELETE_BATCH_LIMIT, S3Bucket, StoredObject

__all__ = ["DELETE_BATCH_LIMIT", "S3Bucket", "StoredObject", "photos"]


def photos():
    """The photos bucket of the current app (one boto3 client per app, created on first use).

    Raises ServiceUnavailable when S3_BUCKET_PHOTOS is not configured.
    """
    buckets = current_app.extensions.setdefault("storage", {})
    if "photos" not in buckets:
        name = current_app.config["S3_BUCKET_PHOTOS"]
        if not name:
            raise ServiceUnavailable("image storage is not configured (S3_BUCKET_PHOTOS)")
        buckets["photos"] = S3Bucket.from_settings(current_app.config, name)
    return buckets["photos"]
