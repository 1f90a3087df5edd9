"""What both storage drivers share."""
from dataclasses import dataclass

# S3's DeleteObjects accepts at most this many keys per call; both drivers take batches of this size.
DELETE_BATCH_LIMIT = 1000


@dataclass(frozen=True)
class StoredObject:
    size: int
    content_type: str
