from __future__ import annotations

from django.apps import AppConfig


class OdooConfig(AppConfig):
    name = "portal.odoo"
    label = "odoo"
    verbose_name = "Odoo gateway"

    def ready(self) -> None:
        from portal.core import navigation
        from portal.core.models import Role

        # Gateway helper: the read mirror's sync page, for operators.
        navigation.register("Odoo sync", "odoo:sync_status", [Role.OPERATOR], order=90)
        # Outbox helper: the delivery operations page (outbox, webhooks, reconciliation).
        navigation.register("Odoo delivery", "odoo:ops_outbox", [Role.OPERATOR], order=91)
