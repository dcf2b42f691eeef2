"""Who sees which dashboard; roles are read from the database on every request."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

from portal.core.models import Role, RoleMembership, User

RISK_ROLES: list[str] = [Role.DELIVERY_LEADER, Role.PRACTICE_LEADER, Role.PROJECT_MANAGER,
              Role.ACCOUNT_MANAGER, Role.FINANCE, Role.OPERATOR]  # fmt: skip
KPI_ROLES: list[str] = [Role.DELIVERY_LEADER, Role.PRACTICE_LEADER, Role.FINANCE, Role.OPERATOR]
OPS_ROLES: list[str] = [Role.OPERATOR]


def user_of(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


def unit_scope(user: User, roles: list[str]) -> list[int] | None:
    """Unit ids where `user` holds one of `roles`; None means every unit (firm-wide).

    Raises PermissionDenied when the person holds none of them anywhere: a dashboard is a
    page, not an object, so there is nothing to hide behind a 404.
    """
    units = list(
        RoleMembership.objects.filter(user_id=user.pk, role__in=roles).values_list(
            "business_unit_id", flat=True
        )
    )
    if user.is_superuser:
        return None
    if not units:
        raise PermissionDenied("This dashboard is not open to your roles.")
    if None in units:
        return None
    return sorted({u for u in units if u is not None})
