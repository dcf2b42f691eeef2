"""A client contact's day in the browser: summary, evidence, sign-off, a request.

Debian's Chromium through Playwright against the live server; screenshots of each page
go to test-artifacts/.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from django.apps import apps
from django.urls import reverse
from django.utils import timezone

from portal.clients.models import ClientRequest, ProjectPublication, StatusSummary
from portal.core.models import Role
from portal.odoo.models import Milestone, Partner, Project
from tests.browser.conftest import verified
from tests.factories import person

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
PASSWORD = "correct horse battery"


@pytest.fixture
def portal_world(settings: Any, tmp_path: Path, unit: Any) -> dict[str, Any]:
    settings.PRIVATE_FILES_ROOT = tmp_path / "private"
    partner = Partner.objects.create(
        id=700, name="Browser Client", is_company=True, commercial_partner_id=700
    )
    project = Project.objects.create(
        id=701, name="Browser rollout", partner=partner, business_unit=unit
    )
    ProjectPublication.objects.create(project=project)
    summary = StatusSummary.objects.create(
        project=project, iso_year=2026, iso_week=10, title="Week 10: design approved",
        body="Design approved; build starts Monday.", state="published", status="on_track",
        published_at=timezone.now(),
    )  # fmt: skip
    milestone = Milestone.objects.create(
        id=702, name="Design phase", project=project, deadline=dt.date.today()
    )
    record = apps.get_model("milestones", "MilestoneRecord").objects.create(
        milestone=milestone, state="ready", ready_at=timezone.now()
    )
    slot, _ = apps.get_model("milestones", "EvidenceSlot").objects.get_or_create(
        key="deliverable", defaults={"label": "Deliverable"}
    )
    stored = "evidence/br/design-handover"
    path = settings.PRIVATE_FILES_ROOT / stored
    path.parent.mkdir(parents=True)
    path.write_bytes(PDF)
    apps.get_model("milestones", "Evidence").objects.create(
        record=record, slot=slot, version=1, original_name="design-handover.pdf",
        stored_path=stored, content_type="application/pdf", size=len(PDF), sha256="0" * 64,
    )  # fmt: skip
    contact = verified(person(
        "joel@browser.example", Role.CLIENT_CONTACT, None, client_partner_id=partner.pk,
        full_name="Joel Browser",
    ))  # fmt: skip
    return {"project": project, "summary": summary, "record": record, "contact": contact}


@pytest.mark.django_db(transaction=True)
def test_client_contact_reads_summary_downloads_evidence_accepts_and_raises_a_request(
    browser_page: Any, portal_world: dict[str, Any]
) -> None:
    page = browser_page.page
    browser_page.sign_in("joel@browser.example", PASSWORD)

    assert page.url.endswith(reverse("clients:home"))
    assert page.get_by_text("Week 10: design approved").is_visible()
    browser_page.screenshot("client-home")

    page.click("text=Week 10: design approved")
    assert page.get_by_text("build starts Monday").is_visible()
    browser_page.screenshot("client-status-summary")

    browser_page.goto(reverse("clients:home"))
    page.click("text=Design phase")
    with page.expect_download() as download:
        page.click("text=design-handover.pdf")
    assert Path(download.value.path()).read_bytes() == PDF
    page.check("input[name=decision][value=accepted]")
    page.fill("input[name=typed_name]", "Joel Browser")
    page.click("form[action*='sign-off'] button[type=submit]")
    page.wait_for_load_state("networkidle")
    browser_page.screenshot("client-milestone-accepted")
    portal_world["record"].refresh_from_db()
    assert portal_world["record"].state == "client_accepted"

    browser_page.goto(reverse("clients:request_new", args=[portal_world["project"].pk]))
    page.fill("input[name=subject]", "Add a staging environment")
    page.fill("textarea[name=description]", "For our UAT in April.")
    page.select_option("select[name=urgency]", "high")
    page.set_input_files("input[name=attachments]", files=[
        {"name": "plan.pdf", "mimeType": "application/pdf", "buffer": PDF}
    ])  # fmt: skip
    page.click("button:has-text('Send the request')")
    page.wait_for_load_state("networkidle")
    assert page.get_by_text("Add a staging environment").first.is_visible()
    browser_page.screenshot("client-request-submitted")
    request = ClientRequest.objects.get()
    assert (request.urgency, request.attachments.count()) == ("high", 1)
