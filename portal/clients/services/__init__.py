"""State changes of the client portal, as business verbs.

Each service takes the acting user, runs in one transaction, locks what it decides on,
writes an audit entry, enqueues outbox work for Odoo, and returns the changed object.
"""

from __future__ import annotations

from portal.clients.services.invitations import (
    accept_invitation,
    claim_invitation,
    invitation_from_token,
    invite_contact,
    revoke_invitation,
)
from portal.clients.services.publication import publish_project, unpublish_project
from portal.clients.services.requests import (
    add_reply,
    change_request_status,
    submit_request,
)
from portal.clients.services.summaries import (
    create_weekly_drafts,
    draft_summary,
    publish_summary,
    save_summary,
)

__all__ = [
    "accept_invitation",
    "add_reply",
    "change_request_status",
    "claim_invitation",
    "create_weekly_drafts",
    "draft_summary",
    "invitation_from_token",
    "invite_contact",
    "publish_project",
    "publish_summary",
    "revoke_invitation",
    "save_summary",
    "submit_request",
    "unpublish_project",
]
