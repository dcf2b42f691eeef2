"""Milestone pages: who sees what, uploads through the view, downloads, client sign-off."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.urls import reverse

from portal.milestones import services
from portal.milestones.models import BillingState, Evidence, MilestoneRecord, SignOff
from tests.milestones.files import HTML, PDF, PNG, SVG, pdf, upload

pytestmark = pytest.mark.django_db


def _stored_files(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()]


def _post_files(client, record, *files, slot="deliverable", url="milestones:upload"):  # type: ignore[no-untyped-def]
    return client.post(
        reverse(url, args=[record.pk]), {"slot": slot, "note": "", "files": list(files)}
    )


def _ready(ms, pm) -> MilestoneRecord:  # type: ignore[no-untyped-def]
    record = ms.record
    services.add_evidence(record.pk, actor=pm, slot_key="acceptance_document", files=[pdf()])
    return services.mark_ready(record.pk, actor=pm)


# -- staff pages --------------------------------------------------------------------------


def test_pm_sees_the_milestone_page_with_checklist_and_timeline(client, ms, pm) -> None:  # type: ignore[no-untyped-def]
    client.force_login(pm)

    response = client.get(reverse("milestones:detail", args=[ms.milestone.pk]))

    assert response.status_code == 200
    assert b"Signed acceptance document" in response.content
    assert b"Timeline" in response.content


def test_the_page_answers_a_fragment_to_htmx(client, ms, pm) -> None:  # type: ignore[no-untyped-def]
    client.force_login(pm)

    response = client.get(
        reverse("milestones:detail", args=[ms.milestone.pk]), headers={"HX-Request": "true"}
    )

    assert b"milestone-panel-body" in response.content
    assert b"<html" not in response.content


def test_outsiders_and_client_contacts_get_404_on_the_staff_page(
    client, ms, outsider, client_contact
) -> None:  # type: ignore[no-untyped-def]
    for user in (outsider, client_contact):
        client.force_login(user)
        assert client.get(reverse("milestones:detail", args=[ms.milestone.pk])).status_code == 404


def test_finance_can_read_but_not_upload_or_mark_ready(client, ms, finance) -> None:  # type: ignore[no-untyped-def]
    client.force_login(finance)
    record = ms.record

    assert client.get(reverse("milestones:detail", args=[record.pk])).status_code == 200
    assert _post_files(client, record, pdf()).status_code == 403
    assert client.post(reverse("milestones:ready", args=[record.pk])).status_code == 403


def test_mark_ready_without_evidence_answers_400_naming_the_document(client, ms, pm) -> None:  # type: ignore[no-untyped-def]
    client.force_login(pm)

    response = client.post(reverse("milestones:ready", args=[ms.record.pk]))

    assert response.status_code == 400
    assert b"Signed acceptance document" in response.content


def test_pm_uploads_a_non_ascii_named_pdf(client, ms, pm, private_files) -> None:  # type: ignore[no-untyped-def]
    client.force_login(pm)

    response = _post_files(client, ms.record, upload("Abnahme Büro ✓.pdf", PDF))

    assert response.status_code == 302
    evidence = Evidence.objects.get()
    assert evidence.original_name == "Abnahme Büro ✓.pdf"
    assert (private_files / evidence.stored_path).read_bytes() == PDF
    assert "Büro" not in evidence.stored_path


# -- bad uploads: each refused with 400, nothing stored (C18) ----------------------------


@pytest.mark.parametrize(
    ("files", "named"),
    [
        ([upload("diagram.svg", SVG, "image/svg+xml")], b"diagram.svg"),
        ([upload("report.html", HTML, "text/html")], b"report.html"),
        ([upload("photo.png", HTML, "image/png")], b"photo.png"),
        ([upload("scope.pdf", b"<html><body>x</body></html>", "application/pdf")], b"scope.pdf"),
        ([upload("evil.html", HTML, "text/html"), upload("ok.pdf", PDF)], b"evil.html"),
        ([upload("ok.pdf", PDF), upload("evil.html", HTML, "text/html")], b"evil.html"),
        ([upload("empty.pdf", b"")], b"empty.pdf"),
        ([upload("../../etc/cron.d/x.sh", b"#!/bin/sh\nrm -rf /\n")], b"x.sh"),
    ],
)
def test_bad_uploads_are_refused_whole_and_leave_nothing(
    client, ms, pm, private_files, files, named
) -> None:  # type: ignore[no-untyped-def]
    client.force_login(pm)

    response = _post_files(client, ms.record, *files)

    assert response.status_code == 400
    assert named in response.content
    assert b"Nothing was stored" in response.content
    assert Evidence.objects.count() == 0
    assert _stored_files(private_files) == []


def test_a_file_over_the_size_limit_is_refused_by_name(
    client, ms, pm, settings, private_files
) -> None:  # type: ignore[no-untyped-def]
    settings.UPLOAD_MAX_BYTES = 1000
    client.force_login(pm)

    response = _post_files(client, ms.record, upload("huge.pdf", PDF + b"0" * 5000))

    assert response.status_code == 400
    assert b"huge.pdf" in response.content and b"larger than the limit" in response.content
    assert Evidence.objects.count() == 0 and _stored_files(private_files) == []


def test_too_many_files_in_one_request_are_refused(client, ms, pm, settings, private_files) -> None:  # type: ignore[no-untyped-def]
    settings.UPLOAD_MAX_FILES = 2
    settings.DATA_UPLOAD_MAX_NUMBER_FILES = 2
    client.force_login(pm)

    response = _post_files(client, ms.record, pdf("a.pdf"), pdf("b.pdf"), pdf("c.pdf"))

    assert response.status_code == 400
    assert b"At most 2 files" in response.content
    assert Evidence.objects.count() == 0 and _stored_files(private_files) == []


def test_control_characters_are_stripped_from_the_kept_name(client, ms, pm) -> None:  # type: ignore[no-untyped-def]
    client.force_login(pm)

    _post_files(client, ms.record, upload("re\x07port\x1b.png", PNG))

    assert Evidence.objects.get().original_name == "report.png"


def test_upload_without_csrf_token_is_refused(ms, pm, private_files) -> None:  # type: ignore[no-untyped-def]
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(pm)

    response = _post_files(strict, ms.record, pdf())

    assert response.status_code == 403
    assert Evidence.objects.count() == 0


# -- downloads ----------------------------------------------------------------------------


def test_download_is_an_attachment_with_nosniff_and_a_safe_type(client, ms, pm) -> None:  # type: ignore[no-untyped-def]
    client.force_login(pm)
    _post_files(client, ms.record, upload("Übergabe.pdf", PDF))
    evidence = Evidence.objects.get()

    response = client.get(reverse("milestones:download", args=[evidence.pk]))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"] == (
        "attachment; filename=\"_bergabe.pdf\"; filename*=UTF-8''%C3%9Cbergabe.pdf"
    )
    assert b"".join(response.streaming_content) == PDF


def test_an_unlisted_stored_type_is_served_as_octet_stream(client, ms, pm) -> None:  # type: ignore[no-untyped-def]
    client.force_login(pm)
    _post_files(client, ms.record, pdf())
    Evidence.objects.update(content_type="text/html")

    response = client.get(reverse("milestones:download", args=[Evidence.objects.get().pk]))

    assert response["Content-Type"] == "application/octet-stream"


def test_another_clients_contact_gets_404_on_a_download(
    client, ms, pm, other_client_contact, outsider
) -> None:  # type: ignore[no-untyped-def]
    evidence = services.add_evidence(ms.record.pk, actor=pm, slot_key="deliverable", files=[pdf()])[
        0
    ]
    for user in (other_client_contact, outsider):
        client.force_login(user)
        assert client.get(reverse("milestones:download", args=[evidence.pk])).status_code == 404


# -- client review ------------------------------------------------------------------------


def test_client_contact_reviews_and_accepts(client, ms, pm, client_contact, finance_policy) -> None:  # type: ignore[no-untyped-def]
    record = _ready(ms, pm)
    client.force_login(client_contact)

    page = client.get(reverse("milestones:client_review", args=[record.pk]))
    response = client.post(
        reverse("milestones:client_sign_off", args=[record.pk]),
        {"decision": "accepted", "typed_name": "Joel Willis", "reason": ""},
        REMOTE_ADDR="198.51.100.7",
    )

    assert page.status_code == 200 and b"acceptance.pdf" in page.content
    assert response.status_code == 302
    signoff = SignOff.objects.get()
    assert (signoff.typed_name, signoff.ip_address) == ("Joel Willis", "198.51.100.7")


def test_client_can_download_the_evidence_of_their_milestone(
    client, ms, pm, client_contact
) -> None:  # type: ignore[no-untyped-def]
    record = _ready(ms, pm)
    client.force_login(client_contact)

    response = client.get(reverse("milestones:download", args=[record.evidence.get().pk]))

    assert response.status_code == 200


def test_a_double_click_on_sign_makes_one_sign_off(
    client, ms, pm, client_contact, finance_policy
) -> None:  # type: ignore[no-untyped-def]
    record = _ready(ms, pm)
    client.force_login(client_contact)
    data = {"decision": "accepted", "typed_name": "Joel Willis", "reason": ""}
    url = reverse("milestones:client_sign_off", args=[record.pk])

    first = client.post(url, data)
    second = client.post(url, data, headers={"HX-Request": "true"})

    assert (first.status_code, second.status_code) == (302, 409)
    assert b"nothing to sign off" in second.content
    assert SignOff.objects.count() == 1


def test_signing_off_another_clients_milestone_is_404(client, ms, pm, other_client_contact) -> None:  # type: ignore[no-untyped-def]
    record = _ready(ms, pm)
    client.force_login(other_client_contact)

    page = client.get(reverse("milestones:client_review", args=[record.pk]))
    post = client.post(
        reverse("milestones:client_sign_off", args=[record.pk]),
        {"decision": "accepted", "typed_name": "Ana", "reason": ""},
    )

    assert (page.status_code, post.status_code) == (404, 404)
    assert MilestoneRecord.objects.get(pk=record.pk).state == BillingState.READY


def test_staff_get_404_on_the_client_page(client, ms, pm) -> None:  # type: ignore[no-untyped-def]
    record = _ready(ms, pm)
    client.force_login(pm)

    assert client.get(reverse("milestones:client_review", args=[record.pk])).status_code == 404


def test_an_unpublished_project_is_404_for_its_own_client(client, ms, pm, client_contact) -> None:  # type: ignore[no-untyped-def]
    record = _ready(ms, pm)
    from django.utils import timezone

    ms.project.publication.unpublished_at = timezone.now()
    ms.project.publication.save()
    client.force_login(client_contact)

    assert client.get(reverse("milestones:client_review", args=[record.pk])).status_code == 404


def test_client_uploads_a_signed_letter_and_a_hostile_file_is_refused(
    client, ms, pm, client_contact, private_files
) -> None:  # type: ignore[no-untyped-def]
    record = _ready(ms, pm)
    client.force_login(client_contact)

    bad = _post_files(client, record, upload("sig.svg", SVG), url="milestones:client_upload")
    good = _post_files(
        client,
        record,
        pdf("signed.pdf"),
        slot="acceptance_document",
        url="milestones:client_upload",
    )

    assert bad.status_code == 400 and b"sig.svg" in bad.content
    assert good.status_code == 302
    assert record.evidence.filter(uploaded_by_client=True).get().original_name == "signed.pdf"
