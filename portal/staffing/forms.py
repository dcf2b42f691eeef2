"""Forms of the staffing pages; the rules themselves live in `rules.py`."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django import forms
from django.db.models import Count, Q

from portal.core.models import BusinessUnit
from portal.odoo.models import Project
from portal.staffing.capacity import CLOSED_TASK_STATES
from portal.staffing.models import BookingType, JobRole, RateCard, Skill
from portal.staffing.rules import RequestInput, check_request_input, parse_skills

ISO_DATE = "%Y-%m-%d"


def default_currency(project: Project, job_role: JobRole | None = None) -> str:
    """The unit's currency if a rate card exists in it, else the currency the cards use.

    Cards of `job_role` (when given) decide; otherwise any card. A request in a currency
    without a card is refused, so the default must be one that has a card.
    """
    unit = project.business_unit
    unit_currency = unit.currency_code if unit else ""
    cards = RateCard.objects.all()
    if job_role is not None:
        cards = cards.filter(job_role=job_role)
    counts = dict(
        cards.order_by().values("currency").annotate(n=Count("*")).values_list("currency", "n")
    )
    if not counts or unit_currency in counts:
        return unit_currency or "EUR"
    return max(sorted(counts), key=lambda c: counts[c])


class StaffingRequestForm(forms.Form):
    job_role = forms.ModelChoiceField(queryset=JobRole.objects.all(), label="Role")
    # An <input type="date"> shows only ISO dates; a localised value would leave it empty.
    start_date = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}, format=ISO_DATE))
    end_date = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}, format=ISO_DATE))
    hours_per_week = forms.DecimalField(
        required=False, max_digits=6, decimal_places=2, help_text="Or give the total hours."
    )
    total_hours = forms.DecimalField(required=False, max_digits=8, decimal_places=2)
    bill_rate = forms.DecimalField(max_digits=10, decimal_places=2, label="Proposed bill rate")
    currency = forms.CharField(
        max_length=3,
        min_length=3,
        required=False,
        help_text="Empty: the unit's currency, or the one the role's rate card is in.",
    )
    booking_type = forms.ChoiceField(choices=BookingType.choices, initial=BookingType.SOFT)
    required_skills = forms.CharField(
        required=False, help_text="Comma-separated, with minimum levels: “Django:4, SQL:3”."
    )
    optional_skills = forms.CharField(required=False, help_text="Same format; nice to have.")
    task_ids = forms.TypedMultipleChoiceField(
        required=False, coerce=int, label="Tasks to assign", help_text="None: all open tasks."
    )
    notes = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, project: Project, today: date, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.project = project
        self.today = today
        task_field = self.fields["task_ids"]
        assert isinstance(task_field, forms.TypedMultipleChoiceField)
        # Done, cancelled and folded-stage tasks are finished work: nobody is staffed on them.
        task_field.choices = list(
            project.tasks.filter(active=True, deleted_in_odoo=False)
            .exclude(state__in=CLOSED_TASK_STATES)
            .filter(Q(stage__isnull=True) | Q(stage__fold=False))
            .order_by("name")
            .values_list("pk", "name")
        )
        if not self.is_bound:
            self.initial.setdefault("currency", default_currency(project))
            self.initial.setdefault("start_date", today)

    def clean_currency(self) -> str:
        return str(self.cleaned_data.get("currency") or "").strip().upper()

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        required, errors_r = parse_skills(cleaned.get("required_skills") or "", required=True)
        optional, errors_o = parse_skills(cleaned.get("optional_skills") or "", required=False)
        for message in errors_r:
            self.add_error("required_skills", message)
        for message in errors_o:
            self.add_error("optional_skills", message)
        if self.errors:
            return cleaned
        if not cleaned.get("currency"):
            cleaned["currency"] = default_currency(self.project, cleaned.get("job_role"))
        self.request_input = RequestInput(
            job_role=cleaned.get("job_role"),
            start_date=cleaned.get("start_date"),
            end_date=cleaned.get("end_date"),
            hours_per_week=cleaned.get("hours_per_week"),
            total_hours=cleaned.get("total_hours"),
            bill_rate=cleaned.get("bill_rate"),
            currency=cleaned.get("currency", ""),
            booking_type=cleaned.get("booking_type", "soft"),
            notes=cleaned.get("notes", ""),
            skills=required + optional,
            task_ids=list(cleaned.get("task_ids") or []),
        )
        for field, message in check_request_input(
            self.project, self.request_input, today=self.today
        ):
            self.add_error(field, message)
        return cleaned


class BookForm(forms.Form):
    profile_id = forms.IntegerField(widget=forms.HiddenInput)
    seen_free_hours = forms.DecimalField(
        required=False, widget=forms.HiddenInput, min_value=Decimal(0)
    )


class CapacityFilterForm(forms.Form):
    role = forms.ModelChoiceField(queryset=JobRole.objects.all(), required=False)
    skill = forms.ModelChoiceField(queryset=Skill.objects.all(), required=False)
    min_level = forms.IntegerField(required=False, min_value=1, max_value=5, initial=1)
    unit = forms.ModelChoiceField(queryset=BusinessUnit.objects.all(), required=False)
