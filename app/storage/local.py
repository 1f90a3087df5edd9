"""The local storage driver: objects as files under MEDIA_ROOT, moved by the app itself.

The flow is S3's, so clients do not change between drivers: presigned_post() hands out a form
(url, fields) for POST /media/upload whose fields carry a signed, expiring policy, and the app
enforces it as S3 would: that key, that Content-Type, a file within the size range, the `file`
field last. presigned_get() hands out a signed, expiring URL of GET /media/<key>.

Signatures are HMAC-SHA256 with MEDIA_SIGNING_KEY, each prefixed with what it signs ("upload" or
"download") so one can never stand for the other.

Files: the object at MEDIA_ROOT/<key>, its content type beside it in a hidden `.<name>.type`
(keys never have a segment starting with a dot, so no key can name one). An upload is written to a
hidden temporary file in the same directory and renamed into place: readers see the old object or
the whole new one, never part of one.

One host only: every process that serves the API or the jobs must see the same MEDIA_ROOT. Several
hosts (api and realtime processes spread over machines) need STORAGE_DRIVER=s3.
"""
import base64
import hashlib
import hmac
import json
import logging
import os
import re
import secrets
import time
from datetime import datetime, timezone
from pathlib import Path

from flask import send_file, url_for
from werkzeug.sansio.multipart import Data, Epilogue, Field, File, MultipartDecoder, NeedData

from app.errors import ApiError, Forbidden, NotFound, ServiceUnavailable, ValidationFailed
from app.storage.objects import DELETE_BATCH_LIMIT, StoredObject

log = logging.getLogger(__name__)

# Segments of letters, digits, '_', '-' and '.', none starting with '.': no "..", no hidden files.
_KEY = re.compile(r"[A-Za-z0-9_-][A-Za-z0-9_.-]*(/[A-Za-z0-9_-][A-Za-z0-9_.-]*)*")
MAX_KEY_LENGTH = 512
# What the form fields before the file may take, and the chunks the upload is read in.
FORM_FIELDS_MAX_BYTES = 64 * 1024
READ_CHUNK_BYTES = 64 * 1024
# Browsers may not tell a type; served files are inline only for raster images (no SVG: it runs script).
INLINE_TYPES = {"image/jpeg", "image/png", "image/gif", "image/webp"}


class BadUpload(ApiError):
    status, code = 400, "bad_request"


