"""What a client contact may see: the published projects of their own client."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from django.db.models import Q, QuerySet
from django.http import Http404

from portal.clients.models import (
    ClientRequest,
    RequestAttachment,
    StatusSummary,
    SummaryState,
)
from portal.core.access import has_role, unit_filter
from portal.core.errors import NotAllowed
from portal.core.models import Role, User
from portal.odoo.models import Partner, Project


def client_partner_ids(user: User | AnonymousUser) -> set[int]:
    """The client company and its contacts (Odoo partner ids) a client user belongs to."""
    company_id = getattr(user, "client_partner_id", None) if user.is_authenticated else None
    if company_id is None:
        return set()
    contacts = Partner.objects.filter(commercial_partner_id=company_id).values_list("id", flat=True)
    return {company_id, *contacts}


def published_project_ids(user: User | AnonymousUser) -> set[int]:
    """Ids of projects of the user's client that an account manager has published.

    A client whose partner is archived or deleted in Odoo sees nothing.
    """
    partners = client_partner_ids(user)
    if not partners:
        return set()
    if not Partner.objects.active().filter(pk=user.client_partner_id).exists():  # type: ignore[union-attr]
        return set()
    return set(
        Project.objects.live()
        .filter(partner_id__in=partners, publication__unpublished_at__isnull=True)
        .filter(publication__isnull=False)
        .values_list("id", flat=True)
    )


# -- staff side ---------------------------------------------------------------------------
#
# The functions below are the one place each client resource is authorised. Pages,
# downloads and the API call the same getters; a getter answers 404 for anything the user
# may not see, so a client never learns that another client's object exists.

PUBLISHER_ROLES = [Role.ACCOUNT_MANAGER]
SUMMARY_EDITOR_ROLES = [Role.DELIVERY_LEADER, Role.PROJECT_MANAGER]


def _is_staff_user(user: User | AnonymousUser) -> bool:
    return bool(user.is_authenticated and user.is_active and not user.is_client_contact)


def manager_projects(user: User | AnonymousUser) -> QuerySet[Project]:
    """Live projects of the units where `user` is an account manager."""
    projects = Project.objects.live()
    if not _is_staff_user(user):
        return projects.none()
    assert isinstance(user, User)
    if user.is_superuser:
        return projects
    scope = unit_filter(user, PUBLISHER_ROLES)
    if scope is None:
        return projects.none()
    return projects.filter(scope)


def manager_client_ids(user: User | AnonymousUser) -> set[int]:
    """Client companies (Odoo partner ids) whose projects `user` manages as account manager."""
    rows = manager_projects(user).filter(partner__isnull=False)
    return {
        int(company or partner)
        for partner, company in rows.values_list("partner_id", "partner__commercial_partner_id")
    }


def can_publish(user: User | AnonymousUser, project: Project) -> bool:
    return manager_projects(user).filter(pk=project.pk).exists()


def can_edit_summary(user: User | AnonymousUser, project: Project) -> bool:
    """The project's own manager in Odoo, and PMs and delivery leaders of its unit."""
    if not _is_staff_user(user):
        return False
    assert isinstance(user, User)
    if user.is_superuser:
        return True
    if user.odoo_user_id is not None and project.manager_id == user.odoo_user_id:
        return True
    return has_role(user, SUMMARY_EDITOR_ROLES, project.business_unit_id)


def staff_projects(user: User | AnonymousUser) -> QuerySet[Project]:
    """Projects a staff member may see, by the projects app's rule (one rule everywhere)."""
    from portal.projects.access import visible_to

    if not _is_staff_user(user):
        return Project.objects.none()
    return visible_to(user)


def visible_summaries(
    user: User | AnonymousUser, queryset: QuerySet[StatusSummary] | None = None
) -> QuerySet[StatusSummary]:
    """Published summaries of published projects for client contacts; all of their
    projects' summaries for staff who may see the project."""
    summaries = queryset if queryset is not None else StatusSummary.objects.all()
    if not user.is_authenticated or not user.is_active:
        return summaries.none()
    if user.is_client_contact:
        return summaries.filter(
            state=SummaryState.PUBLISHED, project_id__in=sorted(published_project_ids(user))
        )
    return summaries.filter(project_id__in=staff_projects(user).values("id"))


