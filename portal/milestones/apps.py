from __future__ import annotations

import logging

from django.apps import AppConfig

logger = logging.getLogger(__name__)


class MilestonesConfig(AppConfig):
    name = "portal.milestones"
    label = "milestones"
    verbose_name = "Milestones, evidence and billing"

    def ready(self) -> None:
        from portal.core.models import Role
        from portal.core.navigation import register
        from portal.milestones.approval import register_kind

        register(
            "Milestones",
            "milestones:list",
            [Role.PROJECT_MANAGER, Role.DELIVERY_LEADER, Role.ACCOUNT_MANAGER, Role.FINANCE],
            order=30,
        )
        register("Billing queue", "milestones:billing", [Role.FINANCE], order=35)
        register_kind()
        _register_outbox_callbacks()


def _register_outbox_callbacks() -> None:
    """Hear about delivered outbox rows; the periodic check reads the rows when we cannot."""
    from portal.odoo import outbox

    on_delivered = getattr(outbox, "on_delivered", None)
    if on_delivered is None:
        logger.info("portal.odoo.outbox.on_delivered is missing; milestones poll the outbox")
        return
    from portal.milestones.billing_flow import INVOICE_KINDS, apply_outbox_outcome

    for kind in ("method.call", *INVOICE_KINDS):
        on_delivered(kind)(apply_outbox_outcome)
