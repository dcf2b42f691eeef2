"""Generate a professional-services firm of any size on top of the demo data.

Everything is drawn from ``random.Random(seed)`` and dated relative to ``today``, so the same
arguments give the same records, ids and totals. Client, engagement and people names are
invented combinations of common words and names.

The firm: client companies with contacts; consultants (users and employees in a few
offices and time zones, with line managers, job titles, hourly costs and calendars);
service products billed on milestones, on timesheets (T&M) or as prepaid retainers; one
confirmed service sale order per project; milestones per milestone line whose
percentages sum to 1; tasks with stages, assignees and deadlines (some overdue); and
weeks of timesheets on working days with realistic gaps.
"""

from __future__ import annotations

import datetime as dt
import random
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from odoo_sandbox.demo.loader import find_method, load_demo
from odoo_sandbox.store import Store

Progress = Callable[[str], None]

# Presets for the sandbox's --scenario flag. "bench" is the performance target of
# DESIGN.md §11: 200 projects, 5,000 tasks and about 100,000 timesheet lines
# (400 consultants x 27 weeks x ~0.95 attendance x ~2 entries a day).
PRESETS: dict[str, dict[str, int]] = {
    "small": {"consultants": 12, "projects": 6, "tasks_per_project": 6, "weeks": 4},
    "default": {"consultants": 40, "projects": 25, "tasks_per_project": 8, "weeks": 12},
    "bench": {"consultants": 400, "projects": 200, "tasks_per_project": 25, "weeks": 27},
}

PROGRESS_EVERY = 5_000
DASH = " \N{EN DASH} "  # project names read "<client>, en dash, <engagement>"
EMAIL_DOMAIN = "yourcompany.example.com"

# (office, time zone, country xmlid, weight) — where consultants sit.
OFFICES = (
    ("Berlin", "Europe/Berlin", "base.de", 4),
    ("London", "Europe/London", "base.uk", 3),
    ("New York", "America/New_York", "base.us", 3),
    ("Pune", "Asia/Kolkata", "base.in", 2),
    ("Amsterdam", "Europe/Amsterdam", "base.nl", 1),
)
# (job title, hourly cost range, weight) for consultants who are not line managers.
JOBS = (
    ("Analyst", (42, 60), 3),
    ("Consultant", (62, 85), 4),
    ("Senior Consultant", (88, 120), 3),
    ("Architect", (110, 150), 2),
)
MANAGER_JOB = ("Engagement Manager", (120, 160))
DEPARTMENTS = ("Advisory", "Delivery", "Data & Analytics", "Architecture")

FIRST_NAMES = (
    "Amara", "Bastian", "Chloe", "Dev", "Elif", "Farid", "Greta", "Hiro", "Ines", "Jonas",
    "Kavya", "Liam", "Mira", "Nikhil", "Olga", "Pablo", "Quinn", "Rosa", "Sanjay", "Tessa",
    "Umar", "Vera", "Wes", "Xenia", "Yusuf", "Zoe", "Anil", "Birgit", "Carlos", "Dana",
    "Emeka", "Fiona", "Goran", "Hanna", "Ivo", "Julia", "Karim", "Lena", "Marek", "Nadia",
)  # fmt: skip
LAST_NAMES = (
    "Achterberg", "Bauer", "Castell", "Desai", "Eriksen", "Fontaine", "Gallagher", "Hartmann",
    "Iyer", "Jansen", "Kowalski", "Lindqvist", "Moreau", "Nair", "Okafor", "Petrov",
    "Quintero", "Rahman", "Schulte", "Tanaka", "Ulrich", "Varga", "Whitfield", "Yilmaz",
    "Zimmer", "Brandt", "Coleman", "Dubois", "Engel", "Ferreira",
)  # fmt: skip
CLIENT_PREFIXES = (
    "Bluefin", "Harborline", "Altamira", "Cedarbrook", "Ironbridge", "Lumenfield", "Kestrel",
    "Quarrystone", "Silverline", "Granitehill", "Tidewater", "Vantagepoint", "Copperleaf",
    "Meadowlark", "Orbisca", "Pinecrest", "Redfern", "Summitvale", "Westbrook", "Foxglove",
)  # fmt: skip
CLIENT_SECTORS = (
    ("Logistics", "logistics"), ("Health", "health"), ("Energy", "energy"),
    ("Retail", "retail"), ("Insurance", "insurance"), ("Foods", "foods"),
    ("Manufacturing", "mfg"), ("Bank", "bank"), ("Telecom", "telecom"),
    ("Pharma", "pharma"), ("Mobility", "mobility"), ("Media", "media"),
)  # fmt: skip
CLIENT_CITIES = {
    "base.de": ("Hamburg", "Munich", "Cologne"),
    "base.uk": ("Manchester", "Leeds", "Bristol"),
    "base.us": ("Chicago", "Denver", "Boston"),
    "base.in": ("Bengaluru", "Hyderabad", "Chennai"),
    "base.nl": ("Rotterdam", "Utrecht", "Eindhoven"),
    "base.be": ("Antwerp", "Ghent", "Leuven"),
}
CONTACT_ROLES = ("CIO", "Head of Operations", "Programme Director", "Finance Controller",
                 "Procurement Lead", "IT Project Manager")  # fmt: skip
