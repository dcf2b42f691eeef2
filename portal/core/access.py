"""Who holds which role where. Roles are read from the database on every request."""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.auth.models import AnonymousUser
from django.db.models import Q

from portal.core.models import BusinessUnit, Role, RoleMembership, User

ALL_UNITS = None


def roles_of(user: User | AnonymousUser, unit: BusinessUnit | int | None = None) -> set[str]:
    """Roles `user` holds in `unit` (firm-wide ones included); all units when unit is None."""
    if not user.is_authenticated or not user.is_active:
        return set()
    memberships = RoleMembership.objects.filter(user_id=user.pk)
    if unit is not None:
        memberships = memberships.for_unit(unit)
    return set(memberships.values_list("role", flat=True))


def has_role(
    user: User | AnonymousUser, roles: str | Iterable[str], unit: BusinessUnit | int | None = None
) -> bool:
    wanted = {roles} if isinstance(roles, str) else set(roles)
    return bool(roles_of(user, unit) & wanted)


def unit_filter(user: User, roles: Iterable[str], field: str = "business_unit") -> Q | None:
    """A filter for rows in units where `user` holds one of `roles`.

    Returns None when no row is visible, and an empty Q() when a firm-wide membership
    makes every unit visible.
    """
    rows = list(
        RoleMembership.objects.filter(user_id=user.pk, role__in=list(roles)).values_list(
            "business_unit_id", flat=True
        )
    )
    if not rows:
        return None
    if ALL_UNITS in rows:
        return Q()
    return Q(**{f"{field}__in": rows})


def users_with_role(role: str, unit: BusinessUnit | int | None) -> list[User]:
    """Active people holding `role` in `unit` (or firm-wide)."""
    return list(
        User.objects.filter(
            is_active=True,
            memberships__in=RoleMembership.objects.for_unit(unit).filter(role=role),
        ).distinct()
    )


STAFF_ROLES = [r for r in Role.values if r != Role.CLIENT_CONTACT]
