"""Upload checks on their own: type from content, extension agreement, safe names."""

from __future__ import annotations

from pathlib import Path

import pytest

from portal.milestones import uploads
from tests.milestones.files import HTML, PDF, PNG, SVG, docx, upload


@pytest.mark.parametrize(
    ("name", "content", "content_type"),
    [
        ("report.pdf", PDF, "application/pdf"),
        ("screen.png", PNG, "image/png"),
        (
            "letter.docx",
            docx(),
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ),
        ("hours.csv", "name,hours\nJosé,7.5\n".encode(), "text/csv"),
        ("notes.txt", b"all deliverables handed over\n", "text/plain"),
    ],
)
def test_accepted_types_are_detected_from_content(
    private_files: Path, name: str, content: bytes, content_type: str
) -> None:
    staged = uploads.stage(upload(name, content))

    assert staged.content_type == content_type
    assert staged.size == len(content)
    assert staged.temp_path.read_bytes() == content
    uploads.discard([staged])


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("report.html", HTML, "not accepted"),
        ("diagram.svg", SVG, "not accepted"),
        ("photo.png", HTML, "not accepted"),
        ("scope.pdf", b"<html><body>scope</body></html>", "not accepted"),
        ("scope.txt", b"  <html><script>x</script>", "markup"),
        ("data.csv", b"\xff\xfe\x00bad", "UTF-8"),
        ("report.png", PDF, "does not match"),
        ("archive.zip", b"PK\x03\x04" + b"\x00" * 40, "not accepted"),
        ("run.exe", b"MZ\x90\x00" + b"\x00" * 60, "not accepted"),
        ("empty.pdf", b"", "empty"),
        ("noextension", PDF, "no extension"),
    ],
)
def test_hostile_or_wrong_files_are_refused(
    private_files: Path, name: str, content: bytes, reason: str
) -> None:
    with pytest.raises(uploads.UploadRefused, match=reason):
        uploads.stage(upload(name, content))

    assert not list(private_files.rglob("*.part"))


def test_a_file_over_the_limit_is_refused(settings, private_files: Path) -> None:  # type: ignore[no-untyped-def]
    settings.UPLOAD_MAX_BYTES = 100

    with pytest.raises(uploads.UploadRefused, match="larger than the limit"):
        uploads.stage(upload("big.pdf", PDF + b"0" * 200))


def test_stage_all_discards_earlier_files_when_a_later_one_fails(private_files: Path) -> None:
    with pytest.raises(uploads.UploadRefused, match=r"evil\.html"):
        uploads.stage_all([upload("ok.pdf", PDF), upload("evil.html", HTML)])

    assert [p for p in private_files.rglob("*") if p.is_file()] == []


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("../../etc/passwd.pdf", "passwd.pdf"),
        ("C:\\Users\\x\\report.pdf", "report.pdf"),
        ("rep\x00ort\r\n.pdf", "report.pdf"),
        ("Abnahmeprotokoll Büro - Phase 2 ✓.pdf", "Abnahmeprotokoll Büro - Phase 2 ✓.pdf"),
        ("invoice\u202efdp.exe", "invoicefdp.exe"),
        ("..", "file"),
    ],
)
def test_display_names_lose_paths_and_control_characters(raw: str, shown: str) -> None:
    assert uploads.safe_display_name(raw) == shown


def test_storage_path_refuses_paths_outside_the_private_root(private_files: Path) -> None:
    with pytest.raises(ValueError, match="outside"):
        uploads.storage_path("../secrets/django")
