"""Policy language: validation of steps and conditions, evaluation, and policy lookup.

Conditions are data — `{"field": "amount", "op": "gt", "value": "5000"}` — validated
against the subject kind's `fact_fields`, and evaluated by a fixed table of operators.
Nothing in a policy is ever executed as code.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.utils import timezone

from portal.approvals.models import ApprovalPolicy, PolicyVersion
from portal.approvals.registry import SubjectKind
from portal.core import money
from portal.core.errors import DomainError
from portal.core.models import BusinessUnit, Role, User

NUMERIC_OPS = {"eq": "=", "ne": "!=", "gt": ">", "gte": ">=", "lt": "<", "lte": "<="}
CHOICE_OPS = {"eq": "=", "ne": "!=", "in": "in", "not_in": "not in"}
OPS_BY_TYPE: dict[str, dict[str, str]] = {
    "money": NUMERIC_OPS,
    "percent": NUMERIC_OPS,
    "number": NUMERIC_OPS,
    "choice": CHOICE_OPS,
    "text": CHOICE_OPS,
}
SYMBOL_TO_OP = {
    "=": "eq",
    "==": "eq",
    "!=": "ne",
    ">": "gt",
    ">=": "gte",
    "<": "lt",
    "<=": "lte",
    "in": "in",
    "not in": "not_in",
}
MODES = ("any", "all", "n")


def max_escalation_levels() -> int:
    return int(getattr(settings, "APPROVALS_MAX_ESCALATION_LEVELS", 2))


class PolicyError(DomainError):
    """A policy that cannot be saved; `errors` lists every problem found."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__("; ".join(errors))
        self.errors = errors


def _decimal(value: Any) -> Decimal | None:
    try:
        return Decimal(str(value).replace(",", "").strip())
    except (InvalidOperation, ValueError):
        return None


def validate_condition(kind: SubjectKind, cond: Any, where: str) -> list[str]:
    if not isinstance(cond, dict) or set(cond) != {"field", "op", "value"}:
        return [f"{where}: a condition needs exactly a field, an operator and a value."]
    field, op, value = cond["field"], cond["op"], cond["value"]
    if field not in kind.fact_fields:
        known = ", ".join(sorted(kind.fact_fields))
        return [f"{where}: unknown field '{field}' for {kind.label} (known: {known})."]
    type_ = kind.fact_fields[field]
    ops = OPS_BY_TYPE[type_]
    if op not in ops:
        allowed = " ".join(ops.values())
        shown = NUMERIC_OPS.get(op) or CHOICE_OPS.get(op) or op
        return [
            f"{where}: operator '{shown}' does not fit '{field}' (a {type_} field; "
            f"use one of: {allowed})."
        ]
    values = value if op in ("in", "not_in") else [value]
    if op in ("in", "not_in") and (not isinstance(value, list) or not value):
        return [f"{where}: '{shown_op(op)}' needs a list of values."]
    errors = []
    for v in values:
        if type_ in ("money", "percent", "number") and _decimal(v) is None:
            errors.append(f"{where}: '{v}' is not a number (field '{field}').")
        choices = kind.choices_for(field)
        if type_ == "choice" and choices and v not in choices:
            errors.append(
                f"{where}: '{v}' is not a value of '{field}' (one of: {', '.join(choices)})."
            )
    return errors


def shown_op(op: str) -> str:
    return NUMERIC_OPS.get(op) or CHOICE_OPS.get(op) or op


