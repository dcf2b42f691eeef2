"""The milestone flow through its services: ready → client decision → finance → outbox."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core import mail

from portal.approvals import services as approvals
from portal.approvals.models import ApprovalRequest
from portal.core.errors import Conflict, DomainError
from portal.milestones import billing_flow, facts, services
from portal.milestones.models import BillingState, EvidenceRequirement, MilestoneRecord, SignOff
from portal.odoo.models import OutboxMessage, OutboxStatus
from tests.milestones.factories import InvoiceFactory, SaleOrderLineFactory
from tests.milestones.files import pdf

pytestmark = pytest.mark.django_db


def _accepted(ms, pm, client_contact, finance_policy) -> MilestoneRecord:  # type: ignore[no-untyped-def]
    record = ms.record
    services.add_evidence(record.pk, actor=pm, slot_key="acceptance_document", files=[pdf()])
    services.mark_ready(record.pk, actor=pm)
    services.sign_off(
        record.pk, actor=client_contact, decision="accepted", typed_name="Joel Willis",
        ip_address="203.0.113.9",
    )  # fmt: skip
    return MilestoneRecord.objects.get(pk=record.pk)


def test_checklist_is_data_per_contract_type(checklist) -> None:  # type: ignore[no-untyped-def]
    required = set(EvidenceRequirement.objects.values_list("contract_type", "slot_id"))

    assert required == {
        ("fixed_fee", "acceptance_document"),
        ("time_and_materials", "timesheet_report"),
    }


def test_marking_ready_without_the_signed_acceptance_names_what_is_missing(ms, pm) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(DomainError, match="Signed acceptance document"):
        services.mark_ready(ms.record.pk, actor=pm)

    assert MilestoneRecord.objects.get(pk=ms.record.pk).state == BillingState.NOT_READY


def test_a_retainer_milestone_needs_no_evidence(ms, pm) -> None:  # type: ignore[no-untyped-def]
    record = ms.record
    record.contract_type_override = "retainer"
    record.save()

    assert services.mark_ready(record.pk, actor=pm).state == BillingState.READY


def test_a_new_upload_to_the_same_slot_is_the_next_version(ms, pm) -> None:  # type: ignore[no-untyped-def]
    record = ms.record
    services.add_evidence(record.pk, actor=pm, slot_key="deliverable", files=[pdf("a.pdf")])
    second = services.add_evidence(
        record.pk, actor=pm, slot_key="deliverable", files=[pdf("b.pdf"), pdf("c.pdf")]
    )

    assert [e.version for e in second] == [2, 2]
    assert record.evidence.filter(version=1).count() == 1  # the old version stays


def test_amount_is_line_subtotal_times_percentage_rounded_half_up_to_cents(ms) -> None:  # type: ignore[no-untyped-def]
    line = SaleOrderLineFactory(price_subtotal=Decimal("1234.55"))

    # 1234.55 x 0.125 = 154.31875 → 154.32
    assert facts.milestone_amount(line, Decimal("0.125")) == Decimal("154.32")
    # 10000.00 x 0.3 = 3000.00
    assert facts.amount(ms.record) == Decimal("3000.00")


def test_client_acceptance_keeps_name_time_and_ip_and_submits_to_finance(
    ms, pm, client_contact, finance, finance_policy
) -> None:  # type: ignore[no-untyped-def]
    record = _accepted(ms, pm, client_contact, finance_policy)

    signoff = SignOff.objects.get(record=record)
    assert (signoff.typed_name, signoff.ip_address, signoff.decision) == (
        "Joel Willis", "203.0.113.9", "accepted",
    )  # fmt: skip
    assert record.state == BillingState.CLIENT_ACCEPTED
    assert record.client_accepted_at == signoff.signed_at
    request = ApprovalRequest.objects.get(pk=record.approval_request_id)
    assert (request.status, request.requester_id, request.amount) == (
        "pending", pm.pk, Decimal("3000.00"),
    )  # fmt: skip


def test_rejection_needs_a_reason(ms, pm, client_contact) -> None:  # type: ignore[no-untyped-def]
    record = ms.record
    services.add_evidence(record.pk, actor=pm, slot_key="acceptance_document", files=[pdf()])
    services.mark_ready(record.pk, actor=pm)

    with pytest.raises(DomainError, match="why"):
        services.sign_off(record.pk, actor=client_contact, decision="rejected", typed_name="Joel")
    services.sign_off(
        record.pk, actor=client_contact, decision="rejected", typed_name="Joel",
        reason="Floor plan missing",
    )  # fmt: skip

    assert MilestoneRecord.objects.get(pk=record.pk).state == BillingState.CLIENT_REJECTED


def test_signing_off_twice_makes_one_sign_off(ms, pm, client_contact, finance_policy) -> None:  # type: ignore[no-untyped-def]
    record = _accepted(ms, pm, client_contact, finance_policy)

    with pytest.raises(Conflict, match="nothing to sign off"):
        services.sign_off(
            record.pk, actor=client_contact, decision="accepted", typed_name="Joel Willis"
        )
    assert SignOff.objects.filter(record=record).count() == 1
    assert ApprovalRequest.objects.for_subject(record).count() == 1


def test_finance_approval_enqueues_reached_attachments_invoice_and_notes(
    ms, pm, client_contact, finance, finance_policy
) -> None:  # type: ignore[no-untyped-def]
    record = _accepted(ms, pm, client_contact, finance_policy)

    approvals.decide(record.approval_request_id, actor=finance, decision="approve")

    record.refresh_from_db()
    assert record.state == BillingState.VALIDATED and record.validated_at is not None
    rows = {m.key: m for m in OutboxMessage.objects.filter(key__startswith="milestones.")}
    reached = rows[f"milestones.reached:{record.pk}"]
    assert reached.payload == {
        "model": "project.milestone", "ids": [ms.milestone.pk], "method": "toggle_is_reached",
        "args": [True], "kwargs": {},
    }  # fmt: skip
    order_id = ms.milestone.sale_line.order_id
    assert rows[f"milestones.invoice:{record.pk}"].payload == {
        "sale_order_id": order_id, "ref": f"portal-milestone-{record.pk}",
    }  # fmt: skip
    attachments = sorted(
        (m.payload["res_model"], m.payload["res_id"]) for m in rows.values()
        if m.kind == "attachment.create"
    )  # fmt: skip
    assert attachments == [("project.project", ms.project.pk), ("sale.order", order_id)]
    notes = sorted(m.payload["model"] for m in rows.values() if m.kind == "chatter.post")
    assert notes == ["project.project", "sale.order"]
    assert {m.ordering_key for m in rows.values()} == {f"sale.order:{order_id}"}


def test_a_milestone_without_sale_line_drafts_a_move_for_its_amount(
    ms, pm, client_contact, finance, finance_policy
) -> None:  # type: ignore[no-untyped-def]
    ms.milestone.sale_line = None
    ms.milestone.save()
    record = ms.record
    services.update_billing(
        record.pk, actor=pm, contract_type_override="", manual_amount=Decimal("1500.00"),
        manual_currency="eur",
    )  # fmt: skip
    record = _accepted(ms, pm, client_contact, finance_policy)

    approvals.decide(record.approval_request_id, actor=finance, decision="approve")

    move = OutboxMessage.objects.get(key=f"milestones.invoice:{record.pk}")
    assert move.kind == "invoice.draft_move"
    assert move.payload["lines"] == [
        {"name": "Second Phase", "quantity": "1", "price_unit": "1500.00"}
    ]
    assert move.payload["partner_id"] == ms.client.pk


def test_finance_rejection_sends_the_milestone_back_to_the_pm(
    ms, pm, client_contact, finance, finance_policy
) -> None:  # type: ignore[no-untyped-def]
    record = _accepted(ms, pm, client_contact, finance_policy)

    approvals.decide(
        record.approval_request_id, actor=finance, decision="reject", comment="wrong amount"
    )

    record.refresh_from_db()
    assert record.state == BillingState.NOT_READY
    assert not OutboxMessage.objects.filter(key__startswith="milestones.").exists()


def test_replacing_evidence_after_sign_off_needs_a_new_acceptance_and_tells_everyone(
    ms, pm, client_contact, finance, finance_policy, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    record = _accepted(ms, pm, client_contact, finance_policy)
    request_id = record.approval_request_id
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        services.add_evidence(
            record.pk, actor=pm, slot_key="acceptance_document", files=[pdf("v2.pdf")]
        )

    record.refresh_from_db()
    assert record.state == BillingState.READY
    assert ApprovalRequest.objects.get(pk=request_id).status == "withdrawn"
    assert SignOff.objects.get(record=record).invalidated_at is not None
    told = {m.to[0] for m in mail.outbox if "renewed" in m.subject}
    assert told == {"pm@example.com", "finance@example.com", "joel@client.example"}
    assert any("replaced by version 2" in m.body for m in mail.outbox)

    # The client accepts again; finance gets a fresh request.
    services.sign_off(record.pk, actor=client_contact, decision="accepted", typed_name="Joel W")
    record.refresh_from_db()
    assert record.approval_request_id not in (None, request_id)


def test_an_odoo_change_after_sign_off_is_detected_and_undoes_it(
    ms, pm, client_contact, finance_policy, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    record = _accepted(ms, pm, client_contact, finance_policy)
    ms.milestone.quantity_percentage = Decimal("0.4")
    ms.milestone.save()

    with django_capture_on_commit_callbacks(execute=True):
        result = billing_flow.check_all()

    record.refresh_from_db()
    assert result["invalidated"] == 1
    assert record.state == BillingState.READY
    assert "share of the sale-order line changed from 0.3 to 0.4" in record.last_note
    assert any("0.4" in m.body for m in mail.outbox)


def test_delivered_outbox_rows_move_the_record_to_draft_and_posting_is_read_back(
    ms, pm, client_contact, finance, finance_policy
) -> None:  # type: ignore[no-untyped-def]
    record = _accepted(ms, pm, client_contact, finance_policy)
    approvals.decide(record.approval_request_id, actor=finance, decision="approve")
    OutboxMessage.objects.filter(key__startswith="milestones.").update(status=OutboxStatus.DONE)
    OutboxMessage.objects.filter(key=f"milestones.invoice:{record.pk}").update(
        result={"invoice_id": 812}
    )

    billing_flow.sync_outcomes()
    record.refresh_from_db()
    assert (record.state, record.invoice_id) == (BillingState.INVOICE_DRAFTED, 812)
    assert record.reached_at is not None and record.billing_lag is not None

    InvoiceFactory(id=812, state="posted", name="INV/2026/00001")
    billing_flow.refresh_posting()
    record.refresh_from_db()
    assert record.state == BillingState.INVOICE_POSTED and record.invoice_posted_at is not None
    steps = list(record.timeline.values_list("step", flat=True))
    assert steps == [
        "evidence_uploaded", "ready", "client_accepted", "submitted_to_finance", "validated",
        "reached_in_odoo", "invoice_drafted", "invoice_posted",
    ]  # fmt: skip


def test_evidence_is_locked_once_finance_validated(
    ms, pm, client_contact, finance, finance_policy
) -> None:  # type: ignore[no-untyped-def]
    record = _accepted(ms, pm, client_contact, finance_policy)
    approvals.decide(record.approval_request_id, actor=finance, decision="approve")

    with pytest.raises(Conflict, match="can no longer change"):
        services.add_evidence(record.pk, actor=pm, slot_key="deliverable", files=[pdf()])


def test_waiting_for_client_lists_ready_milestones_of_the_contacts_client(
    ms, pm, client_contact, other_client_contact
) -> None:  # type: ignore[no-untyped-def]
    record = ms.record
    services.add_evidence(record.pk, actor=pm, slot_key="acceptance_document", files=[pdf()])
    services.mark_ready(record.pk, actor=pm)

    items = services.waiting_for_client(client_contact)

    assert [(i["kind"], i["due"]) for i in items] == [("milestone_acceptance", record.due_date)]
    assert services.waiting_for_client(other_client_contact) == []
