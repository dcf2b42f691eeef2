from __future__ import annotations

from django.apps import AppConfig


class ProjectsConfig(AppConfig):
    name = "portal.projects"
    label = "projects"
    verbose_name = "Projects (read from the Odoo mirror)"

    def ready(self) -> None:
        from portal.core.access import STAFF_ROLES
        from portal.core.navigation import register
        from portal.projects import home

        register("Projects", "projects:list", STAFF_ROLES, order=10)
        home.register_panels()
