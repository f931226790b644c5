"""Media files (question images), stored content-addressed on disk under the instance folder."""

from __future__ import annotations

import hashlib
import os
import tempfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import sqlalchemy as sa

from qbank.domain.media import looks_like_svg, sniff_image
from qbank.extensions import db
from qbank.models import MediaFile, MediaUpload, User


class MediaRefused(ValueError):
    """The bytes are not an image qbank will serve; the message says why."""


def media_url(sha256: str) -> str:
    return f"/media/{sha256}"


@dataclass(frozen=True)
class MediaStore:
    """Files named by their SHA-256, two levels deep: ``ab/cd/abcd...``."""

    root: Path

    def path(self, sha256: str) -> Path:
        return self.root / sha256[:2] / sha256[2:4] / sha256

    def write(self, data: bytes) -> str:
        sha256 = hashlib.sha256(data).hexdigest()
        target = self.path(sha256)
        if not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            # Write then rename: a reader never sees half a file.
            fd, temporary = tempfile.mkstemp(dir=target.parent, prefix=".upload-")
            with os.fdopen(fd, "wb") as out:
                out.write(data)
            os.replace(temporary, target)
        return sha256


def find_media(sha256: str) -> MediaFile | None:
    return db.session.scalar(sa.select(MediaFile).where(MediaFile.sha256 == sha256))


def store_media(store: MediaStore, data: bytes, uploader: User | None, now: datetime) -> MediaFile:
    """Keep an image once, whatever name it came under; refuse anything that is not one."""
    content_type = sniff_image(data)
    if content_type is None:
        if looks_like_svg(data):
            raise MediaRefused("SVG images are refused (they can carry scripts). Use PNG or JPEG.")
        raise MediaRefused("this file is not a PNG, JPEG, GIF or WebP image.")
    sha256 = hashlib.sha256(data).hexdigest()
    media = db.session.scalar(sa.select(MediaFile).where(MediaFile.sha256 == sha256))
    if media is None:
        store.write(data)
        media = MediaFile(
            sha256=sha256,
            content_type=content_type,
            size=len(data),
            created_at=now,
            uploaded_by_id=uploader.id if uploader else None,
        )
        db.session.add(media)
        db.session.flush()
    if uploader is not None and db.session.get(MediaUpload, (media.id, uploader.id)) is None:
        # Whoever sends the bytes holds a copy, and may put it in their own questions.
        db.session.add(MediaUpload(media_id=media.id, user_id=uploader.id, uploaded_at=now))
        db.session.flush()
    return media
