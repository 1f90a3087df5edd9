"""The s3 storage driver: one bucket of AWS S3, MinIO or any S3-compatible store."""
import logging

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from app.errors import ServiceUnavailable
from app.storage.objects import DELETE_BATCH_LIMIT, StoredObject

log = logging.getLogger(__name__)


class S3Bucket:
    """Presigned uploads and downloads, HEAD and batch delete on one bucket.

    Network failures and S3 server errors raise ServiceUnavailable; a missing object is not
    an error (head() returns None, delete_many() counts it as deleted, as S3 does).
    """

    def __init__(self, client, bucket, signer=None):
        self.client = client
        self.bucket = bucket
        # Presigned URLs are used by browsers; `signer` builds them for the endpoint browsers can
        # reach when it differs from the one this service talks to (S3_PUBLIC_ENDPOINT_URL).
        self.signer = signer or client

    @classmethod
    def from_settings(cls, settings):
        """The photos bucket (S3_BUCKET_PHOTOS), with a client built from the S3_* / AWS_* settings."""
        options = {"region_name": settings["AWS_REGION"],
                   "config": Config(signature_version="s3v4", connect_timeout=5, read_timeout=15,
                                    retries={"mode": "standard", "max_attempts": 3},
                                    # MinIO and other S3-compatible stores want path-style URLs.
                                    s3={"addressing_style": "path" if settings["S3_ENDPOINT_URL"] else "auto"})}
        if settings["S3_ENDPOINT_URL"]:
            options["endpoint_url"] = settings["S3_ENDPOINT_URL"]
        if settings["AWS_ACCESS_KEY_ID"]:
            # Without explicit keys boto3 falls back to its default chain (instance role, ~/.aws ...).
            options["aws_access_key_id"] = settings["AWS_ACCESS_KEY_ID"]
            options["aws_secret_access_key"] = settings["AWS_SECRET_ACCESS_KEY"]
        signer = None
        if settings.get("S3_PUBLIC_ENDPOINT_URL"):
            signer = boto3.client("s3", **{**options, "endpoint_url": settings["S3_PUBLIC_ENDPOINT_URL"]})
        return cls(boto3.client("s3", **options), settings["S3_BUCKET_PHOTOS"], signer)

    def presigned_post(self, key, content_type, size, expires_in):
        """{"url", "fields"} for a browser form POST that may store exactly `size` bytes of
        `content_type` at `key`, within `expires_in` seconds. S3 enforces the signed policy."""
        return self.signer.generate_presigned_post(
            Bucket=self.bucket, Key=key,
            Fields={"Content-Type": content_type},
            Conditions=[{"Content-Type": content_type}, ["content-length-range", size, size]],
            ExpiresIn=expires_in)

    def presigned_get(self, key, expires_in):
        """A URL that downloads `key` for `expires_in` seconds. Signing is local: no request is made."""
        return self.signer.generate_presigned_url(
            "get_object", Params={"Bucket": self.bucket, "Key": key}, ExpiresIn=expires_in)

    def head(self, key):
        """The stored object's size and content type, or None if nothing is stored at `key`."""
        try:
            response = self.client.head_object(Bucket=self.bucket, Key=key)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                return None
            raise _unavailable(exc)
        except BotoCoreError as exc:
            raise _unavailable(exc)
        return StoredObject(size=response["ContentLength"], content_type=response.get("ContentType", ""))

    def delete_many(self, keys):
        """Delete `keys` (at most DELETE_BATCH_LIMIT) in one DeleteObjects call.

        Returns the set of keys S3 could not delete; keys that did not exist count as deleted.
        """
        keys = list(keys)
        if not keys:
            return set()
        if len(keys) > DELETE_BATCH_LIMIT:
            raise ValueError(f"DeleteObjects takes at most {DELETE_BATCH_LIMIT} keys, got {len(keys)}")
        try:
            response = self.client.delete_objects(
                Bucket=self.bucket, Delete={"Objects": [{"Key": key} for key in keys], "Quiet": True})
        except (BotoCoreError, ClientError) as exc:
            raise _unavailable(exc)
        errors = response.get("Errors", [])
        for error in errors:
            log.warning("S3 could not delete %s: %s %s", error.get("Key"), error.get("Code"), error.get("Message"))
        return {error["Key"] for error in errors}


def _unavailable(exc):
    log.warning("S3 request failed: %s", exc)
    return ServiceUnavailable("image storage unavailable, retry shortly", headers={"Retry-After": "5"})
