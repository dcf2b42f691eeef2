"""Core records Odoo's demo files expect to exist already (README "unresolved" list).

In Odoo these come from the modules' own data files (base, mail, product, project,
resource, sale, analytic …), which are not vendored. The sandbox creates stand-ins with the
same external ids before loading each module's demo files. Names follow Odoo's where they
are well known; the others are plain descriptive stubs.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from odoo_sandbox.store import Store


@dataclass(frozen=True)
class Ref:
    """A reference to an external id, resolved when the base record is created."""

    xmlid: str


@dataclass(frozen=True)
class BaseRecord:
    xmlid: str
    model: str
    vals: dict[str, Any]


def _groups(*xmlids: str) -> list[tuple[int, int, list[Ref]]]:
    return [(6, 0, [Ref(x) for x in xmlids])]


def _attendances(morning: tuple[float, float], afternoon: tuple[float, float]) -> list[Any]:
    days = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday")
    commands: list[Any] = []
    for number, day in enumerate(days):
        for period, (start, end) in (("morning", morning), ("afternoon", afternoon)):
            commands.append(
                (0, 0, {"name": f"{day} {period.title()}", "dayofweek": str(number),
                        "hour_from": start, "hour_to": end, "day_period": period})
            )  # fmt: skip
    return commands


# Groups the demo files and the sandbox's users refer to: (xmlid, name).
GROUPS: tuple[tuple[str, str], ...] = (
    ("base.group_user", "Internal User"),
    ("base.group_portal", "Portal"),
    ("base.group_public", "Public"),
    ("base.default_user_group", "Default Access Rights"),
    ("base.group_partner_manager", "Contact Creation"),
    ("base.group_allow_export", "Access to export feature"),
    ("base.group_erp_manager", "Access Rights"),
    ("base.group_system", "Settings"),
    ("sales_team.group_sale_salesman", "Sales / User: Own Documents Only"),
    ("sales_team.group_sale_manager", "Sales / Administrator"),
    ("hr.group_hr_user", "Employees / Officer"),
    ("hr.group_hr_manager", "Employees / Administrator"),
    ("project.group_project_user", "Project / User"),
    ("project.group_project_manager", "Project / Administrator"),
    ("project.group_project_milestone", "Use Milestones"),
    ("hr_timesheet.group_hr_timesheet_user", "Timesheets / User: own timesheets only"),
    ("hr_timesheet.group_hr_timesheet_approver", "Timesheets / User: all timesheets"),
    ("hr_timesheet.group_timesheet_manager", "Timesheets / Administrator"),
)
# Odoo's admin holds every manager group once these modules are installed; the demo's
# `obj().env.user.has_group(...)` checks are answered from this list.
ADMIN_GROUPS = tuple(xmlid for xmlid, _ in GROUPS if xmlid not in (
    "base.group_portal", "base.group_public", "base.default_user_group"))  # fmt: skip

# Records created before any demo file: company, currencies, countries, users, groups.
CORE: tuple[BaseRecord, ...] = (
    BaseRecord("base.USD", "res.currency", {"name": "USD", "symbol": "$"}),
    BaseRecord("base.EUR", "res.currency", {"name": "EUR", "symbol": "€"}),
    BaseRecord("base.GBP", "res.currency", {"name": "GBP", "symbol": "£"}),
    BaseRecord("base.INR", "res.currency", {"name": "INR", "symbol": "₹"}),
    BaseRecord("base.us", "res.country", {"name": "United States", "code": "US"}),
    BaseRecord("base.be", "res.country", {"name": "Belgium", "code": "BE"}),
    BaseRecord("base.de", "res.country", {"name": "Germany", "code": "DE"}),
    BaseRecord("base.uk", "res.country", {"name": "United Kingdom", "code": "GB"}),
    BaseRecord("base.nl", "res.country", {"name": "Netherlands", "code": "NL"}),
    BaseRecord("base.in", "res.country", {"name": "India", "code": "IN"}),
    BaseRecord("base.state_us_5", "res.country.state",
               {"name": "California", "code": "CA", "country_id": Ref("base.us")}),
    BaseRecord("base.state_us_31", "res.country.state",
               {"name": "New Jersey", "code": "NJ", "country_id": Ref("base.us")}),
    BaseRecord("base.state_us_33", "res.country.state",
               {"name": "New York", "code": "NY", "country_id": Ref("base.us")}),
    BaseRecord("base.state_us_38", "res.country.state",
               {"name": "Oregon", "code": "OR", "country_id": Ref("base.us")}),
    BaseRecord("base.state_us_39", "res.country.state",
               {"name": "Pennsylvania", "code": "PA", "country_id": Ref("base.us")}),
    BaseRecord("base.main_partner", "res.partner",
               {"name": "YourCompany", "is_company": True}),
    BaseRecord("base.main_company", "res.company",
               {"name": "YourCompany", "partner_id": Ref("base.main_partner"),
                "currency_id": Ref("base.USD")}),
    BaseRecord("base.partner_root", "res.partner", {"name": "OdooBot", "active": False}),
    BaseRecord("base.partner_admin", "res.partner", {"name": "Mitchell Admin"}),
    *(BaseRecord(xmlid, "res.groups", {"name": name}) for xmlid, name in GROUPS),
    # uid 1 is Odoo's superuser (__system__), uid 2 the admin (DESIGN.md §5.7).
    BaseRecord("base.user_root", "res.users",
               {"id": 1, "login": "__system__", "name": "OdooBot", "active": False,
                "partner_id": Ref("base.partner_root"), "groups_id": _groups(*ADMIN_GROUPS)}),
    BaseRecord("base.user_admin", "res.users",
               {"id": 2, "login": "admin", "password": "admin", "name": "Mitchell Admin",
                "partner_id": Ref("base.partner_admin"), "groups_id": _groups(*ADMIN_GROUPS),
                "company_ids": [(6, 0, [Ref("base.main_company")])]}),
    BaseRecord("analytic.analytic_plan_projects", "account.analytic.plan", {"name": "Projects"}),
    BaseRecord("mail.mail_activity_data_email", "mail.activity.type",
               {"name": "Email", "icon": "fa-envelope"}),
    BaseRecord("mail.mail_activity_data_call", "mail.activity.type",
               {"name": "Call", "category": "phonecall", "icon": "fa-phone", "delay_count": 2}),
    BaseRecord("mail.mail_activity_data_meeting", "mail.activity.type",
               {"name": "Meeting", "category": "meeting", "icon": "fa-users"}),
    BaseRecord("mail.mail_activity_data_todo", "mail.activity.type",
               {"name": "To-Do", "icon": "fa-check", "delay_count": 5}),
    BaseRecord("mail.mail_activity_data_upload_document", "mail.activity.type",
               {"name": "Upload Document", "category": "upload_file", "icon": "fa-upload"}),
    BaseRecord("mail.mt_comment", "mail.message.subtype", {"name": "Discussions"}),
    BaseRecord("mail.mt_note", "mail.message.subtype", {"name": "Note", "internal": True}),
    BaseRecord("project.mt_task_new", "mail.message.subtype", {"name": "Task Created"}),
    BaseRecord("project.mt_task_stage", "mail.message.subtype", {"name": "Stage Changed"}),
    BaseRecord("resource.resource_calendar_std", "resource.calendar",
               {"name": "Standard 40 hours/week", "hours_per_day": 8.0,
                "attendance_ids": _attendances((8.0, 12.0), (13.0, 17.0))}),
    # 7.6 h a day: 8 to 12 and 13 to 16:36 (16.6 hours), Monday to Friday.
    BaseRecord("resource.resource_calendar_std_38h", "resource.calendar",
               {"name": "Standard 38 hours/week", "hours_per_day": 7.6,
                "attendance_ids": _attendances((8.0, 12.0), (13.0, 16.6))}),
    BaseRecord("product.product_category_all", "product.category", {"name": "All"}),
    BaseRecord("product.product_category_services", "product.category",
               {"name": "Services", "parent_id": Ref("product.product_category_all")}),
    BaseRecord("product.product_category_construction", "product.category",
               {"name": "Construction", "parent_id": Ref("product.product_category_all")}),
    BaseRecord("product.product_category_goods", "product.category",
               {"name": "Goods", "parent_id": Ref("product.product_category_all")}),
    BaseRecord("sales_team.team_sales_department", "crm.team", {"name": "Sales"}),
)  # fmt: skip

# Records created right before a module's demo files, because they refer to records an
# earlier module's demo files create (units, partners).
BEFORE_MODULE: dict[str, tuple[BaseRecord, ...]] = {
    "base": (),
    # hr's own data gives the admin an employee; hr_demo.xml only extends it.
    "hr": (
        BaseRecord("hr.dep_administration", "hr.department", {"name": "Administration"}),
        BaseRecord("hr.employee_admin", "hr.employee",
                   {"name": "Mitchell Admin", "user_id": Ref("base.user_admin"),
                    "hourly_cost": 30.0}),
    ),
    "project": (
        BaseRecord("project.project_project_stage_0", "project.project.stage",
                   {"name": "To Do", "sequence": 10}),
        BaseRecord("project.project_project_stage_1", "project.project.stage",
                   {"name": "In Progress", "sequence": 15}),
        BaseRecord("project.project_project_stage_2", "project.project.stage",
                   {"name": "Done", "sequence": 20, "fold": True}),
        BaseRecord("project.project_project_stage_3", "project.project.stage",
                   {"name": "Cancelled", "sequence": 25, "fold": True}),
    ),
    "sale_project": (
        BaseRecord("product.product_product_1", "product.product",
                   {"name": "Virtual Interior Design", "type": "service", "list_price": 30.75,
                    "categ_id": Ref("product.product_category_services"),
                    "uom_id": Ref("uom.product_uom_hour")}),
        BaseRecord("product.product_product_2", "product.product",
                   {"name": "Virtual Home Staging", "type": "service", "list_price": 38.25,
                    "categ_id": Ref("product.product_category_services"),
                    "uom_id": Ref("uom.product_uom_hour")}),
        BaseRecord("product.product_product_3", "product.product",
                   {"name": "Desk Combination", "type": "consu", "list_price": 450.0,
                    "categ_id": Ref("product.product_category_goods"),
                    "uom_id": Ref("uom.product_uom_unit")}),
        BaseRecord("product.product_product_furniture", "product.product",
                   {"name": "Furniture Assembly", "type": "service", "list_price": 120.0,
                    "categ_id": Ref("product.product_category_services"),
                    "uom_id": Ref("uom.product_uom_hour")}),
        BaseRecord("product.expense_product", "product.product",
                   {"name": "Expenses", "type": "service", "list_price": 0.0,
                    "uom_id": Ref("uom.product_uom_unit")}),
        BaseRecord("product.expense_hotel", "product.product",
                   {"name": "Hotel Accommodation", "type": "service", "list_price": 400.0,
                    "uom_id": Ref("uom.product_uom_unit")}),
        BaseRecord("sale.advance_product_0", "product.product",
                   {"name": "Down payment", "type": "service", "list_price": 0.0,
                    "invoice_policy": "order", "uom_id": Ref("uom.product_uom_unit")}),
        BaseRecord("project.analytic_profitable_project", "account.analytic.account",
                   {"name": "A Very Profitable Project",
                    "plan_id": Ref("analytic.analytic_plan_projects")}),
        BaseRecord("project.project_a_very_profitable_project", "project.project",
                   {"name": "A Very Profitable Project",
                    "account_id": Ref("project.analytic_profitable_project"),
                    "partner_id": Ref("base.res_partner_2"),
                    "type_ids": [(6, 0, [Ref("project.project_stage_0"),
                                         Ref("project.project_stage_1"),
                                         Ref("project.project_stage_2")])]}),
    ),
    "sale_timesheet": (
        BaseRecord("sale.sale_order_3", "sale.order",
                   {"partner_id": Ref("base.res_partner_4"), "user_id": Ref("base.user_admin"),
                    "team_id": Ref("sales_team.team_sales_department")}),
    ),
}  # fmt: skip

# External ids Odoo gives to records the sandbox already has: (model, field, value).
# ir.model rows are created by the store itself, one per model.
ALIASES: dict[str, tuple[str, str, str]] = {
    "sale.model_sale_order": ("ir.model", "model", "sale.order"),
    "project.model_project_project": ("ir.model", "model", "project.project"),
    "project.model_project_task": ("ir.model", "model", "project.task"),
}


def resolve(store: Store, value: Any) -> Any:
    """Replace every Ref inside a value by the id it names."""
    if isinstance(value, Ref):
        return store.ref(value.xmlid)[1]
    if isinstance(value, list):
        return [resolve(store, item) for item in value]
    if isinstance(value, tuple):
        return tuple(resolve(store, item) for item in value)
    if isinstance(value, dict):
        return {key: resolve(store, item) for key, item in value.items()}
    return value


def create_base_records(store: Store, records: tuple[BaseRecord, ...]) -> int:
    """Create the records whose xmlid does not exist yet; return how many were created."""
    created = 0
    for record in records:
        if store.xmlid_exists(record.xmlid):
            continue
        store.create(record.model, resolve(store, record.vals), xmlid=record.xmlid)
        created += 1
    return created


def create_aliases(store: Store) -> None:
    """Give Odoo's external ids to records the store created on its own."""
    for xmlid, (model, field, value) in ALIASES.items():
        if store.xmlid_exists(xmlid):
            continue
        ids = store.search(model, [(field, "=", value)], limit=1)
        if ids:
            store.set_xmlid(xmlid, model, ids[0])


def add_currency_rates(store: Store, day: str) -> None:
    """Give every currency a rate on `day` (USD is the company currency, rate 1)."""
    rates = {"base.USD": 1.0, "base.EUR": 0.92, "base.GBP": 0.79, "base.INR": 83.2}
    for xmlid, rate in rates.items():
        currency_id = store.ref(xmlid)[1]
        if not store.search("res.currency.rate", [("currency_id", "=", currency_id)], limit=1):
            store.create("res.currency.rate", {"name": day, "rate": rate,
                                               "currency_id": currency_id})  # fmt: skip
