from __future__ import annotations

from django import forms

from portal.commercial.models import Adjustment


class AdjustmentForm(forms.Form):
    type = forms.ChoiceField(choices=Adjustment.Type.choices, widget=forms.RadioSelect)
    target = forms.CharField(
        help_text="Pick a line or invoice from the list", widget=forms.HiddenInput
    )
    discount_pct = forms.DecimalField(
        required=False, min_value=0, max_value=100, decimal_places=2, label="Discount %"
    )
    amount = forms.DecimalField(
        required=False, min_value=0, decimal_places=2, label="Write-off amount"
    )
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}))


class ChangeForm(forms.Form):
    discount_pct = forms.DecimalField(
        required=False, min_value=0, max_value=100, decimal_places=2, label="Discount %"
    )
    amount = forms.DecimalField(required=False, min_value=0, decimal_places=2, label="Amount")
    reason = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 2}), label="Why the change"
    )
