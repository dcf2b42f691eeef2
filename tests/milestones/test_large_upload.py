"""A 200 MB upload streams to disk: memory stays far below the file's size."""

from __future__ import annotations

import hashlib
import resource
import tracemalloc
from pathlib import Path

import httpx
import pytest
from django.urls import reverse

from portal.milestones.models import Evidence

SIZE = 200 * 1024 * 1024


def _make_file(path: Path) -> str:
    digest = hashlib.sha256()
    block = b"0123456789abcdef" * 65536  # 1 MiB
    with path.open("wb") as out:
        head = b"%PDF-1.4\n"
        out.write(head)
        digest.update(head)
        written = len(head)
        while written < SIZE:
            chunk = block[: SIZE - written]
            out.write(chunk)
            digest.update(chunk)
            written += len(chunk)
    return digest.hexdigest()


@pytest.mark.django_db(transaction=True)
def test_a_200_mb_upload_streams_with_bounded_memory(
    live_server, client, ms, pm, tmp_path: Path, private_files: Path
) -> None:  # type: ignore[no-untyped-def]
    source = tmp_path / "handover.pdf"
    expected = _make_file(source)
    client.force_login(pm)
    cookies = {"sessionid": client.cookies["sessionid"].value}
    page_url = live_server.url + reverse("milestones:detail", args=[ms.milestone.pk])

    with httpx.Client(cookies=cookies, timeout=120) as http:
        http.get(page_url)  # sets the CSRF cookie
        token = http.cookies["csrftoken"]
        rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
        tracemalloc.start()
        with source.open("rb") as handle:
            response = http.post(
                live_server.url + reverse("milestones:upload", args=[ms.milestone.pk]),
                data={"slot": "deliverable", "note": "final handover"},
                files={"files": ("handover.pdf", handle, "application/pdf")},
                headers={"X-CSRFToken": token, "Referer": page_url},
            )
        _, traced_peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        rss_growth = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 - rss_before

    assert response.status_code == 302, response.text[:500]
    evidence = Evidence.objects.get()
    assert (evidence.size, evidence.sha256) == (SIZE + 0, expected)
    assert (private_files / evidence.stored_path).stat().st_size == SIZE
    # Client and server share this process; both must stay far below 200 MB.
    assert traced_peak < 32 * 1024 * 1024, traced_peak
    assert rss_growth < 64 * 1024 * 1024, rss_growth