ENGAGEMENTS = (
    "ERP rollout", "Data platform migration", "Cloud landing zone", "CRM implementation",
    "Supply-chain analytics", "Cybersecurity assessment", "Finance transformation",
    "Customer portal build", "Integration hub", "Operating model redesign",
    "Pricing analytics", "Warehouse automation", "HR system upgrade",
    "Regulatory reporting", "Field service mobile app", "Master data clean-up",
)  # fmt: skip
MILESTONE_PHASES = (
    "Discovery sign-off", "Solution design approved", "Build complete",
    "User acceptance passed", "Go-live", "Hypercare closed",
)  # fmt: skip
TASK_NAMES = (
    "Stakeholder interviews", "Current-state process mapping", "Solution design workshop",
    "Requirements backlog grooming", "Data migration dry run", "Interface specification",
    "Integration testing", "User acceptance testing", "Cutover plan", "Training material",
    "Hypercare support", "Security review", "Reporting dashboard build", "Performance tuning",
    "Go-live readiness review", "Access and roles set-up", "Test data preparation",
    "Change-management communications", "Architecture decision record",
    "Steering committee pack", "Defect triage", "Load testing", "Runbook handover",
    "Data quality rules", "Environment provisioning",
)  # fmt: skip
TIMESHEET_WORDS = (
    "Workshop preparation", "Client workshop", "Design review", "Configuration",
    "Development", "Testing", "Documentation", "Status meeting", "Data analysis",
    "Defect fixing", "Internal review", "Travel to client site", "Code review",
)  # fmt: skip
TASK_STAGES = (("Backlog", 1, False), ("In Progress", 2, False), ("Review", 3, False),
               ("Done", 4, True))  # fmt: skip

# Share of the allocation the logged hours use (the risk dashboard's burn): healthy
# projects sit between 40 and 95 %; a few troubled ones (12-20 % of the firm, at least
# one from three projects up) run over budget or behind schedule, so the dashboard
# shows a believable mix rather than every project in red.
HEALTHY_BURN = (0.40, 0.95)
TROUBLED_SHARE = (0.12, 0.20)
TROUBLE_KINDS = ("over budget", "behind schedule")
OVER_BUDGET_BURN = (1.12, 1.45)
BEHIND_SCHEDULE_BURN = (0.75, 0.95)
# Chance that an open task's deadline has passed / a past milestone was reached.
OVERDUE_TASK_CHANCE = {"": 0.08, "over budget": 0.15, "behind schedule": 0.55}
REACHED_MILESTONE_CHANCE = {"": 0.95, "over budget": 0.85, "behind schedule": 0.3}

# (xmlid suffix, name, list price, service_policy, service_tracking, unit xmlid) —
# one product per billing style a services firm sells (reference §6.6).
PRODUCTS = (
    ("milestone_fee", "Fixed-fee delivery (milestones)", 1.0, "delivered_milestones",
     "project_only", "uom.product_uom_unit"),
    ("tm_consultant", "Consulting (time & materials)", 145.0, "delivered_timesheet",
     "task_in_project", "uom.product_uom_hour"),
    ("tm_architect", "Architecture (time & materials)", 210.0, "delivered_timesheet",
     "task_in_project", "uom.product_uom_hour"),
    ("retainer", "Advisory retainer (prepaid hours)", 160.0, "ordered_prepaid",
     "task_in_project", "uom.product_uom_hour"),
)  # fmt: skip
# service_policy -> (invoice_policy, service_type), as Odoo's inverse sets them.
POLICY_FIELDS = {
    "delivered_milestones": ("delivery", "milestones"),
    "delivered_timesheet": ("delivery", "timesheet"),
    "ordered_prepaid": ("order", "manual"),
}


