"""The operators' sync page and the commands."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse

from portal.core.models import Role, RoleMembership
from portal.odoo.models import SyncIssue, SyncState
from tests.factories import UserFactory
from tests.fixtures.sandbox import Sandbox

pytestmark = pytest.mark.django_db


@pytest.fixture
def operator():  # type: ignore[no-untyped-def]
    user = UserFactory(email="operator@example.com")
    RoleMembership.objects.create(user=user, role=Role.OPERATOR)
    return user


def test_operator_sees_states_and_open_issues(client: Client, operator) -> None:  # type: ignore[no-untyped-def]
    SyncState.objects.create(model="project.task", last_status="failed", last_error="boom")
    SyncIssue.objects.create(model="res.partner", odoo_id=7, message="field name: expected text")
    client.force_login(operator)

    response = client.get(reverse("odoo:sync_status"))

    assert response.status_code == 200
    assert b"boom" in response.content
    assert b"field name: expected text" in response.content


def test_fragment_request_gets_the_table_only(client: Client, operator) -> None:  # type: ignore[no-untyped-def]
    client.force_login(operator)
    response = client.get(reverse("odoo:sync_status"), headers={"HX-Request": "true"})
    assert b"<table" in response.content
    assert b"<html" not in response.content


def test_outsider_gets_404(client: Client, outsider) -> None:  # type: ignore[no-untyped-def]
    client.force_login(outsider)
    assert client.get(reverse("odoo:sync_status")).status_code == 404
    assert client.post(reverse("odoo:sync_status")).status_code == 404


def test_sync_now_enqueues_after_commit(
    client: Client,
    operator,
    django_capture_on_commit_callbacks,
    monkeypatch,  # type: ignore[no-untyped-def]
) -> None:
    from portal.odoo import tasks

    queued: list[dict[str, object]] = []
    monkeypatch.setattr(tasks.sync_all, "delay", lambda **kw: queued.append(kw))
    client.force_login(operator)

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client.post(reverse("odoo:sync_status"))

    assert response.status_code == 302
    assert (len(callbacks), queued) == (1, [{"full": False}])


def test_odoo_check_names_the_url_when_odoo_is_down(settings) -> None:  # type: ignore[no-untyped-def]
    from portal.odoo.connection import reset_client
    from tests.fixtures.sandbox import free_port

    settings.ODOO_URL = f"http://127.0.0.1:{free_port()}"
    reset_client()
    with pytest.raises(CommandError, match=settings.ODOO_URL):
        call_command("odoo_check")
    reset_client()


def test_odoo_sync_prints_a_one_line_summary(odoo_sandbox_settings: Sandbox) -> None:
    out = StringIO()
    call_command("odoo_sync", "--model", "project.project", "--model", "task", stdout=out)
    assert "Synced 2 models:" in out.getvalue()
    assert "0 issues" in out.getvalue()


def test_odoo_sync_with_wrong_password_fails_fast(odoo_sandbox_settings: Sandbox, settings) -> None:  # type: ignore[no-untyped-def]
    from portal.odoo.connection import reset_client

    settings.ODOO_PASSWORD = "rotated"
    reset_client()
    odoo_sandbox_settings.control("reset_stats")
    with pytest.raises(CommandError, match="refused the login"):
        call_command("odoo_sync", stdout=StringIO())
    assert odoo_sandbox_settings.stats()["common.login"] == 1


def test_sync_page_names_models_with_proper_plurals(client: Client, operator) -> None:  # type: ignore[no-untyped-def]
    client.force_login(operator)

    page = client.get(reverse("odoo:sync_status")).content.decode()

    assert "Companies" in page
    assert "Currency rates" in page
    assert "companys" not in page.lower()
