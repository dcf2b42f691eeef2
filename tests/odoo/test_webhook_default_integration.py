from __future__ import annotations

import pytest

from portal.odoo.webhooks import endpoint_url, ensure_default_integration

pytestmark = pytest.mark.django_db


def test_default_integration_is_created_once_and_names_its_url(settings):
    settings.PORTAL_BASE_URL = "http://portal.example"

    first = ensure_default_integration()
    second = ensure_default_integration()

    assert first.pk == second.pk
    assert endpoint_url(first) == f"http://portal.example/odoo/webhooks/odoo/{first.secret}/"