@dataclass
class ScenarioReport:
    """What generate() created, with totals a test can pin."""

    seed: int
    today: dt.date
    created: Counter[str] = field(default_factory=Counter)
    clients: int = 0
    consultants: int = 0
    projects: int = 0
    tasks: int = 0
    milestones: int = 0
    timesheet_lines: int = 0
    project_ids: list[int] = field(default_factory=list)
    timesheet_hours: float = 0.0
    timesheet_cost: float = 0.0
    overdue_tasks: int = 0
    troubled_projects: dict[int, str] = field(default_factory=dict)  # project id -> kind
    reached_milestones: int = 0
    missed_days: int = 0
    absent_consultant: str = ""
    absent_weeks: tuple[str, ...] = ()
    confirmed_by_sandbox: bool = False
    seconds: float = 0.0

    def summary(self) -> str:
        return (
            f"scenario seed {self.seed}: {self.clients} clients, "
            f"{self.consultants} consultants, {self.projects} projects with confirmed orders, "
            f"{self.tasks} tasks, {self.milestones} milestones "
            f"({self.reached_milestones} reached), {self.timesheet_lines} timesheet lines "
            f"({self.timesheet_hours:.1f} h, cost {self.timesheet_cost:.2f}), "
            f"{self.overdue_tasks} overdue tasks, {self.missed_days} missed days; "
            f"{self.seconds:.1f}s"
        )


@dataclass
class _Consultant:
    user_id: int
    employee_id: int
    name: str
    hourly_cost: float
    hours_per_day: float
    projects: list[int] = field(default_factory=list)


@dataclass
class _Project:
    project_id: int
    account_id: int
    order_id: int
    tm_line_id: int
    trouble: str = ""  # "" for a healthy project, else one of TROUBLE_KINDS
    burn: float = 0.0  # target share of the allocation the logged hours use
    team: list[_Consultant] = field(default_factory=list)
    task_ids: list[int] = field(default_factory=list)
    task_assignees: dict[int, list[_Consultant]] = field(default_factory=dict)
    # Hours logged per task id, from which _allocate sizes the allocations.
    logged: defaultdict[int, float] = field(default_factory=lambda: defaultdict(float))


def generate(
    store: Store,
    *,
    seed: int = 1,
    consultants: int = 40,
    projects: int = 25,
    tasks_per_project: int = 8,
    weeks: int = 12,
    today: dt.date | None = None,
    progress: Progress | None = None,
) -> ScenarioReport:
    """Add a generated firm to the store (loading the demo data first if it is absent)."""
    if consultants < 2 or projects < 1 or tasks_per_project < 1 or weeks < 1:
        raise ValueError("need at least 2 consultants, 1 project, 1 task and 1 week")
    day = today or dt.date.fromisoformat(store.today())
    started = time.perf_counter()
    if not store.xmlid_exists("base.user_admin"):
        load_demo(store, day)

    generator = _Generator(store, random.Random(seed), day, progress)
    report = generator.report
    report.seed = seed
    previous, store.today_override = store.today_override, day
    try:
        generator.run(consultants, projects, tasks_per_project, weeks)
    finally:
        store.today_override = previous
    report.seconds = time.perf_counter() - started
    return report


