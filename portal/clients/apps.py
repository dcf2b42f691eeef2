from __future__ import annotations

from django.apps import AppConfig


class ClientsConfig(AppConfig):
    name = "portal.clients"
    label = "clients"
    verbose_name = "Client portal"

    def ready(self) -> None:
        from portal.clients.services.invitations import InvitationSignup
        from portal.core.access import STAFF_ROLES
        from portal.core.adapters import register_signup_invitations
        from portal.core.models import Role
        from portal.core.navigation import register

        register_signup_invitations(InvitationSignup())
        register("My projects", "clients:home", [Role.CLIENT_CONTACT], order=5)
        register("Requests", "clients:requests", [Role.CLIENT_CONTACT], order=6)
        register("Clients", "clients:manage", [Role.ACCOUNT_MANAGER], order=60)
        register(
            "Client requests",
            "clients:queue",
            [r for r in STAFF_ROLES if r in (Role.PROJECT_MANAGER, Role.DELIVERY_LEADER)],
            order=61,
        )
        register(
            "Status summaries",
            "clients:summaries",
            [Role.PROJECT_MANAGER, Role.DELIVERY_LEADER],
            order=62,
        )
