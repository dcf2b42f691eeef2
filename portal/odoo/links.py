"""Portal-owned defaults the sync fills in: business units and identity links (DESIGN §2).

- A project's business unit defaults to its Odoo company's unit (one unit per company,
  created on first sight, code = slug of the company name); a unit already set, by an
  operator or an earlier sync, is never overwritten.
- A portal user is linked to the Odoo user and employee with the same *verified* email,
  unless an operator set the link by hand (`odoo_link_overridden`).
"""

from __future__ import annotations

import logging
from collections import defaultdict
from typing import Any

from allauth.account.models import EmailAddress
from django.db import IntegrityError, transaction
from django.utils.text import slugify

from portal.core.models import BusinessUnit, User
from portal.odoo.models import Company, Employee, OdooUser, Project
from portal.odoo.values import Many2one

logger = logging.getLogger(__name__)


def unit_for_company(company_id: int, name: str) -> BusinessUnit:
    """The business unit of an Odoo company, created on first sight."""
    unit = BusinessUnit.objects.filter(odoo_company_id=company_id).order_by("pk").first()
    if unit is not None:
        return unit
    company = Company.objects.filter(id=company_id).first()
    name = name or (company.name if company else "") or f"Company {company_id}"
    currency = (company.currency_code if company else "") or "EUR"
    base = (slugify(name) or f"company-{company_id}")[:32]
    code = base
    if BusinessUnit.objects.filter(code=code).exists():
        code = f"{base}-{company_id}"
    try:
        with transaction.atomic():
            unit = BusinessUnit.objects.create(
                code=code, name=name[:120], odoo_company_id=company_id, currency_code=currency
            )
    except IntegrityError:  # another run created it at the same moment
        return BusinessUnit.objects.get(odoo_company_id=company_id)
    logger.info("Created business unit %s for Odoo company %s", code, company_id)
    return unit


def default_business_units(model_key: str, rows: list[dict[str, Any]]) -> None:
    """Create units for companies; give unit-less projects their company's unit."""
    if model_key == "res.company":
        for row in rows:
            unit_for_company(int(row["id"]), str(row.get("name") or ""))
        return
    by_company: dict[Many2one, list[int]] = defaultdict(list)
    for row in rows:
        company = row.get("company_id")
        if isinstance(company, Many2one):
            by_company[company].append(int(row["id"]))
    for company, project_ids in by_company.items():
        unit = unit_for_company(company.id, company.name)
        Project.objects.filter(id__in=project_ids, business_unit__isnull=True).update(
            business_unit=unit
        )


def link_portal_users() -> int:
    """Link portal users to Odoo users and employees by verified email; return changes.

    Only a match sets a link: a user whose email matches nothing keeps the link they
    have (an operator may have set it before marking it overridden).
    """
    verified: dict[str, int] = {}
    ambiguous: set[str] = set()
    for user_id, email in EmailAddress.objects.filter(verified=True).values_list(
        "user_id", "email"
    ):
        key = email.strip().lower()
        if key in verified and verified[key] != user_id:
            ambiguous.add(key)
        verified[key] = user_id
    emails = set(verified) - ambiguous
    if not emails:
        return 0

    odoo_users: dict[str, int | None] = {}
    for uid, email in (
        OdooUser.objects.live().filter(active=True, email__in=emails).values_list("id", "email")
    ):
        odoo_users[email] = None if email in odoo_users else uid  # two Odoo users: no link
    employee_of_user = dict(
        Employee.objects.live()
        .filter(active=True, user_id__isnull=False)
        .values_list("user_id", "id")
    )
    employee_by_email: dict[str, int | None] = {}
    for eid, email in (
        Employee.objects.live()
        .filter(active=True, work_email__in=emails)
        .values_list("id", "work_email")
    ):
        employee_by_email[email] = None if email in employee_by_email else eid

    changed = 0
    for email in emails:
        uid = odoo_users.get(email)
        eid = employee_of_user.get(uid) if uid else None
        eid = eid or employee_by_email.get(email)
        if uid is None and eid is None:
            continue
        user = User.objects.filter(pk=verified[email], odoo_link_overridden=False).first()
        if user is None:
            continue
        new_uid = uid if uid is not None else user.odoo_user_id
        new_eid = eid if eid is not None else user.odoo_employee_id
        if (new_uid, new_eid) == (user.odoo_user_id, user.odoo_employee_id):
            continue
        if (
            new_uid is not None
            and User.objects.filter(odoo_user_id=new_uid).exclude(pk=user.pk).exists()
        ):
            logger.warning("Odoo user %s is already linked to another portal user", new_uid)
            continue
        User.objects.filter(pk=user.pk).update(odoo_user_id=new_uid, odoo_employee_id=new_eid)
        changed += 1
    if changed:
        logger.info("Linked %s portal users to Odoo by verified email", changed)
    return changed
