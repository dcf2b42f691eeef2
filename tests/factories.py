"""factory-boy factories with small defaults; tests name what they change."""

from __future__ import annotations

import factory
from factory.django import DjangoModelFactory

from portal.core.models import BusinessUnit, RoleMembership, User


class BusinessUnitFactory(DjangoModelFactory):
    class Meta:
        model = BusinessUnit
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"unit-{n}")
    name = factory.LazyAttribute(lambda o: o.code.title())


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("email",)
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.com")
    full_name = factory.Sequence(lambda n: f"Person {n}")
    password = factory.django.Password("correct horse battery")


class RoleFactory(DjangoModelFactory):
    class Meta:
        model = RoleMembership

    user = factory.SubFactory(UserFactory)
    role = "project_manager"
    business_unit = None


def person(email: str, role: str, unit: BusinessUnit | None = None, **extra: object) -> User:
    """A user holding one role (in `unit`, or firm-wide)."""
    user = UserFactory(email=email, **extra)
    RoleMembership.objects.get_or_create(user=user, role=role, business_unit=unit)
    return user
