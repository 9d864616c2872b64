"""Files kept in the database (:class:`StoredFile`): uploads waiting to be imported and the
outputs of export jobs.

They live in the database rather than on one machine's disk so that an upload made through
one app instance can be reviewed through another and imported by a worker anywhere. Both
hold row-level answers, so both expire: uploads after two days, exports after seven, and
:func:`delete_expired` (run by the workers' housekeeping) removes them.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

from revaluation.extensions import db
from revaluation.models import StoredFile
from revaluation.models.base import utcnow

UPLOAD_DAYS = 2
EXPORT_DAYS = 7
UPLOAD_TYPES = {
    "csv": "text/csv",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def upload_name(content: bytes, extension: str) -> str:
    """An upload's reference: the SHA-256 of its bytes and its extension."""
    return f"{hashlib.sha256(content).hexdigest()}.{extension}"


def keep_upload(
    evaluation_id: int, content: bytes, extension: str, *, user_id: int | None
) -> StoredFile:
    """Store an uploaded response file (or renew the expiry of the same file uploaded before)."""
    name = upload_name(content, extension)
    expires = utcnow() + timedelta(days=UPLOAD_DAYS)
    existing = find_upload(evaluation_id, name)
    if existing is not None:
        existing.expires_at = expires
        return existing
    stored = StoredFile(
        evaluation_id=evaluation_id,
        purpose="upload",
        name=name,
        mimetype=UPLOAD_TYPES[extension],
        sha256=name.split(".", 1)[0],
        size=len(content),
        content=content,
        created_by_id=user_id,
        expires_at=expires,
    )
    db.session.add(stored)
    db.session.flush()
    return stored


def find_upload(evaluation_id: int, name: str) -> StoredFile | None:
    """The evaluation's unexpired upload with this reference, if any."""
    return db.session.execute(
        db.select(StoredFile)
        .filter_by(evaluation_id=evaluation_id, purpose="upload", name=name)
        .where(StoredFile.expires_at > utcnow())
        .order_by(StoredFile.id.desc())
        .limit(1)
    ).scalar_one_or_none()


def keep_export(
    evaluation_id: int,
    content: bytes,
    *,
    name: str,
    mimetype: str,
    job_id: int | None,
    user_id: int | None,
) -> StoredFile:
    """Store an export job's output until it expires."""
    stored = StoredFile(
        evaluation_id=evaluation_id,
        purpose="export",
        name=name,
        mimetype=mimetype,
        sha256=hashlib.sha256(content).hexdigest(),
        size=len(content),
        content=content,
        job_id=job_id,
        created_by_id=user_id,
        expires_at=utcnow() + timedelta(days=EXPORT_DAYS),
    )
    db.session.add(stored)
    db.session.flush()
    return stored


def export_file(evaluation_id: int, file_id: int) -> StoredFile | None:
    """An unexpired export of this evaluation by id, if any."""
    stored = db.session.get(StoredFile, file_id)
    if (
        stored is None
        or stored.evaluation_id != evaluation_id
        or stored.purpose != "export"
        or _aware(stored.expires_at) <= utcnow()
    ):
        return None
    return stored


def delete_expired() -> int:
    """Delete every file past its expiry (the caller commits); returns how many."""
    result = db.session.execute(db.delete(StoredFile).where(StoredFile.expires_at <= utcnow()))
    return result.rowcount or 0


def _aware(moment: datetime) -> datetime:
    """SQLite hands back naive UTC times; compare them as UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
