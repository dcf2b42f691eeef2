"""What a client contact may see: the published projects of their own client."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser

from portal.core.models import User
from portal.odoo.models import Partner, Project


def client_partner_ids(user: User | AnonymousUser) -> set[int]:
    """The client company and its contacts (Odoo partner ids) a client user belongs to."""
    company_id = getattr(user, "client_partner_id", None) if user.is_authenticated else None
    if company_id is None:
        return set()
    contacts = Partner.objects.filter(commercial_partner_id=company_id).values_list(
        "id", flat=True
    )
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
