"""Object storage for message images: one small interface, two drivers.

- local (app/storage/local.py): files under MEDIA_ROOT, uploaded and served through the app's
  /media endpoints. For one host: every process must see the same directory.
- s3 (app/storage/s3.py): AWS S3, MinIO or any S3-compatible store; for several hosts.

STORAGE_DRIVER picks one (default: s3 when S3_BUCKET_PHOTOS is set, local otherwise). Both offer
presigned_post, presigned_get, head and delete_many, with the same meaning.
"""
from flask import current_app

from app.storage.local import LocalStore
from app.storage.objects import DELETE_BATCH_LIMIT, StoredObject
from app.storage.s3 import S3Bucket

__all__ = ["DELETE_BATCH_LIMIT", "DRIVERS", "LocalStore", "S3Bucket", "StoredObject", "download_url", "photos"]

DRIVERS = {"local": LocalStore, "s3": S3Bucket}


def photos():
    """Where the current app keeps images: its STORAGE_DRIVER's store, built on first use."""
    stores = current_app.extensions.setdefault("storage", {})
    driver = current_app.config["STORAGE_DRIVER"]
    if driver not in stores:
        stores[driver] = DRIVERS[driver].from_settings(current_app.config)
    return stores[driver]


def download_url(key):
    """A signed URL that downloads `key` for IMAGE_URL_EXPIRES_SECONDS. Mint it only for those who
    may see the object."""
    return photos().presigned_get(key, current_app.config["IMAGE_URL_EXPIRES_SECONDS"])
