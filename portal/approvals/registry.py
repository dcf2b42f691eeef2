"""The registry of subject kinds: how the approval engine learns about subjects.

The engine knows no subject app. A subject app describes its kind (how to summarise a
subject, which facts policies may test, what happens on approval) and registers it from
its AppConfig.ready(). Everything the engine needs from a subject goes through here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db import models

if TYPE_CHECKING:
    from portal.approvals.models import ApprovalRequest
    from portal.core.models import BusinessUnit, User

FACT_TYPES = ("money", "percent", "number", "choice", "text")

CONTRACT_TYPES = ("fixed_fee", "time_and_materials", "retainer")


@dataclass(frozen=True)
class SubjectSummary:
    title: str  # "Discount 10% on S00042 line 'Senior consultant'"
    lines: list[tuple[str, str]]  # label/value pairs shown to the approver
    amount: Decimal | None
    currency: str | None
    project_id: int | None  # mirror ids, for inbox filters
    client_id: int | None  # Odoo partner id of the client company
    url: str | None  # link to the subject's own page


def _default_fact_fields() -> dict[str, str]:
    return {
        "amount": "money",
        "currency": "text",
        "contract_type": "choice",
        "margin_pct": "percent",
        "utilisation_pct": "percent",
        "rate_deviation_pct": "percent",
    }


@dataclass(frozen=True)
class SubjectKind:
    key: str  # "discount", "write_off", "staffing_exception", "milestone_acceptance"
    label: str
    model: type[models.Model]
    summarize: Callable[[Any], SubjectSummary]
    # Values for policy conditions: amount (Decimal), currency, contract_type
    # ("fixed_fee"|"time_and_materials"|"retainer"), margin_pct, utilisation_pct, ...
    facts: Callable[[Any], dict[str, Any]]
    material_facts: tuple[str, ...]  # facts whose change resets decisions
    business_unit: Callable[[Any], BusinessUnit | None]
    odoo_record: Callable[[Any], tuple[str, int] | None]  # where decisions are posted
    on_approved: Callable[[Any, ApprovalRequest, User], None]  # inside the transaction
    on_rejected: Callable[[Any, ApprovalRequest, User], None]
    on_changes_requested: Callable[[Any, ApprovalRequest, User], None] | None = None
    on_cancelled: Callable[[Any, ApprovalRequest, User], None] | None = None
    visible_to: Callable[[Any, User], bool] | None = None  # extra visibility
    # fact name -> "money" | "percent" | "number" | "choice" | "text"; policy validation
    fact_fields: dict[str, str] = field(default_factory=_default_fact_fields)
    # allowed values of "choice" facts (contract_type defaults to CONTRACT_TYPES)
    fact_choices: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def choices_for(self, fact: str) -> tuple[str, ...]:
        if fact in self.fact_choices:
            return self.fact_choices[fact]
        if fact == "contract_type":
            return CONTRACT_TYPES
        return ()


_KINDS: dict[str, SubjectKind] = {}


def register(kind: SubjectKind) -> None:
    """Register (or re-register, e.g. on autoreload) a subject kind."""
    for name, type_ in kind.fact_fields.items():
        if type_ not in FACT_TYPES:
            raise ValueError(f"Fact {name!r} of {kind.key!r} has unknown type {type_!r}.")
    _KINDS[kind.key] = kind


def get_kind(key: str) -> SubjectKind:
    try:
        return _KINDS[key]
    except KeyError:
        raise LookupError(f"No approval subject kind {key!r} is registered.") from None


def all_kinds() -> list[SubjectKind]:
    return sorted(_KINDS.values(), key=lambda k: k.label)


def kind_choices() -> list[tuple[str, str]]:
    return [(k.key, k.label) for k in all_kinds()]