class _Generator:
    def __init__(self, store: Store, rng: random.Random, today: dt.date, progress: Progress | None):
        self.store = store
        self.rng = rng
        self.today = today
        self.progress = progress or (lambda _message: None)
        self.report = ScenarioReport(seed=0, today=today)
        self.ref = lambda xmlid: store.ref(xmlid)[1]
        self.titles_by_client: dict[int, set[str]] = {}

    def run(self, consultants: int, projects: int, tasks_per_project: int, weeks: int) -> None:
        self.progress("scenario: reference data")
        self._reference_data()
        self.progress(f"scenario: {consultants} consultants")
        staff = self._consultants(consultants)
        self.progress(f"scenario: {projects} projects")
        clients = self._clients(max(2, (projects + 1) // 2))
        troubles = self._troubles(projects)
        engagements = [
            self._engagement(i, clients, staff, troubles.get(i, "")) for i in range(projects)
        ]
        by_id = {e.project_id: e for e in engagements}
        for consultant in staff:
            if not consultant.projects:  # everyone is staffed somewhere
                engagement = by_id[self.rng.choice(sorted(by_id))]
                engagement.team.append(consultant)
                consultant.projects.append(engagement.project_id)
        self.progress(f"scenario: {projects * tasks_per_project} tasks")
        for engagement in engagements:
            self._tasks(engagement, tasks_per_project)
        self.progress(f"scenario: {weeks} weeks of timesheets")
        self._timesheets(staff, engagements, weeks)
        for engagement in engagements:
            self._allocate(engagement)

        report = self.report
        report.clients = len(clients)
        report.consultants = len(staff)
        report.project_ids = [e.project_id for e in engagements]
        report.troubled_projects = {e.project_id: e.trouble for e in engagements if e.trouble}
        report.projects = len(engagements)
        report.tasks = sum(len(e.task_ids) for e in engagements)
        report.milestones = len(
            self.store.search("project.milestone", [("project_id", "in", report.project_ids)])
        )
        report.timesheet_lines = report.created["account.analytic.line"]

    # -- helpers -------------------------------------------------------------------------

    def _create(self, model: str, vals: dict[str, Any], xmlid: str | None = None) -> int:
        record_id = self.store.create(model, vals, xmlid=xmlid)
        self.report.created[model] += 1
        return record_id

    def _bulk(self, model: str, vals_list: list[dict[str, Any]]) -> list[int]:
        ids = self.store.bulk_create(model, vals_list)
        self.report.created[model] += len(ids)
        return ids

    def _weighted(self, options: tuple[Any, ...]) -> Any:
        return self.rng.choices(options, weights=[option[-1] for option in options])[0]

    # -- reference data ------------------------------------------------------------------

    def _reference_data(self) -> None:
        self.calendars: dict[str, int] = {}
        for office, tz, _country, _weight in OFFICES:
            self.calendars[tz] = self._create(
                "resource.calendar",
                {"name": f"{office} office, 40 hours/week", "tz": tz, "hours_per_day": 8.0,
                 "attendance_ids": _attendance_commands()},
            )  # fmt: skip
        self.jobs = {
            title: self._create("hr.job", {"name": title})
            for title in [job[0] for job in JOBS] + [MANAGER_JOB[0]]
        }
        self.departments = [self._create("hr.department", {"name": name}) for name in DEPARTMENTS]
        self.stages = [
            self._create("project.task.type", {"name": name, "sequence": seq, "fold": fold})
            for name, seq, fold in TASK_STAGES
        ]
        self.products: dict[str, int] = {}
        for key, name, price, policy, tracking, unit in PRODUCTS:
            invoice_policy, service_type = POLICY_FIELDS[policy]
            self.products[key] = self._create(
                "product.product",
                {"name": name, "type": "service", "list_price": price,
                 "service_policy": policy, "invoice_policy": invoice_policy,
                 "service_type": service_type, "service_tracking": tracking,
                 "uom_id": self.ref(unit),
                 "categ_id": self.ref("product.product_category_services")},
                xmlid=f"scenario.product_{key}",
            )  # fmt: skip

    # -- people --------------------------------------------------------------------------

    def _consultants(self, count: int) -> list[_Consultant]:
        managers = max(1, count // 12)
        names = self._unique_people(count)
        internal = [self.ref(x) for x in ("base.group_user", "project.group_project_user",
                                          "hr_timesheet.group_hr_timesheet_user")]  # fmt: skip
        approver = self.ref("hr_timesheet.group_hr_timesheet_approver")
        staff: list[_Consultant] = []
        manager_employees: list[int] = []
        for index, name in enumerate(names):
            number = index + 1
            is_manager = index < managers
            _office, tz, country, _weight = self._weighted(OFFICES)
            title, (low, high) = MANAGER_JOB if is_manager else self._weighted(JOBS)[:2]
            login = name.lower().replace(" ", ".")
            email = f"{login}@{EMAIL_DOMAIN}"
            partner_id = self._create(
                "res.partner",
                {"name": name, "email": email, "tz": tz, "country_id": self.ref(country),
                 "company_id": self.ref("base.main_company"), "function": title},
            )  # fmt: skip
            groups = internal + ([approver] if is_manager else [])
            user_id = self._create(
                "res.users",
                {"login": login, "name": name, "partner_id": partner_id, "email": email,
                 "tz": tz, "groups_id": [(6, 0, groups)]},
                xmlid=f"scenario.user_{number:04d}",
            )  # fmt: skip
            cost = float(self.rng.randrange(low, high + 1))
            manager = manager_employees[index % len(manager_employees)] if not is_manager else False
            employee_id = self._create(
                "hr.employee",
                {"name": name, "user_id": user_id, "work_contact_id": partner_id,
                 "work_email": email, "job_id": self.jobs[title], "job_title": title,
                 "department_id": self.departments[index % len(self.departments)],
                 "parent_id": manager, "resource_calendar_id": self.calendars[tz],
                 "hourly_cost": cost, "tz": tz, "work_phone": self._phone()},
                xmlid=f"scenario.employee_{number:04d}",
            )  # fmt: skip
            if is_manager:
                manager_employees.append(employee_id)
            staff.append(_Consultant(user_id, employee_id, name, cost, 8.0))
        return staff

    def _unique_people(self, count: int) -> list[str]:
        pool = [f"{first} {last}" for first in FIRST_NAMES for last in LAST_NAMES]
        if count <= len(pool):
            return self.rng.sample(pool, count)
        picked = self.rng.sample(pool, len(pool))
        extra = [f"{self.rng.choice(FIRST_NAMES)} {self.rng.choice(LAST_NAMES)}-"
                 f"{self.rng.choice(LAST_NAMES)}" for _ in range(count - len(pool))]  # fmt: skip
        seen: set[str] = set(picked)
        for name in extra:
            unique, suffix = name, 2
            while unique in seen:
                unique, suffix = f"{name} {suffix}", suffix + 1
            seen.add(unique)
            picked.append(unique)
        return picked

    def _phone(self) -> str:
        return f"+1 555-{self.rng.randrange(100, 1000)}-{self.rng.randrange(1000, 10000)}"

    # -- clients -------------------------------------------------------------------------

    def _clients(self, count: int) -> list[tuple[int, str]]:
        combos = [(p, s) for p in CLIENT_PREFIXES for s in CLIENT_SECTORS]
        chosen = self.rng.sample(combos, min(count, len(combos)))
        clients: list[tuple[int, str]] = []
        for number, (prefix, (sector, slug)) in enumerate(chosen, start=1):
            name = f"{prefix} {sector}"
            country = self.rng.choice(tuple(CLIENT_CITIES))
            domain = f"{prefix.lower()}-{slug}.example.com"
            company_id = self._create(
                "res.partner",
                {"name": name, "is_company": True, "customer_rank": 1,
                 "country_id": self.ref(country),
                 "city": self.rng.choice(CLIENT_CITIES[country]),
                 "website": f"https://www.{domain}", "email": f"info@{domain}",
                 "phone": self._phone()},
                xmlid=f"scenario.client_{number:03d}",
            )  # fmt: skip
            for role in self.rng.sample(CONTACT_ROLES, self.rng.randint(1, 3)):
                first, last = self.rng.choice(FIRST_NAMES), self.rng.choice(LAST_NAMES)
                self._create(
                    "res.partner",
                    {"name": f"{first} {last}", "parent_id": company_id, "function": role,
                     "email": f"{first.lower()}.{last.lower()}@{domain}", "type": "contact"},
                )  # fmt: skip
            clients.append((company_id, name))
        return clients

    # -- engagements: order, project, milestones -----------------------------------------

    def _troubles(self, projects: int) -> dict[int, str]:
        """Which project indexes are troubled, and how."""
        if projects < 3:
            return {}
        count = max(1, round(projects * self.rng.uniform(*TROUBLED_SHARE)))
        picked = sorted(self.rng.sample(range(projects), count))
        return {index: self.rng.choice(TROUBLE_KINDS) for index in picked}

    def _engagement_title(self, client_id: int) -> str:
        """An engagement the client has no project for yet, so project names are unique."""
        used = self.titles_by_client.setdefault(client_id, set())
        free = [title for title in ENGAGEMENTS if title not in used]
        if free:
            title = free[self.rng.randrange(len(free))]
        else:  # more projects per client than engagement kinds: number the repeats
            base, repeat = ENGAGEMENTS[self.rng.randrange(len(ENGAGEMENTS))], 2
            while f"{base} {repeat}" in used:
                repeat += 1
            title = f"{base} {repeat}"
        used.add(title)
        return title

    def _engagement(
        self, index: int, clients: list[tuple[int, str]], staff: list[_Consultant], trouble: str
    ) -> _Project:
        rng = self.rng
        number = index + 1
        client_id, client_name = clients[index % len(clients)]
        title = self._engagement_title(client_id)
        start = self.today - dt.timedelta(weeks=rng.randint(4, 20))
        end = self.today + dt.timedelta(weeks=rng.randint(4, 24))
        managers = staff[: max(1, len(staff) // 12)]  # _consultants puts managers first
        manager = managers[index % len(managers)]

        tm_product = "tm_architect" if rng.random() < 0.3 else "tm_consultant"
        tm_hours = float(rng.randrange(80, 601, 10))
        lines: list[tuple[str, str, float, float]] = []
        for phase in range(rng.randint(1, 2)):
            label = "Design and discovery" if phase == 0 else "Build and rollout"
            lines.append(("milestone_fee", f"{title}: {label} (fixed fee)", 1.0,
                          float(rng.randrange(20_000, 120_001, 500))))  # fmt: skip
        lines.append((tm_product, f"{title}: specialist time", tm_hours,
                      PRODUCTS_BY_KEY[tm_product][2]))  # fmt: skip
        if rng.random() < 0.3:
            lines.append(
                (
                    "retainer",
                    f"{title}: advisory retainer",
                    float(rng.randrange(40, 121, 10)),
                    PRODUCTS_BY_KEY["retainer"][2],
                )
            )
        order_id = self._create(
            "sale.order",
            {"partner_id": client_id, "client_order_ref": f"PO-{rng.randrange(10**5, 10**6)}",
             "date_order": f"{start.isoformat()} 09:00:00", "user_id": manager.user_id,
             "validity_date": (start + dt.timedelta(days=30)).isoformat(),
             "order_line": [(0, 0, {"product_id": self.products[key], "name": name,
                                    "product_uom_qty": qty, "price_unit": price,
                                    "product_uom": self._unit_of(key)})
                            for key, name, qty, price in lines]},
            xmlid=f"scenario.order_{number:03d}",
        )  # fmt: skip
        self.report.created["sale.order.line"] += len(lines)
        line_ids = self.store.search("sale.order.line", [("order_id", "=", order_id)])
        line_keys = [key for key, *_rest in lines]

        project_id = self._confirm(order_id, line_ids, f"{client_name}{DASH}{title}")
        # action_confirm stamps date_order with the moment of confirmation; keep the
        # generated (deterministic) order date instead.
        self.store.write("sale.order", [order_id], {"date_order": f"{start.isoformat()} 09:00:00"})
        project = self.store.get("project.project", project_id)
        team = rng.sample(staff, min(len(staff), rng.randint(3, 8)))
        self.store.write(
            "project.project", [project_id],
            {"name": f"{client_name}{DASH}{title}", "partner_id": client_id,
             "user_id": manager.user_id, "date_start": start.isoformat(),
             "date": end.isoformat(), "allow_timesheets": True, "allow_milestones": True,
             "allow_billable": True,
             "type_ids": [(6, 0, self.stages)],
             "favorite_user_ids": [(6, 0, [manager.user_id])]},
        )  # fmt: skip
        self.store.set_xmlid(f"scenario.project_{number:03d}", "project.project", project_id)
        for line_id, key in zip(line_ids, line_keys, strict=True):
            if key == "milestone_fee":
                self._milestones(project_id, line_id, trouble)
        tm_line = line_ids[line_keys.index(tm_product)]
        engagement = _Project(project_id, project.get("account_id") or 0, order_id, tm_line)
        engagement.trouble = trouble
        engagement.burn = rng.uniform(
            *{"": HEALTHY_BURN, "over budget": OVER_BUDGET_BURN,
              "behind schedule": BEHIND_SCHEDULE_BURN}[trouble]
        )  # fmt: skip
        engagement.team = team
        for consultant in team:
            consultant.projects.append(project_id)
        return engagement

    def _unit_of(self, key: str) -> int:
        return self.ref(PRODUCTS_BY_KEY[key][5])

    def _confirm(self, order_id: int, line_ids: list[int], name: str) -> int:
        """Confirm the order through the sandbox's action_confirm; return its project."""
        method = find_method("sale.order", "action_confirm")
        if method is not None:
            method(self.store, [order_id])
            self.report.confirmed_by_sandbox = True
        else:
            # Known limitation: without the server's action_confirm the order is only
            # marked confirmed and its project created here, not its generated tasks
            # (acceptable because tasks are generated below either way).
            self.store.write("sale.order", [order_id], {"state": "sale"})
        order = self.store.get("sale.order", order_id)
        project_id = order.get("project_id")
        if not project_id:
            projects = self.store.search("project.project", [("sale_order_id", "=", order_id)])
            project_id = projects[0] if projects else 0
        if not project_id:
            account_id = self._create(
                "account.analytic.account",
                {"name": name, "partner_id": order["partner_id"],
                 "plan_id": self.ref("analytic.analytic_plan_projects")},
            )  # fmt: skip
            project_id = self._create(
                "project.project",
                {"name": name, "sale_order_id": order_id, "sale_line_id": line_ids[0],
                 "account_id": account_id, "partner_id": order["partner_id"]},
            )  # fmt: skip
            self.store.write("sale.order", [order_id], {"project_id": project_id})
        else:
            self.report.created["project.project"] += 1
        return int(project_id)

    def _milestones(self, project_id: int, line_id: int, trouble: str) -> None:
        rng = self.rng
        count = rng.randint(2, 4)
        # Percentages in whole 5 % steps so that they add up to exactly 100 %.
        cuts = sorted(rng.sample(range(1, 20), count - 1))
        shares = [b - a for a, b in zip([0, *cuts], [*cuts, 20], strict=True)]
        deadlines = sorted(
            self.today + dt.timedelta(days=rng.randint(-56, 56)) for _ in range(count)
        )
        phases = rng.sample(MILESTONE_PHASES, count)
        phases.sort(key=MILESTONE_PHASES.index)
        existing = self.store.search("project.milestone", [("sale_line_id", "=", line_id)])
        for position, (phase, share, deadline) in enumerate(
            zip(phases, shares, deadlines, strict=True)
        ):
            reached = deadline < self.today and rng.random() < REACHED_MILESTONE_CHANCE[trouble]
            vals = {
                "name": phase, "project_id": project_id, "sale_line_id": line_id,
                "deadline": deadline.isoformat(), "quantity_percentage": share * 5 / 100,
                "is_reached": reached, "sequence": position + 1,
                "reached_date": (deadline + dt.timedelta(days=rng.randint(-3, 2))).isoformat()
                if reached else False,
            }  # fmt: skip
            if position < len(existing):
                self.store.write("project.milestone", [existing[position]], vals)
            else:
                self._create("project.milestone", vals)
            self.report.reached_milestones += reached
        if len(existing) > count:
            self.store.unlink("project.milestone", existing[count:])

    # -- tasks ---------------------------------------------------------------------------

    def _tasks(self, engagement: _Project, per_project: int) -> None:
        rng, today = self.rng, self.today
        generated = self.store.search("project.task", [("project_id", "=", engagement.project_id)])
        milestones = self.store.search(
            "project.milestone", [("project_id", "=", engagement.project_id)], order="deadline"
        )
        names = rng.sample(TASK_NAMES, min(len(TASK_NAMES), per_project))
        while len(names) < per_project:
            names.append(f"{rng.choice(TASK_NAMES)} ({len(names) + 1})")
        # Tasks close in step with the hours used, so that "hours used ahead of progress"
        # flags the troubled projects only: behind-schedule ones close fewer, over-budget
        # ones close what a healthy project would and overrun their hours.
        done_share = engagement.burn - rng.uniform(-0.05, 0.10)
        if engagement.trouble == "behind schedule":
            done_share = engagement.burn - rng.uniform(0.20, 0.35)
        elif engagement.trouble == "over budget":
            done_share = rng.uniform(0.45, 0.80)
        done_count = min(per_project, max(0, round(done_share * per_project)))
        done = set(rng.sample(range(per_project), done_count))
        overdue_chance = OVERDUE_TASK_CHANCE[engagement.trouble]
        vals_list: list[dict[str, Any]] = []
        for position in range(per_project):
            stage = 3 if position in done else rng.choices(range(3), weights=(3, 4, 2))[0]
            if stage == 3:
                deadline = today + dt.timedelta(days=rng.randint(-42, 14))
            elif rng.random() < overdue_chance:
                deadline = today - dt.timedelta(days=rng.randint(1, 21))
            else:
                deadline = today + dt.timedelta(days=rng.randint(1, 56))
            assignees = rng.sample(engagement.team, min(len(engagement.team), rng.randint(1, 2)))
            vals_list.append(
                {"name": names[position], "project_id": engagement.project_id,
                 "stage_id": self.stages[stage],
                 "state": "1_done" if stage == 3 else rng.choice(
                     ("01_in_progress", "01_in_progress", "02_changes_requested", "03_approved")),
                 "user_ids": [(6, 0, [c.user_id for c in assignees])],
                 "allocated_hours": 0.0,  # set by _allocate from the logged hours
                 "date_deadline": f"{deadline.isoformat()} 17:00:00",
                 "priority": "1" if rng.random() < 0.2 else "0",
                 "sequence": position + 1,
                 "milestone_id": milestones[position % len(milestones)] if milestones else False,
                 "sale_line_id": engagement.tm_line_id, "partner_id": False}
            )  # fmt: skip
            if stage != 3 and deadline < today:
                self.report.overdue_tasks += 1
        # Tasks the confirmation generated keep their names and take the first values.
        reused = generated[:per_project]
        for task_id, vals in zip(reused, vals_list, strict=False):
            self.store.write(
                "project.task",
                [task_id],
                {k: v for k, v in vals.items() if k not in ("name", "sale_line_id")},
            )
        new_ids = self._bulk("project.task", vals_list[len(reused) :])
        engagement.task_ids = reused + new_ids
        for task_id, vals in zip(engagement.task_ids, vals_list, strict=True):
            user_ids: list[int] = vals["user_ids"][0][2]
            engagement.task_assignees[task_id] = [
                c for c in engagement.team if c.user_id in user_ids
            ]

    # -- timesheets ----------------------------------------------------------------------

    def _timesheets(
        self, staff: list[_Consultant], engagements: list[_Project], weeks: int
    ) -> None:
        rng, today = self.rng, self.today
        by_project = {e.project_id: e for e in engagements}
        first_day = today - dt.timedelta(days=weeks * 7 - 1)
        days = [first_day + dt.timedelta(days=n) for n in range(weeks * 7)]
        workdays = [d for d in days if d.weekday() < 5]
        # One consultant misses whole weeks (a long leave nobody booked): two consecutive
        # weeks in the middle of the period, or the only week when the period is one week.
        absent = rng.choice([c for c in staff if c.projects] or staff)
        week_starts = sorted({d - dt.timedelta(days=d.weekday()) for d in workdays})
        middle = max(0, len(week_starts) // 2 - 1)
        absent_weeks = set(week_starts[middle : middle + 2])
        self.report.absent_consultant = absent.name
        self.report.absent_weeks = tuple(sorted(w.isoformat() for w in absent_weeks))
        unit_hour = self.ref("uom.product_uom_hour")

        batch: list[dict[str, Any]] = []
        written = 0
        for day in workdays:
            for consultant in staff:
                if not consultant.projects:
                    continue
                if consultant is absent and day - dt.timedelta(days=day.weekday()) in absent_weeks:
                    self.report.missed_days += 1
                    continue
                if rng.random() < 0.05:  # a forgotten or sick day
                    self.report.missed_days += 1
                    continue
                total = rng.choice((6.0, 7.0, 7.5, 8.0, 8.0, 8.0, 8.5, 9.0))
                entries = rng.choices((1, 2, 3), weights=(2, 6, 2))[0]
                hours = _split_hours(rng, total, entries)
                for amount in hours:
                    project = by_project[rng.choice(consultant.projects)]
                    own = [t for t, people in project.task_assignees.items()
                           if consultant in people]  # fmt: skip
                    task_id = rng.choice(own or project.task_ids) if project.task_ids else False
                    batch.append(
                        {"name": rng.choice(TIMESHEET_WORDS), "date": day.isoformat(),
                         "employee_id": consultant.employee_id, "user_id": consultant.user_id,
                         "project_id": project.project_id, "task_id": task_id,
                         "account_id": project.account_id or False, "unit_amount": amount,
                         "amount": round(-amount * consultant.hourly_cost, 2),
                         "product_uom_id": unit_hour, "so_line": project.tm_line_id}
                    )  # fmt: skip
                    project.logged[task_id] += amount
                    self.report.timesheet_hours += amount
                    self.report.timesheet_cost += amount * consultant.hourly_cost
            if len(batch) >= PROGRESS_EVERY:
                written += len(self._bulk("account.analytic.line", batch))
                batch = []
                self.progress(f"scenario: {written} timesheet lines")
        if batch:
            written += len(self._bulk("account.analytic.line", batch))
            self.progress(f"scenario: {written} timesheet lines")
        self.report.timesheet_hours = round(self.report.timesheet_hours, 2)
        self.report.timesheet_cost = round(self.report.timesheet_cost, 2)

    # -- allocations ---------------------------------------------------------------------

    def _allocate(self, engagement: _Project) -> None:
        """Size task and project allocations so the logged hours use about `burn` of them.

        The hours come first (the timesheets are drawn already) and the allocation is
        derived from them, so the budget signal on the risk dashboard is what the scenario
        meant: most projects well within, the troubled ones over.
        """
        rng, tasks = self.rng, engagement.task_ids
        per_task = [engagement.logged.get(t, 0.0) for t in tasks]
        logged = sum(per_task)
        if logged <= 0:  # nobody logged time: an allocation as a project plan would have
            allocations = [float(rng.randrange(8, 81, 4)) for _ in tasks]
        else:
            # Logged tasks weigh by their hours (give or take an estimate's error); tasks
            # nobody worked on yet still carry some planned work.
            mean = logged / len(tasks)
            weights = [
                hours * rng.uniform(0.8, 1.25) if hours > 0 else mean * rng.uniform(0.3, 0.8)
                for hours in per_task
            ]
            budget = logged / engagement.burn
            total = sum(weights)
            allocations = [max(2.0, float(round(budget * w / total))) for w in weights]
        for task_id, hours in zip(tasks, allocations, strict=True):
            self.store.write("project.task", [task_id], {"allocated_hours": hours})
        self.store.write(
            "project.project", [engagement.project_id], {"allocated_hours": sum(allocations)}
        )


PRODUCTS_BY_KEY = {product[0]: product for product in PRODUCTS}


def _split_hours(rng: random.Random, total: float, entries: int) -> list[float]:
    """Split a day's hours into entries in quarter hours, each at least half an hour."""
    quarters = int(total * 4)
    if entries == 1:
        return [total]
    cuts = sorted(rng.sample(range(2, quarters - 1), entries - 1))
    parts = [b - a for a, b in zip([0, *cuts], [*cuts, quarters], strict=True)]
    if min(parts) < 2:
        return [total]
    return [part / 4 for part in parts]


def _attendance_commands() -> list[tuple[int, int, dict[str, Any]]]:
    commands: list[tuple[int, int, dict[str, Any]]] = []
    for day in range(5):
        for period, start, end in (("morning", 8.0, 12.0), ("afternoon", 13.0, 17.0)):
            commands.append(
                (0, 0, {"name": f"Day {day} {period}", "dayofweek": str(day),
                        "hour_from": start, "hour_to": end, "day_period": period})
            )  # fmt: skip
    return commands
