"""Client requests: submission, routing, the conversation, and the task in Odoo."""

from __future__ import annotations

import logging
from collections.abc import Iterable

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils.html import escape, linebreaks

from portal.clients import uploads
from portal.clients.access import published_project_ids
from portal.clients.models import (
    ClientRequest,
    RequestAttachment,
    RequestMessage,
    RequestStatus,
    Urgency,
)
from portal.clients.routing import route_request
from portal.clients.services.mail import absolute, client_contacts, send_after_commit
from portal.core import audit
from portal.core.errors import Conflict, DomainError, NotAllowed
from portal.core.models import User
from portal.odoo.models import Project
from portal.odoo.outbox import enqueue

logger = logging.getLogger(__name__)


def _store(
    staged: list[uploads.StagedFile],
    request: ClientRequest,
    message: RequestMessage | None,
    actor: User,
) -> list[RequestAttachment]:
    rows = [
        RequestAttachment.objects.create(
            request=request,
            message=message,
            original_name=item.original_name,
            stored_path=item.relative_path,
            content_type=item.content_type,
            size=item.size,
            sha256=item.sha256,
            uploaded_by=actor,
        )
        for item in staged
    ]
    # Known limitation: if a caller's outer transaction rolls back after this move, the
    # files stay on disk unreferenced (acceptable: no row points at them, nothing serves them).
    uploads.move_into_place(staged)
    return rows


def _validated(files: Iterable[UploadedFile]) -> list[uploads.StagedFile]:
    try:
        return uploads.stage_attachments(files)
    except uploads.UploadRefused as refused:
        raise DomainError(str(refused), field="attachments") from None


def submit_request(
    project: Project,
    *,
    actor: User,
    subject: str,
    description: str,
    urgency: str = Urgency.NORMAL,
    files: Iterable[UploadedFile] = (),
) -> ClientRequest:
    """A client contact asks for something on one of their published projects.

    Routed by `route_request`, audited, and sent to Odoo as a task (outbox, same
    transaction). Attachments are all accepted or the whole request is refused.
    """
    if not actor.is_client_contact or project.pk not in published_project_ids(actor):
        raise NotAllowed("You can raise requests only on your own projects.")
    if not subject.strip() or not description.strip():
        raise DomainError("Give the request a subject and a description.")
    if urgency not in Urgency.values:
        raise DomainError("Choose an urgency.", field="urgency")
    staged = _validated(files)
    try:
        with transaction.atomic():
            request = ClientRequest.objects.create(
                project=project,
                client_partner_id=actor.client_partner_id or 0,  # checked above: a contact
                subject=subject.strip()[:200],
                description=description.strip(),
                urgency=urgency,
                submitted_by=actor,
            )
            route = route_request(request)
            request.assignee = route.assignee
            request.queue = route.queue
            request.route_reason = route.reason[:300]
            request.save(update_fields=["assignee", "queue", "route_reason"])
            _store(staged, request, None, actor)
            audit.record(
                "clients.request.submitted",
                actor=actor,
                obj=request,
                data={
                    "project_id": project.pk,
                    "urgency": urgency,
                    "routed_to": route.assignee.pk if route.assignee else None,
                },
            )
            enqueue(
                "task.create",
                request.outbox_key,
                {
                    "project_id": project.pk,
                    "name": f"[{request.reference}] {request.subject}",
                    "description": linebreaks(escape(request.description))
                    + f"<p>Urgency: {request.get_urgency_display()}</p>",
                    "partner_id": actor.client_partner_id,
                    "ref": request.outbox_key,
                },
            )
            if route.assignee is not None:
                send_after_commit(
                    [route.assignee.email],
                    f"New client request {request.reference}: {request.subject}",
                    f"{actor.display_name} raised a {request.get_urgency_display().lower()} "
                    f"request on {project.name}.\n\n"
                    f"{absolute('clients:staff_request', request.pk)}\n",
                )
    except BaseException:
        uploads.discard(staged)
        raise
    return request


def add_reply(
    request: ClientRequest,
    *,
    actor: User,
    body: str,
    internal: bool = False,
    files: Iterable[UploadedFile] = (),
) -> RequestMessage:
    """A reply on the request (both sides see it), or an internal note (staff only)."""
    if not body.strip():
        raise DomainError("Write a message first.", field="body")
    from_client = actor.is_client_contact
    if from_client and internal:
        raise NotAllowed("Internal notes are for staff.")
    staged = _validated(files)
    try:
        with transaction.atomic():
            request = (
                ClientRequest.objects.select_for_update()
                .select_related("project")
                .get(pk=request.pk)
            )
            if from_client and request.client_partner_id != actor.client_partner_id:
                raise NotAllowed("This request belongs to another client.")
            message = RequestMessage.objects.create(
                request=request,
                author=actor,
                body=body.strip(),
                internal=internal,
                from_client=from_client,
            )
            _store(staged, request, message, actor)
            if from_client and request.status in (
                RequestStatus.WAITING_FOR_CLIENT,
                RequestStatus.RESOLVED,
            ):
                request.status = RequestStatus.IN_PROGRESS
            request.save(update_fields=["status", "updated_at"])
            audit.record(
                "clients.request.noted" if internal else "clients.request.replied",
                actor=actor,
                obj=request,
                data={"message_id": message.pk, "files": len(staged)},
            )
            _notify_reply(request, message, actor)
    except BaseException:
        uploads.discard(staged)
        raise
    return message


def _notify_reply(request: ClientRequest, message: RequestMessage, actor: User) -> None:
    if message.internal:
        return
    if message.from_client:
        if request.assignee is not None:
            send_after_commit(
                [request.assignee.email],
                f"Client reply on {request.reference}: {request.subject}",
                f"{absolute('clients:staff_request', request.pk)}\n",
            )
        return
    send_after_commit(
        [c.email for c in client_contacts(request.client_partner_id)],
        f"Reply on your request {request.reference}: {request.subject}",
        f"{actor.display_name} replied.\n\n{absolute('clients:request', request.pk)}\n",
    )


def change_request_status(request: ClientRequest, *, actor: User, status: str) -> ClientRequest:
    """Staff move a request along (in progress, waiting for the client, resolved, closed)."""
    if actor.is_client_contact:
        raise NotAllowed("Only staff change a request's status.")
    if status not in RequestStatus.values:
        raise DomainError("Unknown status.", field="status")
    with transaction.atomic():
        request = ClientRequest.objects.select_for_update().get(pk=request.pk)
        if request.status == RequestStatus.CLOSED:
            raise Conflict("This request is closed.")
        before = request.status
        request.status = status
        request.save(update_fields=["status", "updated_at"])
        audit.record(
            "clients.request.status_changed",
            actor=actor,
            obj=request,
            data={"from": before, "to": status},
        )
    return request
