"""The read mirror's sync against the 18.0 sandbox (DESIGN §5.3, cases.md C01)."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Any

import pytest
from allauth.account.models import EmailAddress

from portal.core.models import BusinessUnit
from portal.odoo import sync
from portal.odoo.connection import get_client
from portal.odoo.mirror import SPECS
from portal.odoo.models import (
    CurrencyRate,
    OdooUser,
    Partner,
    Project,
    SyncIssue,
    SyncState,
    Task,
    Timesheet,
)
from portal.odoo.sync import sync_all, sync_model
from portal.odoo.versions import MappedClient
from tests.factories import BusinessUnitFactory, UserFactory
from tests.fixtures.sandbox import Sandbox

pytestmark = pytest.mark.django_db

CONTEXT = {"active_test": False}


def odoo_count(sandbox: Sandbox, key: str) -> int:
    spec = next(s for s in SPECS if s.key == key)
    return int(
        sandbox.rpc(key, "search_count", [list(leaf) for leaf in spec.domain], context=CONTEXT)
    )


def new_partner(sandbox: Sandbox, **values: Any) -> int:
    return int(
        sandbox.rpc("res.partner", "create", {"name": f"P {uuid.uuid4().hex[:8]}", **values})
    )


def test_first_sync_mirrors_every_record(odoo_sandbox_settings: Sandbox) -> None:
    results = sync_all(get_client())

    assert all(r.status == "ok" for r in results), [r.error for r in results if r.error]
    for spec in SPECS:
        assert spec.model.objects.live().count() == odoo_count(odoo_sandbox_settings, spec.key), (
            spec.key
        )


def test_second_sync_without_changes_only_asks_odoo_what_is_new(
    odoo_sandbox_settings: Sandbox,
) -> None:
    client = get_client()
    sync_all(client)
    odoo_sandbox_settings.control("reset_stats")

    results = sync_all(client)

    assert sum(r.changed for r in results) == 0
    methods = {key.rsplit(".", 1)[1] for key in odoo_sandbox_settings.stats()}
    assert methods <= {"search_read", "search_count"}
    # Per model: the late-commit window, the page after the watermark, the count; once:
    # the currencies, and the attendances of the calendars re-read in the newest second.
    assert odoo_sandbox_settings.total_calls() <= 3 * len(SPECS) + 2


def test_a_change_in_odoo_appears_after_the_next_run(odoo_sandbox_settings: Sandbox) -> None:
    client = get_client()
    pid = new_partner(odoo_sandbox_settings)
    sync_model(client, "res.partner")

    odoo_sandbox_settings.rpc("res.partner", "write", [pid], {"email": "new@client.example"})
    sync_model(client, "res.partner")

    assert Partner.objects.get(id=pid).email == "new@client.example"


def test_archived_record_stays_mirrored_and_marked_archived(
    odoo_sandbox_settings: Sandbox,
) -> None:
    client = get_client()
    pid = new_partner(odoo_sandbox_settings)
    sync_model(client, "res.partner")

    odoo_sandbox_settings.rpc("res.partner", "write", [pid], {"active": False})
    sync_model(client, "res.partner")

    partner = Partner.objects.get(id=pid)
    assert (partner.active, partner.deleted_in_odoo) == (False, False)


def test_record_deleted_in_odoo_is_marked_deleted(odoo_sandbox_settings: Sandbox) -> None:
    client = get_client()
    pid = new_partner(odoo_sandbox_settings)
    sync_model(client, "res.partner")

    odoo_sandbox_settings.rpc("res.partner", "unlink", [pid])
    result = sync_model(client, "res.partner")

    assert Partner.objects.get(id=pid).deleted_in_odoo is True
    assert result.deleted == 1


def test_late_committed_record_with_an_older_stamp_is_found(
    odoo_sandbox_settings: Sandbox,
) -> None:
    client = get_client()
    sync_model(client, "res.partner")
    watermark = SyncState.objects.get(model="res.partner").watermark
    assert watermark is not None

    # A transaction that started two minutes before the watermark commits only now.
    pid = new_partner(odoo_sandbox_settings)
    older = (watermark - dt.timedelta(minutes=2)).strftime("%Y-%m-%d %H:%M:%S")
    odoo_sandbox_settings.control(
        "touch", model="res.partner", ids=[pid], vals={"city": "Late"}, write_date=older
    )
    sync_model(client, "res.partner")

    assert Partner.objects.get(id=pid).write_date == watermark - dt.timedelta(minutes=2)


def test_malformed_record_becomes_an_issue_and_the_rest_syncs(
    odoo_sandbox_settings: Sandbox,
) -> None:
    bad = new_partner(odoo_sandbox_settings)
    odoo_sandbox_settings.rpc("res.partner", "write", [bad], {"name": 12345})
    try:
        result = sync_model(get_client(), "res.partner")
    finally:
        odoo_sandbox_settings.rpc("res.partner", "write", [bad], {"name": "Fixed again"})

    issue = SyncIssue.objects.get(model="res.partner", odoo_id=bad)
    assert "expected text" in issue.message
    assert result.issues == 1
    assert Partner.objects.count() == odoo_count(odoo_sandbox_settings, "res.partner") - 1


def test_fixed_record_resolves_its_issue(odoo_sandbox_settings: Sandbox) -> None:
    client = get_client()
    bad = new_partner(odoo_sandbox_settings)
    odoo_sandbox_settings.rpc("res.partner", "write", [bad], {"name": 12345})
    sync_model(client, "res.partner")

    odoo_sandbox_settings.rpc("res.partner", "write", [bad], {"name": "Fixed"})
    sync_model(client, "res.partner")

    assert SyncIssue.objects.get(odoo_id=bad).resolved_at is not None
    assert Partner.objects.get(id=bad).name == "Fixed"


def test_sync_state_records_the_run(odoo_sandbox_settings: Sandbox) -> None:
    result = sync_model(get_client(), "project.project")

    state = SyncState.objects.get(model="project.project")
    assert (state.last_status, state.last_changed, state.last_calls) == (
        "ok",
        result.changed,
        result.calls,
    )
    assert state.record_count == odoo_count(odoo_sandbox_settings, "project.project")


def test_task_assignees_are_mirrored(odoo_sandbox_settings: Sandbox) -> None:
    sync_all(get_client(), models_to_sync=["res.users", "project.task"])

    rows = odoo_sandbox_settings.rpc(
        "project.task", "search_read", [["user_ids", "!=", False]], fields=["user_ids"], limit=5
    )
    for row in rows:
        assert sorted(
            Task.objects.get(id=row["id"]).assignees.values_list("id", flat=True)
        ) == sorted(row["user_ids"])


def test_projects_get_their_companys_business_unit(odoo_sandbox_settings: Sandbox) -> None:
    sync_all(get_client(), models_to_sync=["res.company", "project.project"])

    project = Project.objects.exclude(company_id=None).first()
    assert project is not None
    unit = BusinessUnit.objects.get(odoo_company_id=project.company_id)
    assert project.business_unit == unit
    assert unit.code == "yourcompany"


def test_currency_rates_are_mirrored(odoo_sandbox_settings: Sandbox) -> None:
    sync_all(get_client(), models_to_sync=["res.currency.rate"])

    rows = odoo_sandbox_settings.rpc(
        "res.currency.rate", "search_read", [], fields=["name", "rate", "currency_id"]
    )
    eur = next(r for r in rows if r["currency_id"][1] == "EUR")
    mirrored = CurrencyRate.objects.get(id=eur["id"])
    assert (mirrored.currency_code, mirrored.date.isoformat(), mirrored.rate) == (
        "EUR",
        eur["name"],
        Decimal(repr(eur["rate"])),
    )
    assert {"EUR", "USD", "GBP"} <= set(
        CurrencyRate.objects.values_list("currency_code", flat=True)
    )


def test_projects_keep_odoos_creation_time(odoo_sandbox_settings: Sandbox) -> None:
    pid = int(odoo_sandbox_settings.rpc("project.project", "create", {"name": "Fresh"}))
    sync_all(get_client(), models_to_sync=["project.project"])

    created = odoo_sandbox_settings.rpc("project.project", "read", [pid], ["create_date"])
    expected = dt.datetime.fromisoformat(created[0]["create_date"]).replace(tzinfo=dt.UTC)
    assert Project.objects.get(pk=pid).create_date == expected


def test_sync_never_overwrites_a_business_unit_already_set(
    odoo_sandbox_settings: Sandbox,
) -> None:
    client = get_client()
    sync_model(client, "project.project")
    project = Project.objects.exclude(company_id=None).first()
    assert project is not None
    chosen = BusinessUnitFactory(code="digital", name="Digital")
    Project.objects.filter(id=project.id).update(business_unit=chosen)

    # Any change bumps write_date; the name stays, other tests find projects by name.
    odoo_sandbox_settings.rpc(
        "project.project", "write", [project.id], {"description": "<p>Unit check</p>"}
    )
    sync_model(client, "project.project")

    assert Project.objects.get(id=project.id).business_unit == chosen


def test_portal_user_is_linked_by_verified_email(odoo_sandbox_settings: Sandbox) -> None:
    person = UserFactory(email="mark.brown23@example.com")
    EmailAddress.objects.create(user=person, email=person.email, verified=True, primary=True)

    sync_all(get_client(), models_to_sync=["res.users", "hr.employee"])

    person.refresh_from_db()
    demo = OdooUser.objects.get(login="demo")
    assert person.odoo_user_id == demo.id
    assert person.odoo_employee_id == demo.employees.get().id


def test_unverified_email_links_nobody(odoo_sandbox_settings: Sandbox) -> None:
    person = UserFactory(email="mark.brown23@example.com")
    EmailAddress.objects.create(user=person, email=person.email, verified=False, primary=True)

    sync_all(get_client(), models_to_sync=["res.users", "hr.employee"])

    person.refresh_from_db()
    assert person.odoo_user_id is None


def test_overridden_link_is_left_alone(odoo_sandbox_settings: Sandbox) -> None:
    person = UserFactory(
        email="mark.brown23@example.com", odoo_user_id=4, odoo_link_overridden=True
    )
    EmailAddress.objects.create(user=person, email=person.email, verified=True, primary=True)

    sync_all(get_client(), models_to_sync=["res.users", "hr.employee"])

    person.refresh_from_db()
    assert person.odoo_user_id == 4


# -- C01: session expiry in the middle of a long sync -------------------------------------


class FaultOnPage(MappedClient):
    """Asks the sandbox to expire the session just before the nth page of a model."""

    def __init__(self, inner: Any, sandbox: Sandbox, model: str, page: int) -> None:
        super().__init__(inner)
        self.sandbox, self.model, self.page, self.seen = sandbox, model, page, 0

    def search_read(self, model: str, *args: Any, **kwargs: Any) -> Any:
        if model == self.model and kwargs.get("limit") == sync.PAGE_SIZE:
            self.seen += 1
            if self.seen == self.page:
                rule = {"kind": "session_expired", "model": model, "method": "search_read"}
                self.sandbox.control("faults", clear=True, rules=[rule])
        return super().search_read(model, *args, **kwargs)


@pytest.fixture
def five_thousand_timesheets(odoo_sandbox_settings: Sandbox) -> int:
    sandbox = odoo_sandbox_settings
    existing = odoo_count(sandbox, "account.analytic.line")
    if existing < 5000:
        template = sandbox.rpc(
            "account.analytic.line",
            "search_read",
            [["project_id", "!=", False]],
            fields=["project_id", "employee_id"],
            limit=1,
        )[0]
        sandbox.rpc(
            "account.analytic.line",
            "create",
            [
                {
                    "name": f"C01 line {n}",
                    "date": "2025-01-06",
                    "unit_amount": 1.0,
                    "project_id": template["project_id"][0],
                    "employee_id": template["employee_id"][0],
                }
                for n in range(5000 - existing)
            ],
        )
    return odoo_count(sandbox, "account.analytic.line")


def test_session_expiry_mid_sync_relogs_once_and_imports_every_id_once(
    odoo_sandbox_settings: Sandbox, five_thousand_timesheets: int
) -> None:
    sandbox = odoo_sandbox_settings
    base = get_client()
    client = FaultOnPage(base.inner, sandbox, "account.analytic.line", page=4)
    sandbox.control("reset_stats")

    result = sync_model(client, "account.analytic.line")

    # Keyset paging asks until a page comes back short (or empty): count // 500 + 1 calls.
    pages = five_thousand_timesheets // sync.PAGE_SIZE + 1
    stats = sandbox.stats()
    assert result.status == "ok"
    assert stats["common.login"] == 1  # exactly one re-login
    assert stats["account.analytic.line.search_read"] == pages + 1  # page 4 asked twice
    assert result.changed == five_thousand_timesheets  # no page applied twice
    assert Timesheet.objects.count() == five_thousand_timesheets


def test_odoo_down_mid_sync_fails_the_run_and_keeps_the_watermark(
    odoo_sandbox_settings: Sandbox, five_thousand_timesheets: int
) -> None:
    sandbox = odoo_sandbox_settings

    class DownOnPage(FaultOnPage):
        def search_read(self, model: str, *args: Any, **kwargs: Any) -> Any:
            if model == self.model and kwargs.get("limit") == sync.PAGE_SIZE:
                self.seen += 1
                if self.seen == self.page:
                    self.sandbox.control(
                        "faults",
                        clear=True,
                        rules=[{"kind": "unavailable", "model": model, "count": 1}],
                    )
            return MappedClient.search_read(self, model, *args, **kwargs)

    client = DownOnPage(get_client().inner, sandbox, "account.analytic.line", page=3)
    result = sync_model(client, "account.analytic.line")

    assert result.status == "failed"
    assert result.error.startswith("unavailable:")
    assert Timesheet.objects.count() == 2 * sync.PAGE_SIZE
    state = SyncState.objects.get(model="account.analytic.line")
    assert (state.last_status, state.watermark_id) == (
        "failed",
        Timesheet.objects.latest("write_date", "id").id,
    )
