"""Request attachments follow the same rules as milestone evidence (case C18).

A thin wrapper over `portal.milestones.uploads`, so the two kinds of upload can never
drift apart: type detected from content, allow-listed extensions, size and count
limits, safe names, staged then moved into place. Attachments are stored under their
own folder so the evidence orphan sweep never mistakes them for its own leftovers.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.core.files.uploadedfile import UploadedFile

from portal.milestones.uploads import (
    SizeLimitUploadHandler,
    StagedFile,
    UploadRefused,
    accepted_extensions,
    discard,
    serve_content_type,
    stage_all,
    storage_path,
)

__all__ = [
    "SizeLimitUploadHandler",
    "StagedFile",
    "UploadRefused",
    "accepted_extensions",
    "discard",
    "move_into_place",
    "serve_content_type",
    "stage_attachments",
    "storage_path",
]

FOLDER = "client-requests"


def stage_attachments(uploads: Iterable[UploadedFile]) -> list[StagedFile]:
    """Validate and stage every file, or none; an empty list is allowed (no attachment)."""
    files = list(uploads)
    if not files:
        return []
    staged = stage_all(files)
    for item in staged:
        # Same random name, our own folder.
        item.relative_path = (
            f"{FOLDER}/{item.relative_path.rsplit('/', 2)[-2]}/"
            + (item.relative_path.rsplit("/", 1)[-1])
        )
    return staged


def move_into_place(staged: list[StagedFile]) -> None:
    for item in staged:
        item.final_path.parent.mkdir(parents=True, exist_ok=True)
        item.temp_path.replace(item.final_path)  # same filesystem: an atomic rename
