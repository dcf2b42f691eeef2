from __future__ import annotations

from django.apps import AppConfig


class OdooConfig(AppConfig):
    name = "portal.odoo"
    label = "odoo"
    verbose_name = "Odoo gateway"

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from portal.core import money, navigation
        from portal.core.models import Role
        from portal.odoo.models_outbox import WebhookIntegration
        from portal.odoo.money import convert
        from portal.odoo.webhooks import forget_changed_senders

        # The intake caches integration rows for seconds; an edit here applies at once.
        for signal in (post_save, post_delete):
            signal.connect(forget_changed_senders, sender=WebhookIntegration, dispatch_uid="wh")

        # Money rules elsewhere (approvals) convert at the mirrored Odoo rates.
        money.register_rate_provider(convert)

        # Gateway helper: the read mirror's sync page, for operators.
        navigation.register("Odoo sync", "odoo:sync_status", [Role.OPERATOR], order=90)
        # Outbox helper: the delivery operations page (outbox, webhooks, reconciliation).
        navigation.register("Odoo delivery", "odoo:ops_outbox", [Role.OPERATOR], order=91)