def validate_steps(kind: SubjectKind, steps: Any) -> list[dict[str, Any]]:
    """Return the steps normalised, or raise PolicyError naming every problem."""
    if not isinstance(steps, list) or not steps:
        raise PolicyError(["A policy needs at least one step."])
    errors: list[str] = []
    clean: list[dict[str, Any]] = []
    for i, raw in enumerate(steps, start=1):
        where = f"Step {i}"
        if not isinstance(raw, dict):
            errors.append(f"{where}: not a step.")
            continue
        step: dict[str, Any] = {
            "order": raw.get("order"),
            "name": str(raw.get("name") or "").strip() or f"Step {i}",
            "approver_type": raw.get("approver_type"),
            "role": raw.get("role") or "",
            "person_id": raw.get("person_id"),
            "mode": raw.get("mode") or "any",
            "n": raw.get("n"),
            "conditions": raw.get("conditions") or [],
            "sla_hours": raw.get("sla_hours") or 16,
            "escalation_roles": list(raw.get("escalation_roles") or []),
        }
        if not isinstance(step["order"], int) or step["order"] < 1:
            errors.append(f"{where}: the order must be a whole number from 1.")
        if step["approver_type"] == "role":
            if step["role"] not in Role.values or step["role"] == Role.CLIENT_CONTACT:
                errors.append(f"{where}: '{step['role']}' is not a staff role.")
            step["person_id"] = None
        elif step["approver_type"] == "person":
            pid = step["person_id"]
            if not isinstance(pid, int) or not User.objects.filter(pk=pid, is_active=True).exists():
                errors.append(f"{where}: the named person does not exist or has left.")
            step["role"] = ""
        else:
            errors.append(f"{where}: the approver must be a role or a person.")
        if step["mode"] not in MODES:
            errors.append(f"{where}: the rule must be any, all or N of the approvers.")
        if step["mode"] == "n":
            if not isinstance(step["n"], int) or step["n"] < 1:
                errors.append(f"{where}: 'N of' needs N of at least 1.")
        else:
            step["n"] = None
        if not isinstance(step["sla_hours"], int) or step["sla_hours"] < 1:
            errors.append(f"{where}: the SLA must be a whole number of business hours.")
        for role in step["escalation_roles"]:
            if role not in Role.values or role == Role.CLIENT_CONTACT:
                errors.append(f"{where}: escalation role '{role}' is not a staff role.")
        if len(step["escalation_roles"]) > max_escalation_levels():
            errors.append(
                f"{where}: at most {max_escalation_levels()} escalation levels are allowed."
            )
        if not isinstance(step["conditions"], list):
            errors.append(f"{where}: conditions must be a list.")
        else:
            for j, cond in enumerate(step["conditions"], start=1):
                errors.extend(validate_condition(kind, cond, f"{where}, condition {j}"))
        clean.append(step)
    if errors:
        raise PolicyError(errors)
    return clean


# --- conditions written as text ("amount > 5000") in the policy page ------------------


def parse_condition_line(line: str) -> dict[str, Any]:
    """Parse "field op value" (value lists comma-separated for in / not in)."""
    text = line.strip()
    for symbol in ("not in", ">=", "<=", "!=", "==", " in ", "=", ">", "<"):
        if symbol in text:
            field, _, value = text.partition(symbol)
            op = SYMBOL_TO_OP[symbol.strip()]
            value = value.strip()
            parsed: Any = (
                [v.strip() for v in value.split(",") if v.strip()]
                if op in ("in", "not_in")
                else value
            )
            return {"field": field.strip(), "op": op, "value": parsed}
    raise PolicyError([f"'{line}' is not a condition (write: field operator value)."])


def condition_text(cond: dict[str, Any]) -> str:
    value = cond["value"]
    shown = ", ".join(value) if isinstance(value, list) else value
    return f"{cond['field']} {shown_op(cond['op'])} {shown}"


# --- evaluation ------------------------------------------------------------------------


@dataclass(frozen=True)
class Evaluated:
    applies: bool
    problem: str = ""  # a fact the condition needs is missing or unconvertible


def _holds(type_: str, op: str, actual: Any, expected: Any) -> bool:
    if type_ in ("money", "percent", "number"):
        a, e = Decimal(str(actual)), Decimal(str(expected))
        return {
            "eq": a == e,
            "ne": a != e,
            "gt": a > e,
            "gte": a >= e,
            "lt": a < e,
            "lte": a <= e,
        }[op]
    if op == "eq":
        return str(actual) == str(expected)
    if op == "ne":
        return str(actual) != str(expected)
    if op == "in":
        return str(actual) in [str(v) for v in expected]
    return str(actual) not in [str(v) for v in expected]


