from __future__ import annotations

from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "portal.core"
    label = "core"
    verbose_name = "People, roles and audit"

    def ready(self) -> None:
        from portal.core.home import register_core_panels

        register_core_panels()