def visible_requests(
    user: User | AnonymousUser, queryset: QuerySet[ClientRequest] | None = None
) -> QuerySet[ClientRequest]:
    """Requests of the contact's own client on published projects; for staff, requests
    on projects they may see and requests routed to them."""
    requests = queryset if queryset is not None else ClientRequest.objects.all()
    if not user.is_authenticated or not user.is_active:
        return requests.none()
    if user.is_client_contact:
        return requests.filter(
            client_partner_id=user.client_partner_id or 0,
            project_id__in=sorted(published_project_ids(user)),
        )
    return requests.filter(
        Q(project_id__in=staff_projects(user).values("id")) | Q(assignee_id=user.pk)
    )


def get_client_project(user: User | AnonymousUser, pk: int) -> Project:
    """A published project of the contact's client; 404 for anything else (staff too)."""
    if not user.is_authenticated or not user.is_client_contact:
        raise Http404("No such project.")
    project = (
        Project.objects.filter(pk=pk, id__in=sorted(published_project_ids(user)))
        .select_related("partner", "manager")
        .first()
    )
    if project is None:
        raise Http404("No such project.")
    return project


def get_summary_for_user(user: User | AnonymousUser, pk: int) -> StatusSummary:
    summary = visible_summaries(user).select_related("project").filter(pk=pk).first()
    if summary is None:
        raise Http404("No such status summary.")
    return summary


def get_summary_for_editor(user: User | AnonymousUser, pk: int) -> StatusSummary:
    """A summary the user may edit and publish; 404 if unseen, 403 if seen but not theirs."""
    summary = get_summary_for_user(user, pk)
    if user.is_client_contact:  # type: ignore[union-attr]
        raise Http404("No such status summary.")
    if not can_edit_summary(user, summary.project):
        raise NotAllowed("Only the project's manager or a delivery leader can edit this summary.")
    return summary


def get_request_for_user(user: User | AnonymousUser, pk: int) -> ClientRequest:
    request = (
        visible_requests(user)
        .select_related("project", "submitted_by", "assignee")
        .filter(pk=pk)
        .first()
    )
    if request is None:
        raise Http404("No such request.")
    return request


def get_staff_request(user: User | AnonymousUser, pk: int) -> ClientRequest:
    """The staff view of a request (internal notes included): never for client contacts."""
    if not _is_staff_user(user):
        raise Http404("No such request.")
    return get_request_for_user(user, pk)


def get_attachment_for_user(user: User | AnonymousUser, pk: int) -> RequestAttachment:
    """An attachment of a visible request; files on internal notes only for staff."""
    attachment = (
        RequestAttachment.objects.select_related("request", "message")
        .filter(pk=pk, request__in=visible_requests(user))
        .first()
    )
    if attachment is None or (attachment.internal and user.is_client_contact):  # type: ignore[union-attr]
        raise Http404("No such file.")
    return attachment


def get_contact_for_manager(user: User | AnonymousUser, contact_id: int) -> User:
    """A client contact of one of the account manager's clients (for preview and the log)."""
    contact = User.objects.filter(pk=contact_id, client_partner_id__isnull=False).first()
    if contact is None or contact.client_partner_id not in manager_client_ids(user):
        raise Http404("No such client contact.")
    return contact


def get_publishable_project(user: User | AnonymousUser, pk: int) -> Project:
    project = manager_projects(user).select_related("partner").filter(pk=pk).first()
    if project is None:
        raise Http404("No such project.")
    return project


def client_is_suspended(user: User | AnonymousUser) -> bool:
    """True when the contact's client company is archived or deleted in Odoo."""
    company_id = getattr(user, "client_partner_id", None)
    if company_id is None:
        return False
    return not Partner.objects.active().filter(pk=company_id).exists()
