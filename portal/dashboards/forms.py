"""Dashboard filters: only values the person may see are accepted; others are ignored."""

from __future__ import annotations

from typing import Any

from django import forms

SORTS = [("risk", "Highest risk first"), ("name", "Project name")]


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


class RiskFilterForm(forms.Form):
    unit = forms.TypedChoiceField(
        label="Business unit", required=False, coerce=int, empty_value=None
    )
    client = forms.TypedChoiceField(label="Client", required=False, coerce=int, empty_value=None)
    manager = forms.TypedChoiceField(
        label="Project manager", required=False, coerce=int, empty_value=None
    )
    rating = forms.ChoiceField(
        label="Rating",
        required=False,
        choices=[
            ("", "Any"),
            ("red", "At risk"),
            ("amber", "Watch or worse"),
            ("none", "Not rated"),
        ],
    )
    sort = forms.ChoiceField(label="Sort", required=False, choices=SORTS)  # fmt: skip

    def __init__(
        self,
        data: Any,
        *,
        units: list[tuple[int, str]],
        clients: list[tuple[int, str]],
        managers: list[tuple[int, str]],
    ) -> None:
        super().__init__(data)
        self.fields["unit"].choices = [("", "All units"), *units]  # type: ignore[attr-defined]
        self.fields["client"].choices = [("", "All clients"), *clients]  # type: ignore[attr-defined]
        self.fields["manager"].choices = [("", "All managers"), *managers]  # type: ignore[attr-defined]

    def usable(self) -> tuple[dict[str, Any], list[str]]:
        """The valid filters, and a message per value that was ignored."""
        self.is_valid()
        ignored = [f"{self.fields[name].label}: “{self.data.get(name)}” is not one you can "
                   "filter by, so it was ignored." for name in self.errors]  # fmt: skip
        return {k: v for k, v in self.cleaned_data.items() if v not in (None, "")}, ignored


class KpiFilterForm(forms.Form):
    unit = forms.TypedChoiceField(
        label="Business unit", required=False, coerce=int, empty_value=None
    )

    def __init__(self, data: Any, *, units: list[tuple[int, str]]) -> None:
        super().__init__(data)
        self.fields["unit"].choices = [("", "All my units"), *units]  # type: ignore[attr-defined]
