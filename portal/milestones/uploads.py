"""Evidence uploads: type detection from content, safe names, staged storage.

Every file of a request is checked and copied to a temporary name first; only when all
pass do they move into place, inside the transaction that creates their rows. A file is
trusted neither by its extension nor by the browser's Content-Type (case C18).
"""

from __future__ import annotations

import codecs
import hashlib
import logging
import re
import unicodedata
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import filetype
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import FileUploadHandler, SkipFile

logger = logging.getLogger(__name__)

CHUNK = 1024 * 1024

# Detected type -> (extensions allowed for it, content type stored and served).
ACCEPTED_TYPES: dict[str, tuple[tuple[str, ...], str]] = {
    "pdf": (("pdf",), "application/pdf"),
    "png": (("png",), "image/png"),
    "jpg": (("jpg", "jpeg"), "image/jpeg"),
    "docx": (
        ("docx",),
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ),
    "xlsx": (("xlsx",), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    "pptx": (
        ("pptx",),
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    ),
    "txt": (("txt",), "text/plain"),
    "csv": (("csv",), "text/csv"),
}
TEXT_EXTENSIONS = {"txt": "txt", "csv": "csv"}
# Served with their own type; anything else goes out as application/octet-stream.
SERVE_AS_IS = {ct for _, ct in ACCEPTED_TYPES.values()}

_UNSAFE_NAME = re.compile(r"[\x00-\x1f\x7f]")


class UploadRefused(Exception):
    """A file was refused; the message names it and says why."""

    def __init__(self, name: str, reason: str) -> None:
        super().__init__(f"{name}: {reason}")
        self.name = name
        self.reason = reason


@dataclass
class StagedFile:
    """A validated upload waiting under a temporary name."""

    original_name: str
    temp_path: Path
    relative_path: str  # final place, relative to PRIVATE_FILES_ROOT
    content_type: str
    size: int
    sha256: str

    @property
    def final_path(self) -> Path:
        return private_root() / self.relative_path


def private_root() -> Path:
    return Path(settings.PRIVATE_FILES_ROOT)


def accepted_extensions() -> list[str]:
    return sorted({ext for exts, _ in ACCEPTED_TYPES.values() for ext in exts})


def safe_display_name(raw: str) -> str:
    """The name to show: last path component, no control characters, non-ASCII kept."""
    name = unicodedata.normalize("NFC", raw or "")
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    # Format characters (Cf) include right-to-left overrides that disguise extensions.
    name = "".join(
        ch for ch in _UNSAFE_NAME.sub("", name) if unicodedata.category(ch) not in ("Cc", "Cf")
    )
    name = name.strip().strip(".").strip()
    if not name:
        name = "file"
    if len(name) > 200:
        stem, dot, ext = name.rpartition(".")
        name = f"{stem[: 190 - len(ext)]}.{ext}" if dot and len(ext) <= 8 else name[:200]
    return name


def _extension(name: str) -> str:
    _, dot, ext = name.rpartition(".")
    return ext.lower() if dot else ""


def _detect(head: bytes, extension: str) -> str | None:
    """The accepted type key for a file starting with `head`, or None."""
    kind = filetype.guess(head) if head else None
    if kind is not None:
        key = "jpg" if kind.extension in ("jpg", "jpeg") else kind.extension
        return key if key in ACCEPTED_TYPES else None
    if extension in TEXT_EXTENSIONS:
        return TEXT_EXTENSIONS[extension]
    return None


def _looks_like_markup(head: bytes) -> bool:
    """Text that opens with a tag (HTML, SVG, XML) is active content in disguise."""
    text = head.lstrip(b"\xef\xbb\xbf").lstrip()
    return text.startswith(b"<")


def stage(upload: UploadedFile) -> StagedFile:
    """Validate one upload while copying it in chunks to a temporary name.

    Never reads the whole file into memory: a large upload is already on disk
    (TemporaryFileUploadHandler) and is copied and hashed chunk by chunk.
    """
    name = safe_display_name(upload.name or "")
    size = upload.size or 0
    if size == 0:
        raise UploadRefused(name, "the file is empty.")
    if size > settings.UPLOAD_MAX_BYTES:
        raise UploadRefused(name, f"larger than the limit of {_mb(settings.UPLOAD_MAX_BYTES)}.")
    extension = _extension(name)
    if not extension:
        raise UploadRefused(name, "the name has no extension.")

    upload.seek(0)
    head = upload.read(8192)
    detected = _detect(head, extension)
    if detected is None:
        raise UploadRefused(
            name,
            f"this type of file is not accepted (accepted: {', '.join(accepted_extensions())}).",
        )
    extensions, content_type = ACCEPTED_TYPES[detected]
    if extension not in extensions:
        raise UploadRefused(
            name, f"the extension .{extension} does not match the content ({detected})."
        )
    is_text = detected in TEXT_EXTENSIONS.values()
    if is_text and _looks_like_markup(head):
        raise UploadRefused(name, "the content is HTML or other markup, which is not accepted.")

    stored = uuid.uuid4().hex
    relative = f"evidence/{stored[:2]}/{stored}"
    temp_dir = private_root() / "evidence" / "tmp"
    temp_dir.mkdir(parents=True, exist_ok=True)
    temp_path = temp_dir / f"{stored}.part"
    digest = hashlib.sha256()
    decoder = codecs.getincrementaldecoder("utf-8")() if is_text else None
    written = 0
    try:
        upload.seek(0)
        with temp_path.open("wb") as out:
            for chunk in upload.chunks(CHUNK):
                written += len(chunk)
                if written > settings.UPLOAD_MAX_BYTES:
                    raise UploadRefused(
                        name, f"larger than the limit of {_mb(settings.UPLOAD_MAX_BYTES)}."
                    )
                if decoder is not None:
                    _decode(decoder, chunk, name, final=False)
                digest.update(chunk)
                out.write(chunk)
        if decoder is not None:
            _decode(decoder, b"", name, final=True)
    except BaseException:
        temp_path.unlink(missing_ok=True)
        raise
    return StagedFile(name, temp_path, relative, content_type, written, digest.hexdigest())


def _decode(decoder: Any, chunk: bytes, name: str, *, final: bool) -> None:
    try:
        text = decoder.decode(chunk, final=final)
    except UnicodeDecodeError:
        raise UploadRefused(name, "a text file must be UTF-8 encoded.") from None
    if "\x00" in text:
        raise UploadRefused(name, "a text file must not contain NUL characters.")


def stage_all(uploads: Iterable[UploadedFile]) -> list[StagedFile]:
    """Stage every file, or none: the first refusal discards what was staged before it."""
    files = list(uploads)
    if not files:
        raise UploadRefused("upload", "choose at least one file.")
    if len(files) > settings.UPLOAD_MAX_FILES:
        raise UploadRefused(
            "upload", f"at most {settings.UPLOAD_MAX_FILES} files can be sent at once."
        )
    staged: list[StagedFile] = []
    try:
        for upload in files:
            staged.append(stage(upload))
    except BaseException:
        discard(staged)
        raise
    return staged


def move_into_place(staged: list[StagedFile]) -> None:
    """Move staged files to their final names (same filesystem, so each move is atomic)."""
    for item in staged:
        item.final_path.parent.mkdir(parents=True, exist_ok=True)
        item.temp_path.replace(item.final_path)


def discard(staged: list[StagedFile]) -> None:
    """Remove staged files wherever they are (temporary or final name)."""
    for item in staged:
        item.temp_path.unlink(missing_ok=True)
        item.final_path.unlink(missing_ok=True)


def _mb(n: int) -> str:
    return f"{n / (1024 * 1024):.0f} MB"


class SizeLimitUploadHandler(FileUploadHandler):
    """Stop receiving a file once it passes UPLOAD_MAX_BYTES instead of spooling it whole.

    Installed first in the chain by the upload views, so an oversized file's remaining
    chunks never reach the temporary-file handler; its name is remembered on the request
    so the form can say which file was refused.
    """

    def new_file(self, *args: Any, **kwargs: Any) -> None:
        super().new_file(*args, **kwargs)
        self._received = 0

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes | None:
        self._received += len(raw_data)
        if self._received > settings.UPLOAD_MAX_BYTES:
            too_large = getattr(self.request, "uploads_too_large", [])
            too_large.append(safe_display_name(self.file_name or ""))
            self.request.uploads_too_large = too_large  # type: ignore[union-attr]
            raise SkipFile
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None


def storage_path(relative: str) -> Path:
    """The absolute path of a stored file; refuses anything outside PRIVATE_FILES_ROOT."""
    root = private_root().resolve()
    path = (root / relative).resolve()
    if root not in path.parents:
        raise ValueError(f"{relative!r} is outside the private files root.")
    return path


def serve_content_type(content_type: str) -> str:
    return content_type if content_type in SERVE_AS_IS else "application/octet-stream"


def sweep_orphans(referenced: set[str], older_than_seconds: int = 3600) -> list[Path]:
    """Delete evidence files no row refers to (left by a rollback of an outer transaction)."""
    import time

    root = private_root() / "evidence"
    if not root.exists():
        return []
    removed: list[Path] = []
    cutoff = time.time() - older_than_seconds
    for path in root.rglob("*"):
        if not path.is_file() or path.stat().st_mtime > cutoff:
            continue
        relative = path.relative_to(private_root()).as_posix()
        if relative not in referenced:
            path.unlink(missing_ok=True)
            removed.append(path)
    if removed:
        logger.warning("Removed %s orphan evidence files", len(removed))
    return removed
