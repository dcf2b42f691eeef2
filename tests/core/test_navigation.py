"""The menu shows entries by the roles a person holds; superusers get an admin link too."""

from __future__ import annotations

import pytest
from django.urls import reverse

from portal.core.models import Role
from portal.core.navigation import TOOLS_GROUP, menu_for
from tests.factories import person

pytestmark = pytest.mark.django_db


def test_superuser_operator_sees_operator_entries_not_every_personas() -> None:
    operator = person("ops@example.com", Role.OPERATOR)
    operator.is_superuser = operator.is_staff = True
    operator.save()

    labels = [item["label"] for item in menu_for(operator)]

    assert "Odoo sync" in labels
    for other_persona_entry in ("My projects", "Requests", "My assignments", "Billing queue"):
        assert other_persona_entry not in labels
    assert labels[-1] == "Admin"


def test_admin_link_is_for_superusers_only() -> None:
    operator = person("ops@example.com", Role.OPERATOR)

    assert reverse("admin:index") not in [item["url"] for item in menu_for(operator)]


def test_tools_are_grouped_after_everyday_pages() -> None:
    operator = person("ops@example.com", Role.OPERATOR)

    groups = [item["group"] for item in menu_for(operator)]

    assert TOOLS_GROUP in groups
    assert groups == sorted(groups, key=lambda g: g == TOOLS_GROUP)
