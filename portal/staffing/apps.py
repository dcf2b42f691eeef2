from __future__ import annotations

from django.apps import AppConfig


class StaffingConfig(AppConfig):
    name = "portal.staffing"
    label = "staffing"
    verbose_name = "Staffing"

    def ready(self) -> None:
        from portal.core.models import Role
        from portal.core.navigation import register
        from portal.staffing.approval import register_kind

        register(
            "Staffing board",
            "staffing:board",
            [Role.RESOURCE_MANAGER, Role.DELIVERY_LEADER, Role.PROJECT_MANAGER],
            order=20,
        )
        register(
            "Capacity",
            "staffing:capacity",
            [Role.RESOURCE_MANAGER, Role.DELIVERY_LEADER, Role.PRACTICE_LEADER],
            order=21,
        )
        register("My assignments", "staffing:my_assignments", [Role.CONSULTANT], order=22)
        register_kind()