def step_applies(kind: SubjectKind, step: dict[str, Any], facts: dict[str, Any]) -> Evaluated:
    """All of a step's conditions must hold; a step without conditions always applies."""
    for cond in step.get("conditions", []):
        field = cond["field"]
        actual = facts.get(field)
        if actual is None or actual == "":
            return Evaluated(False, f"the fact '{field}' is not known for this subject")
        if not _holds(kind.fact_fields[field], cond["op"], actual, cond["value"]):
            return Evaluated(False)
    return Evaluated(True)


# --- money in the unit's currency -------------------------------------------------------


def convert(
    amount: Decimal,
    from_ccy: str,
    to_ccy: str,
    on: dt.date | None = None,
    company_id: int | None = None,
) -> Decimal | None:
    """Convert at Odoo's rate of `on` (today when not given) for the company, read from
    the mirror through `portal.core.money`. None when no rate is known.

    Only when Odoo has no rate for one of the currencies does the settings table
    APPROVALS_FX_RATES ({"USD": "0.92"} = value of 1 USD in APPROVALS_BASE_CURRENCY)
    apply, as a fallback for installations that do not sync rates.
    """
    if not from_ccy or not to_ccy or from_ccy == to_ccy:
        return amount
    converted = money.convert(amount, from_ccy, to_ccy, on or timezone.localdate(), company_id)
    if converted is not None:
        return converted
    return _convert_by_settings(amount, from_ccy, to_ccy)


def _convert_by_settings(amount: Decimal, from_ccy: str, to_ccy: str) -> Decimal | None:
    base = getattr(settings, "APPROVALS_BASE_CURRENCY", "EUR")
    rates = {k: Decimal(str(v)) for k, v in getattr(settings, "APPROVALS_FX_RATES", {}).items()}
    rates[base] = Decimal(1)
    if from_ccy not in rates or to_ccy not in rates:
        return None
    return (amount * rates[from_ccy] / rates[to_ccy]).quantize(Decimal("0.01"))


def facts_in_unit_currency(
    kind: SubjectKind,
    facts: dict[str, Any],
    unit: BusinessUnit | None,
    on: dt.date | None = None,
) -> tuple[dict[str, Any], str]:
    """Money facts converted to the unit's currency at the rate of `on` (the request
    date; today when simulating); returns (facts, problem)."""
    target = unit.currency_code if unit else getattr(settings, "APPROVALS_BASE_CURRENCY", "EUR")
    company_id = unit.odoo_company_id if unit else None
    source = str(facts.get("currency") or target)
    out = dict(facts)
    for name, type_ in kind.fact_fields.items():
        if type_ != "money" or out.get(name) in (None, ""):
            continue
        converted = convert(Decimal(str(out[name])), source, target, on, company_id)
        if converted is None:
            return out, f"no exchange rate from {source} to {target}"
        out[name] = converted
    return out, ""


# --- which policy applies ------------------------------------------------------------


def active_version(
    kind: str, unit: BusinessUnit | None, contract_type: str | None
) -> PolicyVersion | None:
    """The most specific active policy: unit+type, unit, global+type, global."""
    unit_id = unit.pk if unit else None
    candidates = list(
        PolicyVersion.objects.filter(
            state=PolicyVersion.State.ACTIVE, policy__kind=kind
        ).select_related("policy")
    )

    def rank(v: PolicyVersion) -> int | None:
        p: ApprovalPolicy = v.policy
        if p.business_unit_id not in (None, unit_id):
            return None
        if p.contract_type and p.contract_type != (contract_type or ""):
            return None
        return (2 if p.business_unit_id else 0) + (1 if p.contract_type else 0)

    ranked = [(r, v) for v in candidates if (r := rank(v)) is not None]
    if not ranked:
        return None
    return max(ranked, key=lambda rv: rv[0])[1]