class LocalStore:
    """Presigned-style uploads and downloads, head and batch delete on a directory."""

    def __init__(self, root, signing_key):
        self.root = Path(root).resolve()
        self.signing_key = signing_key.encode()

    @classmethod
    def from_settings(cls, settings):
        """The store of MEDIA_ROOT. Raises ServiceUnavailable without a signing key (MEDIA_SIGNING_KEY,
        or JWT_SECRET_KEY to derive one from)."""
        if not settings["MEDIA_SIGNING_KEY"]:
            raise ServiceUnavailable("image storage is not configured: set MEDIA_SIGNING_KEY (STORAGE_DRIVER=local)")
        return cls(settings["MEDIA_ROOT"], settings["MEDIA_SIGNING_KEY"])

    # --- the storage interface -------------------------------------------------------------

    def presigned_post(self, key, content_type, size, expires_in):
        """{"url", "fields"} for a form POST that may store exactly `size` bytes of `content_type`
        at `key` within `expires_in` seconds; POST /media/upload enforces the signed policy."""
        self._path(key)
        expiration = datetime.fromtimestamp(time.time() + expires_in, timezone.utc)
        document = {"expiration": expiration.strftime("%Y-%m-%dT%H:%M:%SZ"),
                    "conditions": [{"key": key}, {"Content-Type": content_type},
                                   ["content-length-range", size, size]]}
        policy = base64.b64encode(json.dumps(document, separators=(",", ":")).encode()).decode()
        return {"url": url_for("media.upload", _external=True),
                "fields": {"key": key, "Content-Type": content_type, "policy": policy,
                           "signature": self._sign("upload", policy)}}

    def presigned_get(self, key, expires_in):
        """A URL of GET /media/<key> that works for `expires_in` seconds."""
        self._path(key)
        expires = int(time.time()) + expires_in
        return url_for("media.download", key=key, expires=expires,
                       signature=self._sign("download", key, str(expires)), _external=True)

    def head(self, key):
        """The stored object's size and content type, or None if nothing is stored at `key`."""
        path = self._path(key)
        try:
            size = path.stat().st_size
            content_type = _type_path(path).read_text()
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise _unavailable(exc)
        return StoredObject(size=size, content_type=content_type)

    def delete_many(self, keys):
        """Delete `keys` (at most DELETE_BATCH_LIMIT). Returns the keys that could not be deleted;
        keys that did not exist count as deleted, as with S3."""
        keys = list(keys)
        if len(keys) > DELETE_BATCH_LIMIT:
            raise ValueError(f"delete at most {DELETE_BATCH_LIMIT} keys at once, got {len(keys)}")
        refused = set()
        for key in keys:
            path = self._path(key)
            try:
                # The object first: once it is gone, head() says so whatever happens to the type file.
                path.unlink(missing_ok=True)
                _type_path(path).unlink(missing_ok=True)
            except OSError as exc:
                log.warning("could not delete %s: %s", key, exc)
                refused.add(key)
        return refused

    # --- what the /media endpoints do --------------------------------------------------------

    def receive_upload(self, stream, boundary):
        """Store the file of a multipart/form-data upload made with presigned_post()'s form.

        The fields before the file are checked against their signed policy before a byte of the
        file is written; the file is streamed to a temporary file and renamed into place once it
        is whole and within the size range. Raises Forbidden (signature, expiry, a field that
        does not match the policy), ValidationFailed ("file": outside the size range) or BadUpload
        (not such a form).
        """
        fields, file_part, upload = {}, None, None
        try:
            for part, data in _form_parts(stream, boundary):
                if file_part is not None:
                    if part is not file_part:
                        raise BadUpload("the file must be the last form field")
                    upload.write(data)
                elif isinstance(part, Field):
                    fields[part.name] = data.decode("utf-8")
                else:
                    if part.name != "file":
                        raise BadUpload(f"unexpected file field {part.name!r}: send the file as `file`")
                    if "policy" not in fields:
                        raise BadUpload("send the form's fields (key, Content-Type, policy, signature) before the file")
                    content_type, smallest, largest = self._allowed(fields)
                    file_part = part
                    upload = _Upload(self._path(fields["key"]), content_type, smallest, largest)
                    upload.write(data)
            if upload is None:
                raise BadUpload("no file: send it as the form field `file`, after the policy fields")
            upload.commit()
        except UnicodeDecodeError:
            raise BadUpload("form fields must be UTF-8")
        finally:
            if upload is not None:
                upload.discard()

    def download(self, key, expires, signature):
        """The response for GET /media/<key>. Raises Forbidden (bad or expired signature), NotFound."""
        try:
            path = self._path(key)
        except ValueError:
            raise NotFound("no such object")
        if not _same_signature(self._sign("download", key, str(expires)), signature):
            raise Forbidden("the signature does not match this URL")
        remaining = expires - int(time.time())
        if remaining <= 0:
            raise Forbidden("this URL has expired")
        stored = self.head(key)
        if stored is None:
            raise NotFound("no such object")
        inline = stored.content_type in INLINE_TYPES
        response = send_file(path, mimetype=stored.content_type or "application/octet-stream",
                             as_attachment=not inline, download_name=path.name, conditional=True,
                             max_age=remaining)
        response.cache_control.private = True
        response.cache_control.public = False
        response.headers["X-Content-Type-Options"] = "nosniff"
        # Whatever the bytes are, opened directly they cannot run script or load anything.
        response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
        return response

    # --- inside ----------------------------------------------------------------------------

    def _sign(self, purpose, *parts):
        return hmac.new(self.signing_key, "\n".join((purpose, *parts)).encode(), hashlib.sha256).hexdigest()

    def _path(self, key):
        """Where `key` lives. Raises ValueError for a key that is not path-safe."""
        if len(key) > MAX_KEY_LENGTH or not _KEY.fullmatch(key):
            raise ValueError(f"not a storage key: {key!r}")
        return self.root / key

    def _allowed(self, fields):
        """(content type, smallest size, largest size) that the signed policy in `fields` allows."""
        policy, signature = fields.get("policy", ""), fields.get("signature", "")
        if not policy or not _same_signature(self._sign("upload", policy), signature):
            raise Forbidden("the upload policy's signature does not match")
        document = json.loads(base64.b64decode(policy))
        expiration = datetime.strptime(document["expiration"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc)
        if datetime.now(timezone.utc) >= expiration:
            raise Forbidden("the upload policy has expired")
        sizes = (0, None)
        for condition in document["conditions"]:
            if isinstance(condition, list):  # ["content-length-range", smallest, largest]
                sizes = (condition[1], condition[2])
                continue
            [(name, value)] = condition.items()
            if fields.get(name) != value:
                raise Forbidden(f"{name} does not match the upload policy")
        return fields["Content-Type"], *sizes


def _same_signature(expected, given):
    """Constant-time comparison of a hex signature with what the client sent, whatever it sent
    (compare_digest refuses str with non-ASCII characters: the bytes are compared)."""
    return hmac.compare_digest(expected.encode(), given.encode("utf-8", "surrogatepass"))


class _Upload:
    """A file being received into a temporary file beside its final place."""

    def __init__(self, path, content_type, smallest, largest):
        self.path, self.content_type = path, content_type
        self.smallest, self.largest = smallest, largest
        self.size = 0
        path.parent.mkdir(parents=True, exist_ok=True)
        self.temporary = path.with_name(f".upload-{secrets.token_hex(8)}.tmp")
        self.file = open(self.temporary, "xb")

    def write(self, data):
        self.size += len(data)
        if self.largest is not None and self.size > self.largest:
            raise ValidationFailed("file", f"must be at most {self.largest} bytes")
        self.file.write(data)

    def commit(self):
        if self.size < self.smallest:
            raise ValidationFailed("file", f"must be at least {self.smallest} bytes")
        self.file.flush()
        os.fsync(self.file.fileno())
        self.file.close()
        type_temporary = self.temporary.with_suffix(".type")
        type_temporary.write_text(self.content_type)
        os.replace(type_temporary, _type_path(self.path))
        os.replace(self.temporary, self.path)

    def discard(self):
        self.file.close()
        self.temporary.unlink(missing_ok=True)
        self.temporary.with_suffix(".type").unlink(missing_ok=True)


def _type_path(path):
    return path.with_name(f".{path.name}.type")


def _form_parts(stream, boundary):
    """(event, data) for each part of a multipart body, in order: (Field, whole value) for a field,
    (File, chunk) for each chunk of a file, so a file is never held in memory."""
    decoder = MultipartDecoder(boundary, max_form_memory_size=FORM_FIELDS_MAX_BYTES)
    part, value = None, []
    while not decoder.complete:
        chunk = stream.read(READ_CHUNK_BYTES)
        decoder.receive_data(chunk or None)
        event = decoder.next_event()
        while not isinstance(event, (NeedData, Epilogue)):
            if isinstance(event, (Field, File)):
                part, value = event, []
            elif isinstance(event, Data) and isinstance(part, File):
                yield part, event.data
            elif isinstance(event, Data):
                value.append(event.data)
                if sum(map(len, value)) > FORM_FIELDS_MAX_BYTES:
                    raise BadUpload("form field too large")
                if not event.more_data:
                    yield part, b"".join(value)
            event = decoder.next_event()  # (a Preamble, before the first part, carries nothing)
        if isinstance(event, Epilogue):
            return
    raise BadUpload("the form ended early")


def _unavailable(exc):
    log.warning("local storage failed: %s", exc)
    return ServiceUnavailable("image storage unavailable, retry shortly", headers={"Retry-After": "5"})
