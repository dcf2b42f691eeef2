from __future__ import annotations

from django.apps import AppConfig


class CommercialConfig(AppConfig):
    name = "portal.commercial"
    label = "commercial"
    verbose_name = "Discounts and write-offs"

    def ready(self) -> None:
        from portal.commercial.kinds import register_kinds
        from portal.core import navigation
        from portal.core.models import Role

        register_kinds()
        navigation.register(
            "Discounts", "commercial:list", [Role.ACCOUNT_MANAGER, Role.FINANCE], order=30
        )
