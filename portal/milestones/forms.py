"""Forms of the milestone pages; files are read from request.FILES.getlist (CVE-2023-31047)."""

from __future__ import annotations

from typing import Any

from django import forms

from portal.milestones.models import ContractType, Decision, EvidenceSlot


class EvidenceForm(forms.Form):
    slot = forms.ModelChoiceField(
        queryset=EvidenceSlot.objects.all(), empty_label=None, label="Document"
    )
    note = forms.CharField(required=False, max_length=2000, widget=forms.Textarea({"rows": 2}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["slot"].label_from_instance = lambda s: s.label  # type: ignore[attr-defined]


class SignOffForm(forms.Form):
    decision = forms.ChoiceField(choices=Decision.choices, widget=forms.RadioSelect)
    typed_name = forms.CharField(
        max_length=200, label="Type your full name to sign", strip=True, min_length=2
    )
    reason = forms.CharField(
        required=False,
        max_length=4000,
        widget=forms.Textarea({"rows": 3}),
        help_text="Required when you reject.",
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("decision") == Decision.REJECTED and not (data.get("reason") or "").strip():
            self.add_error("reason", "Say why you reject the milestone.")
        return data


class BillingForm(forms.Form):
    contract_type_override = forms.ChoiceField(
        choices=[("", "From the sale-order line"), *ContractType.choices],
        required=False,
        label="Contract type",
    )
    manual_amount = forms.DecimalField(
        required=False,
        max_digits=16,
        decimal_places=2,
        min_value=0,
        label="Amount to bill (only without a sale-order line)",
    )
    manual_currency = forms.RegexField(
        regex=r"^[A-Za-z]{3}$", required=False, max_length=3, label="Currency"
    )
