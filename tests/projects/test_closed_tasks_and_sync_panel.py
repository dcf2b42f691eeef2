"""Tasks in an unfolded "Done" stage count as closed; the operator's sync panel tells its age."""

from __future__ import annotations

import datetime as dt

from django.test import Client
from django.urls import reverse
from django.utils import timezone

from portal.core.models import Role, User
from portal.odoo.models import Project, SyncState
from portal.projects import queries
from tests.factories import person
from tests.projects.conftest import Firm
from tests.projects.factories import TaskFactory, TaskStageFactory


def signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_tasks_in_an_unfolded_done_or_cancelled_stage_are_not_open(firm: Firm, pm: User) -> None:
    done = TaskStageFactory(name="Done", fold=False)
    cancelled = TaskStageFactory(name="Cancelled", fold=False)
    working = TaskStageFactory(name="In Progress", fold=False)
    TaskFactory(project=firm.main, stage=done, state="01_in_progress")
    TaskFactory(project=firm.main, stage=cancelled)
    TaskFactory(project=firm.main, stage=working)
    TaskFactory(project=firm.main, stage=None)

    tasks_total = firm.main.tasks.filter(active=True, deleted_in_odoo=False).count()
    expected_open = tasks_total - 2  # the Done and the Cancelled task

    listed = queries.list_rows(Project.objects.filter(pk=firm.main.pk)).get()
    detail = queries.project_detail(firm.main)
    page = signed_in(pm).get(reverse("projects:detail", args=[firm.main.pk])).content.decode()

    assert listed.open_task_count == expected_open
    assert detail["open_task_count"] == expected_open
    assert f"<strong>{expected_open}</strong>" in page


def test_sync_panel_warns_when_no_sync_finished_recently(db: None) -> None:
    old = timezone.now() - dt.timedelta(hours=3)
    SyncState.objects.create(model="res.partner", last_status="ok", last_finished_at=old)
    operator = person("ops@example.com", Role.OPERATOR)

    body = signed_in(operator).get(reverse("home")).content.decode()

    assert "No sync finished in the last 15 minutes" in body
    assert "in sync" not in body


def test_sync_panel_is_quiet_after_a_recent_sync(db: None) -> None:
    SyncState.objects.create(model="res.partner", last_status="ok", last_finished_at=timezone.now())
    operator = person("ops@example.com", Role.OPERATOR)

    body = signed_in(operator).get(reverse("home")).content.decode()

    assert "No sync finished" not in body
    assert "Last sync finished" in body
