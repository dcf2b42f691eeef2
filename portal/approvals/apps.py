from __future__ import annotations

from typing import Any

from django.apps import AppConfig


def _roles_changed(sender: Any, instance: Any, **kwargs: Any) -> None:
    """Re-route pending steps when someone gains or loses a role (after commit)."""
    from django.db import transaction

    from portal.approvals.roles_sync import resync_after_role_change

    user_id, role, unit_id = instance.user_id, instance.role, instance.business_unit_id
    transaction.on_commit(lambda: resync_after_role_change(user_id, role, unit_id))


def _user_saved(sender: Any, instance: Any, **kwargs: Any) -> None:
    if instance.pk and not instance.is_active:
        from django.db import transaction

        from portal.approvals.routing import reroute_user

        user_id = instance.pk
        transaction.on_commit(lambda: reroute_user(user_id))


class ApprovalsConfig(AppConfig):
    name = "portal.approvals"
    label = "approvals"
    verbose_name = "Approvals"

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from portal.core import navigation
        from portal.core.models import Role, RoleMembership, User

        staff = [r for r in Role.values if r != Role.CLIENT_CONTACT]
        navigation.register("Approvals", "approvals:inbox", staff, order=20)
        navigation.register("Policies", "approvals:policies", [Role.OPERATOR], order=80)
        # Role changes happen in core, which cannot call us; listening keeps pending
        # steps routed to people who hold the role now (decisions re-check anyway).
        post_save.connect(_roles_changed, sender=RoleMembership, dispatch_uid="approvals.roles")
        post_delete.connect(_roles_changed, sender=RoleMembership, dispatch_uid="approvals.roles-d")
        post_save.connect(_user_saved, sender=User, dispatch_uid="approvals.user")
