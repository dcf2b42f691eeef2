"""Forms of the approval pages: decisions, filters, delegation, policy steps, simulation."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.forms import formset_factory

from portal.approvals.policies import (
    MODES,
    PolicyError,
    parse_condition_line,
    validate_steps,
)
from portal.approvals.registry import SubjectKind, kind_choices
from portal.core.models import BusinessUnit, Role, User

STAFF_ROLE_CHOICES = [(r.value, r.label) for r in Role if r != Role.CLIENT_CONTACT]
SORTS = {
    "oldest": "submitted_at",
    "newest": "-submitted_at",
    "amount": "request__amount",
    "-amount": "-request__amount",
}


class DecisionForm(forms.Form):
    comment = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, decision: str = "approve", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.decision = decision

    def clean_comment(self) -> str:
        comment = str(self.cleaned_data.get("comment") or "").strip()
        if self.decision in ("reject", "request_changes") and not comment:
            raise forms.ValidationError("Say why: a comment is required to reject or send back.")
        return comment


class BulkApproveForm(forms.Form):
    ids = forms.TypedMultipleChoiceField(coerce=int, choices=[])
    comment = forms.CharField(required=False, max_length=2000)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        raw = self.data.getlist("ids") if hasattr(self.data, "getlist") else []
        self.fields["ids"].choices = [(v, v) for v in raw]  # type: ignore[attr-defined]


SORT_CHOICES = [
    ("oldest", "Oldest first"),
    ("newest", "Newest first"),
    ("-amount", "Largest amount"),
    ("amount", "Smallest amount"),
]


class InboxFilterForm(forms.Form):
    """Validates the inbox filters; the bar itself is written out in _inbox_filters.html."""

    kind = forms.ChoiceField(required=False, label="Kind")
    unit = forms.ModelChoiceField(
        queryset=BusinessUnit.objects.all(), required=False, label="Business unit"
    )
    client = forms.IntegerField(required=False, min_value=1, label="Client id")
    project = forms.IntegerField(required=False, min_value=1, label="Project id")
    min_amount = forms.DecimalField(required=False, label="Min amount")
    max_amount = forms.DecimalField(required=False, label="Max amount")
    older_than_days = forms.IntegerField(required=False, min_value=0, label="Older than (days)")
    sort = forms.ChoiceField(required=False, choices=SORT_CHOICES, label="Sort")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [("", "All kinds"), *kind_choices()]  # type: ignore[attr-defined]

    def filters(self) -> dict[str, Any]:
        """The filters that are valid; an invalid one is left out and shown in `errors`."""
        if not self.is_bound:
            return {}
        self.is_valid()
        return dict(self.cleaned_data)

    def bar(self) -> dict[str, Any]:
        """What the filter bar shows: each select's options and each field's value as sent."""
        units = BusinessUnit.objects.order_by("name").values_list("pk", "name")
        return {
            "choices": {
                "kind": [(str(v), str(label)) for v, label in self.fields["kind"].choices],  # type: ignore[attr-defined]
                "unit": [("", "All units"), *((str(pk), name) for pk, name in units)],
                "sort": SORT_CHOICES,
            },
            "values": {name: self.data.get(name, "") for name in self.fields},
            "labels": {name: field.label for name, field in self.fields.items()},
        }


class DelegationForm(forms.Form):
    delegate = forms.ModelChoiceField(
        queryset=User.objects.filter(is_active=True, client_partner_id__isnull=True)
    )
    starts_on = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    ends_on = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    reason = forms.CharField(required=False, max_length=200)


class StepForm(forms.Form):
    order = forms.IntegerField(min_value=1)
    name = forms.CharField(max_length=120)
    approver_type = forms.ChoiceField(choices=[("role", "Role"), ("person", "Person")])
    role = forms.ChoiceField(choices=[("", "—"), *STAFF_ROLE_CHOICES], required=False)
    person = forms.EmailField(required=False, help_text="Email of a named approver")
    mode = forms.ChoiceField(
        choices=[(m, {"any": "Any one", "all": "All", "n": "N of"}[m]) for m in MODES]
    )
    n = forms.IntegerField(required=False, min_value=1)
    conditions = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="One per line: field operator value, e.g. amount > 5000",
    )
    sla_hours = forms.IntegerField(min_value=1, initial=16)
    escalation_roles = forms.MultipleChoiceField(
        choices=STAFF_ROLE_CHOICES, required=False, widget=forms.CheckboxSelectMultiple
    )


StepFormSet = formset_factory(StepForm, extra=1, can_delete=True)


def steps_from_formset(kind: SubjectKind, formset: Any) -> list[dict[str, Any]] | None:
    """Structured steps from the formset, or None with errors attached to the forms."""
    steps: list[dict[str, Any]] = []
    ok = True
    for form in formset.forms:
        if not form.has_changed() or (formset.can_delete and form.cleaned_data.get("DELETE")):
            continue
        data = form.cleaned_data
        conditions = []
        for line in str(data.get("conditions") or "").splitlines():
            if not line.strip():
                continue
            try:
                conditions.append(parse_condition_line(line))
            except PolicyError as exc:
                form.add_error("conditions", exc.errors)
                ok = False
        person_id = None
        if data.get("approver_type") == "person":
            person = User.objects.filter(email__iexact=data.get("person") or "").first()
            if person is None:
                form.add_error("person", "No person with this email.")
                ok = False
            else:
                person_id = person.pk
        steps.append(
            {
                "order": data.get("order"),
                "name": data.get("name"),
                "approver_type": data.get("approver_type"),
                "role": data.get("role") or "",
                "person_id": person_id,
                "mode": data.get("mode"),
                "n": data.get("n"),
                "conditions": conditions,
                "sla_hours": data.get("sla_hours"),
                "escalation_roles": data.get("escalation_roles") or [],
            }
        )
    if not ok:
        return None
    try:
        return validate_steps(kind, steps)
    except PolicyError as exc:
        for error in exc.errors:
            formset.non_form_errors().append(error)
        return None


def initial_from_steps(steps: list[dict[str, Any]]) -> list[dict[str, Any]]:
    from portal.approvals.policies import condition_text

    out = []
    for s in steps:
        person_id = s.get("person_id")
        person = User.objects.filter(pk=person_id).first() if person_id else None
        out.append(
            {
                "order": s["order"],
                "name": s["name"],
                "approver_type": s["approver_type"],
                "role": s.get("role") or "",
                "person": person.email if person else "",
                "mode": s.get("mode") or "any",
                "n": s.get("n"),
                "conditions": "\n".join(condition_text(c) for c in s.get("conditions") or []),
                "sla_hours": s.get("sla_hours") or 16,
                "escalation_roles": s.get("escalation_roles") or [],
            }
        )
    return out


class PolicyScopeForm(forms.Form):
    kind = forms.ChoiceField()
    business_unit = forms.ModelChoiceField(
        queryset=BusinessUnit.objects.all(), required=False, empty_label="All units"
    )
    contract_type = forms.ChoiceField(
        required=False,
        choices=[
            ("", "Any contract"),
            ("fixed_fee", "Fixed fee"),
            ("time_and_materials", "Time and materials"),
            ("retainer", "Retainer"),
        ],
    )
    name = forms.CharField(max_length=120)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = kind_choices()  # type: ignore[attr-defined]


def simulation_form(kind: SubjectKind, data: Any = None) -> forms.Form:
    """A form with one typed field per fact of the kind."""
    fields: dict[str, forms.Field] = {
        "unit": forms.ModelChoiceField(
            queryset=BusinessUnit.objects.all(), required=False, empty_label="No unit"
        )
    }
    for name, type_ in kind.fact_fields.items():
        if type_ in ("money", "percent", "number"):
            fields[name] = forms.DecimalField(required=False, label=name.replace("_", " "))
        elif type_ == "choice":
            fields[name] = forms.ChoiceField(
                required=False,
                choices=[("", "—"), *[(c, c.replace("_", " ")) for c in kind.choices_for(name)]],
            )
        else:
            fields[name] = forms.CharField(required=False, label=name.replace("_", " "))
    form_class = type("SimulationForm", (forms.Form,), fields)
    return form_class(data)


def facts_from(form: forms.Form) -> dict[str, Any]:
    return {
        k: v
        for k, v in form.cleaned_data.items()
        if k != "unit" and v not in (None, "") and (not isinstance(v, Decimal) or True)
    }
