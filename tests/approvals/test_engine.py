"""Routing, separation of duties (C23), material edits and needs-routing."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from portal.approvals import services
from portal.approvals.models import Assignment, Decision, Status, StepStatus
from portal.core.errors import Conflict, DomainError, NotAllowed
from portal.core.models import RoleMembership
from portal.odoo.models import Company, CurrencyRate
from tests.approvals.factories import cond, make_adjustment, make_policy, step
from tests.factories import person

pytestmark = pytest.mark.django_db


def assigned(req, order=None):  # type: ignore[no-untyped-def]
    rows = Assignment.objects.filter(request=req, active=True)
    if order is not None:
        rows = rows.filter(step__order=order)
    return set(rows.values_list("user__email", flat=True))


def test_request_is_approved_only_after_every_step(unit, am, pm, fin):
    make_policy("discount", [step(1, "project_manager"), step(2, "finance")])
    req = services.submit(make_adjustment(am, unit=unit), kind="discount", requester=am)

    req = services.decide(req.pk, actor=pm, decision="approve")
    assert req.status == Status.PENDING
    req = services.decide(req.pk, actor=fin, decision="approve")

    assert req.status == Status.APPROVED


def test_steps_apply_by_their_conditions(unit, am, pm, fin, pl):
    make_policy(
        "discount",
        [
            step(1, "project_manager", conditions=[cond("discount_pct", "lte", "5")]),
            step(1, "finance", conditions=[cond("discount_pct", "gt", "5")]),
            step(2, "practice_leader", conditions=[cond("discount_pct", "gt", "15")]),
        ],
    )
    req = services.submit(make_adjustment(am, unit=unit, pct="20"), kind="discount", requester=am)

    assert [s.role for s in req.steps.order_by("order")] == ["finance", "practice_leader"]
    assert assigned(req) == {"fin@example.com"}


def test_equal_order_steps_run_in_parallel(unit, am, pm, fin):
    make_policy("discount", [step(1, "project_manager"), step(1, "finance")])
    req = services.submit(make_adjustment(am, unit=unit), kind="discount", requester=am)
    assert assigned(req) == {"pm@example.com", "fin@example.com"}


def test_unit_policy_overrides_global_policy(unit, am, pm, fin):
    make_policy("discount", [step(1, "finance")])
    make_policy("discount", [step(1, "project_manager")], unit=unit)
    req = services.submit(make_adjustment(am, unit=unit), kind="discount", requester=am)
    assert assigned(req) == {"pm@example.com"}


def test_contract_type_policy_is_most_specific(unit, am, pm, fin):
    make_policy("discount", [step(1, "project_manager")], unit=unit)
    make_policy("discount", [step(1, "finance")], unit=unit, contract_type="fixed_fee")
    req = services.submit(
        make_adjustment(am, unit=unit, contract_type="fixed_fee"), kind="discount", requester=am
    )
    assert assigned(req) == {"fin@example.com"}


def test_all_mode_needs_every_approver(unit, am, fin):
    fin2 = person("fin2@example.com", "finance", unit)
    make_policy("discount", [step(1, "finance", mode="all")])
    req = services.submit(make_adjustment(am, unit=unit), kind="discount", requester=am)

    req = services.decide(req.pk, actor=fin, decision="approve")
    assert req.status == Status.PENDING
    req = services.decide(req.pk, actor=fin2, decision="approve")
    assert req.status == Status.APPROVED


def test_n_of_mode_needs_n_approvers(unit, am, fin):
    fin2 = person("fin2@example.com", "finance", unit)
    person("fin3@example.com", "finance", unit)
    make_policy("discount", [step(1, "finance", mode="n", n=2)])
    req = services.submit(make_adjustment(am, unit=unit), kind="discount", requester=am)

    services.decide(req.pk, actor=fin, decision="approve")
    req = services.decide(req.pk, actor=fin2, decision="approve")
    assert req.status == Status.APPROVED


def test_no_policy_means_needs_routing_never_approved(unit, am):
    req = services.submit(make_adjustment(am, unit=unit), kind="discount", requester=am)
    assert req.status == Status.NEEDS_ROUTING
    assert "no active approval policy" in req.routing_problem


def test_policy_selecting_no_step_needs_routing(unit, am, fin):
    make_policy("discount", [step(1, "finance", conditions=[cond("amount", "gt", "999999")])])
    req = services.submit(make_adjustment(am, unit=unit), kind="discount", requester=am)
    assert req.status == Status.NEEDS_ROUTING


def test_missing_fact_needs_routing(unit, am, fin):
    make_policy("discount", [step(1, "finance", conditions=[cond("margin_pct", "lt", "20")])])
    req = services.submit(make_adjustment(am, unit=unit), kind="discount", requester=am)
    assert req.status == Status.NEEDS_ROUTING
    assert "margin_pct" in req.routing_problem


def test_operator_is_alerted_and_can_route_by_hand(unit, am, op, fin):
    make_policy("discount", [step(1, "practice_leader")])
    other_op = person("op3@example.com", "operator", None)
    RoleMembership.objects.filter(user=other_op).delete()  # only `op` stays operator
    req = services.submit(make_adjustment(am, unit=unit), kind="discount", requester=am)
    # nobody holds practice_leader: fallback goes to operators
    assert assigned(req) == {"op@example.com"}


def test_nobody_left_is_needs_routing_visible_to_operators(unit, am):
    make_policy("discount", [step(1, "practice_leader")])
    req = services.submit(make_adjustment(am, unit=unit), kind="discount", requester=am)
    assert req.status == Status.NEEDS_ROUTING
    assert req.steps.get().status == StepStatus.NEEDS_ROUTING


def test_operator_reroute_after_role_granted(unit, am, op):
    make_policy("discount", [step(1, "practice_leader")])
    RoleMembership.objects.filter(user=op).delete()
    req = services.submit(make_adjustment(am, unit=unit), kind="discount", requester=am)
    assert req.status == Status.NEEDS_ROUTING
    RoleMembership.objects.create(user=op, role="operator")
    pl = person("pl@example.com", "practice_leader", unit)

    req = services.reroute(req.pk, actor=op)

    assert req.status == Status.PENDING
    assert assigned(req) == {pl.email}


# --- C23 -------------------------------------------------------------------------------


def test_requester_cannot_approve_own_request(unit):
    dl1 = person("dl1@example.com", "delivery_leader", unit)
    dl2 = person("dl2@example.com", "delivery_leader", unit)
    make_policy("discount", [step(1, "delivery_leader")])
    req = services.submit(make_adjustment(dl1, unit=unit), kind="discount", requester=dl1)

    assert assigned(req) == {dl2.email}
    with pytest.raises(NotAllowed):
        services.decide(req.pk, actor=dl1, decision="approve")
    assert services.decide(req.pk, actor=dl2, decision="approve").status == Status.APPROVED


def test_requester_as_only_approver_routes_to_firm_level_fallback(unit, other_unit):
    dl1 = person("dl1@example.com", "delivery_leader", unit)
    elsewhere = person("dl-digital@example.com", "delivery_leader", other_unit)
    make_policy("discount", [step(1, "delivery_leader")])

    req = services.submit(make_adjustment(dl1, unit=unit), kind="discount", requester=dl1)

    assert req.status == Status.PENDING
    assert assigned(req) == {elsewhere.email}
    assert Assignment.objects.get(request=req, active=True).source == "fallback"


def test_role_granted_later_reroutes_needs_routing_step(unit, django_capture_on_commit_callbacks):
    dl1 = person("dl1@example.com", "delivery_leader", unit)
    make_policy("discount", [step(1, "delivery_leader")])
    req = services.submit(make_adjustment(dl1, unit=unit), kind="discount", requester=dl1)
    assert req.status == Status.NEEDS_ROUTING  # nobody left: held, never approved

    with django_capture_on_commit_callbacks(execute=True):
        newcomer = person("dl2@example.com", "delivery_leader", unit)

    req.refresh_from_db()
    assert assigned(req) == {newcomer.email}
    assert req.status == Status.PENDING


def test_requester_only_approver_falls_back_to_operators(unit, op):
    dl1 = person("dl1@example.com", "delivery_leader", unit)
    make_policy("discount", [step(1, "delivery_leader")])
    req = services.submit(make_adjustment(dl1, unit=unit), kind="discount", requester=dl1)
    assert assigned(req) == {op.email}
    assert Assignment.objects.get(request=req, active=True).source == "fallback"


def test_one_person_never_clears_two_steps_aaba_chain(unit, am, op):
    a = person("a@example.com", "consultant", unit)
    b = person("b@example.com", "consultant", unit)
    make_policy(
        "discount",
        [step(1, person=a), step(2, person=a), step(3, person=b), step(4, person=a)],
    )
    req = services.submit(make_adjustment(am, unit=unit), kind="discount", requester=am)
    req = services.decide(req.pk, actor=a, decision="approve")

    steps = list(req.steps.order_by("order"))
    assert [s.status for s in steps] == ["approved", "pending", "waiting", "waiting"]
    # A's approval never clears step 2: it goes to the fallback (operators), not to A
    assert assigned(req, 2) == {op.email}
    with pytest.raises(Conflict):
        services.decide(req.pk, actor=a, decision="approve")
    req = services.decide(req.pk, actor=op, decision="approve")
    assert assigned(req, 3) == {b.email}
    req = services.decide(req.pk, actor=b, decision="approve")
    # step 4 names A again: A already cleared step 1, and op cleared step 2
    assert req.steps.get(order=4).status == StepStatus.NEEDS_ROUTING
    assert req.status == Status.NEEDS_ROUTING


def test_parallel_steps_one_person_may_clear_only_one(unit, am):
    both = person("both@example.com", "finance", unit)
    RoleMembership.objects.create(user=both, role="practice_leader", business_unit=unit)
    pl2 = person("pl2@example.com", "practice_leader", unit)
    make_policy("discount", [step(1, "finance"), step(1, "practice_leader")])
    req = services.submit(make_adjustment(am, unit=unit), kind="discount", requester=am)

    services.decide(req.pk, actor=both, decision="approve")

    assert assigned(req) == {pl2.email}


def test_lost_role_cannot_decide_and_step_reroutes(unit, am, fin):
    fin2 = person("fin2@example.com", "finance", unit)
    make_policy("discount", [step(1, "finance")])
    req = services.submit(make_adjustment(am, unit=unit), kind="discount", requester=am)
    RoleMembership.objects.filter(user=fin).delete()

    with pytest.raises(NotAllowed):
        services.decide(req.pk, actor=fin, decision="approve")
    assert assigned(req) == {fin2.email}


def test_left_business_unit_cannot_decide(unit, other_unit, am, fin):
    fin2 = person("fin2@example.com", "finance", unit)
    make_policy("discount", [step(1, "finance")])
    req = services.submit(make_adjustment(am, unit=unit), kind="discount", requester=am)
    RoleMembership.objects.filter(user=fin).update(business_unit=other_unit)
    with pytest.raises(NotAllowed):
        services.decide(req.pk, actor=fin, decision="approve")
    assert Decision.objects.count() == 0
    assert assigned(req) == {fin2.email}


# --- decisions ----------------------------------------------------------------------


def test_reject_needs_a_comment(unit, am, fin):
    make_policy("discount", [step(1, "finance")])
    req = services.submit(make_adjustment(am, unit=unit), kind="discount", requester=am)
    with pytest.raises(DomainError) as exc:
        services.decide(req.pk, actor=fin, decision="reject")
    assert exc.value.field == "comment"


def test_reject_closes_the_request(unit, am, fin):
    make_policy("discount", [step(1, "finance"), step(2, "practice_leader")])
    req = services.submit(make_adjustment(am, unit=unit), kind="discount", requester=am)
    req = services.decide(req.pk, actor=fin, decision="reject", comment="Too generous")
    assert req.status == Status.REJECTED
    assert not Assignment.objects.filter(request=req, active=True).exists()


def test_deciding_a_decided_request_is_a_conflict(unit, am, fin):
    fin2 = person("fin2@example.com", "finance", unit)
    make_policy("discount", [step(1, "finance")])
    req = services.submit(make_adjustment(am, unit=unit), kind="discount", requester=am)
    services.decide(req.pk, actor=fin, decision="approve")
    with pytest.raises(Conflict):
        services.decide(req.pk, actor=fin2, decision="approve")
    assert Decision.objects.count() == 1


def test_stale_version_is_a_conflict(unit, am, fin):
    make_policy("discount", [step(1, "finance")])
    req = services.submit(make_adjustment(am, unit=unit), kind="discount", requester=am)
    with pytest.raises(Conflict):
        services.decide(req.pk, actor=fin, decision="approve", expected_version=req.version - 1)
    assert Decision.objects.count() == 0


def test_withdrawn_request_cannot_be_decided(unit, am, fin):
    make_policy("discount", [step(1, "finance")])
    req = services.submit(make_adjustment(am, unit=unit), kind="discount", requester=am)
    services.withdraw(req.pk, actor=am)
    with pytest.raises(Conflict):
        services.decide(req.pk, actor=fin, decision="approve")


def test_request_changes_then_resubmit_starts_a_new_round(unit, am, fin):
    make_policy("discount", [step(1, "finance")])
    adj = make_adjustment(am, unit=unit)
    req = services.submit(adj, kind="discount", requester=am)
    req = services.decide(req.pk, actor=fin, decision="request_changes", comment="Lower it")
    assert req.status == Status.CHANGES_REQUESTED

    adj.discount_pct = Decimal("8")
    adj.save()
    req = services.submit(adj, kind="discount", requester=am)

    assert req.round == 2
    assert req.status == Status.PENDING
    assert [row[0] for row in req.last_diff] == ["amount", "discount_pct"] or [
        row[0] for row in req.last_diff
    ] == ["discount_pct"]
    assert req.last_diff[-1][2] == "8"
    assert assigned(req) == {fin.email}


def test_material_edit_resets_decisions_and_records_diff(unit, am, fin, pl):
    make_policy("discount", [step(1, "finance"), step(2, "practice_leader")])
    adj = make_adjustment(am, unit=unit)
    req = services.submit(adj, kind="discount", requester=am)
    services.decide(req.pk, actor=fin, decision="approve")

    adj.amount = Decimal("2000")
    adj.save()
    req = services.subject_changed(adj, kind="discount", actor=am)

    assert req is not None
    assert [(name, after) for name, _before, after in req.last_diff] == [("amount", "2000")]
    assert assigned(req) == {fin.email}  # step 1 again, with the new facts
    assert Decision.objects.get().superseded


def test_immaterial_edit_keeps_decisions(unit, am, fin, pl):
    make_policy("discount", [step(1, "finance"), step(2, "practice_leader")])
    adj = make_adjustment(am, unit=unit)
    req = services.submit(adj, kind="discount", requester=am)
    services.decide(req.pk, actor=fin, decision="approve")
    adj.reason = "Better wording"
    adj.save()
    assert services.subject_changed(adj, kind="discount", actor=am) is None
    assert assigned(req) == {pl.email}


def test_money_is_converted_to_the_unit_currency(unit, am, fin, pm, settings):
    settings.APPROVALS_FX_RATES = {"USD": "0.5"}
    make_policy(
        "discount",
        [
            step(1, "finance", conditions=[cond("amount", "gt", "600")]),
            step(1, "project_manager", conditions=[cond("amount", "lte", "600")]),
        ],
    )
    adj = make_adjustment(am, unit=unit, amount="1000")
    adj.currency = "USD"
    adj.save()
    req = services.submit(adj, kind="discount", requester=am)
    assert assigned(req) == {pm.email}  # 1000 USD = 500 EUR


def test_money_is_converted_at_the_odoo_rate_of_the_request_date(unit, am, fin, pm):
    unit.currency_code, unit.odoo_company_id = "USD", 1
    unit.save()
    Company.objects.create(id=1, name="YourCompany", currency_code="USD")
    today = timezone.localdate()
    CurrencyRate.objects.create(
        id=1, currency_code="EUR", company_id=1, date=today - dt.timedelta(days=30), rate="0.8"
    )
    # Published for a later day: must not apply to a request of today.
    CurrencyRate.objects.create(
        id=2, currency_code="EUR", company_id=1, date=today + dt.timedelta(days=1), rate="2"
    )
    make_policy(
        "discount",
        [
            step(1, "finance", conditions=[cond("amount", "gt", "1000")]),
            step(1, "project_manager", conditions=[cond("amount", "lte", "1000")]),
        ],
    )
    adj = make_adjustment(am, unit=unit, amount="900")  # in EUR

    req = services.submit(adj, kind="discount", requester=am)

    assert req.status == Status.PENDING
    assert assigned(req) == {fin.email}  # 900 EUR / 0.8 = 1125 USD


def test_unknown_rate_needs_routing(unit, am, fin):
    make_policy("discount", [step(1, "finance")])
    adj = make_adjustment(am, unit=unit)
    adj.currency = "XYZ"
    adj.save()
    req = services.submit(adj, kind="discount", requester=am)
    assert req.status == Status.NEEDS_ROUTING


def test_request_keeps_the_version_that_routed_it(unit, am, fin, pm):
    v1 = make_policy("discount", [step(1, "finance")])
    req = services.submit(make_adjustment(am, unit=unit), kind="discount", requester=am)
    make_policy("discount", [step(1, "project_manager")])
    req.refresh_from_db()
    assert req.policy_version_id == v1.pk
    assert services.decide(req.pk, actor=fin, decision="approve").status == Status.APPROVED


def test_second_open_request_for_a_subject_is_refused(unit, am, fin):
    make_policy("discount", [step(1, "finance")])
    adj = make_adjustment(am, unit=unit)
    services.submit(adj, kind="discount", requester=am)
    with pytest.raises(Conflict):
        services.submit(adj, kind="discount", requester=am)
