"""The project list's filter form; choices are computed once so validation adds no queries."""

from __future__ import annotations

from typing import Any

from django import forms

STATUS_CHOICES = [("active", "Active"), ("archived", "Archived"), ("all", "All")]


class ProjectFilterForm(forms.Form):
    q = forms.CharField(
        label="Search",
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": "Project or client"}),
    )
    unit = forms.TypedChoiceField(label="Business unit", required=False, coerce=int)
    client = forms.TypedChoiceField(label="Client", required=False, coerce=int)
    manager = forms.TypedChoiceField(label="Project manager", required=False, coerce=int)
    status = forms.ChoiceField(label="Status", required=False, choices=STATUS_CHOICES)

    def __init__(
        self,
        *args: Any,
        units: list[tuple[int, str]],
        clients: list[tuple[int, str]],
        managers: list[tuple[int, str]],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        any_choice = [("", "Any")]
        self.fields["unit"].choices = any_choice + units  # type: ignore[attr-defined]
        self.fields["client"].choices = any_choice + clients  # type: ignore[attr-defined]
        self.fields["manager"].choices = any_choice + managers  # type: ignore[attr-defined]

    def filters(self) -> dict[str, Any]:
        """The cleaned filters; an invalid value is ignored rather than failing the page."""
        if not self.is_valid():
            valid = {k: v for k, v in self.cleaned_data.items() if k not in self.errors}
        else:
            valid = dict(self.cleaned_data)
        valid.setdefault("status", "active")
        return {k: v for k, v in valid.items() if v not in (None, "")} | {
            "status": valid.get("status") or "active"
        }
