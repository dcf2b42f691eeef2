"""Forms of the client portal; rules live in the services, forms only shape input."""

from __future__ import annotations

from typing import Any

from django import forms

from portal.clients.models import HealthStatus, RequestStatus, Urgency


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Every file of the field is returned, so each is validated (CVE-2023-31047, case C18)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput())
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        if not data:
            return []
        files = data if isinstance(data, (list, tuple)) else [data]
        return [super(MultipleFileField, self).clean(f, initial) for f in files]


class RequestForm(forms.Form):
    subject = forms.CharField(max_length=200)
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 6}))
    urgency = forms.ChoiceField(choices=Urgency.choices, initial=Urgency.NORMAL)
    attachments = MultipleFileField(label="Attachments (optional)")


class ReplyForm(forms.Form):
    body = forms.CharField(label="Message", widget=forms.Textarea(attrs={"rows": 4}))
    attachments = MultipleFileField(label="Attachments (optional)")


class StaffReplyForm(ReplyForm):
    internal = forms.BooleanField(required=False, label="Internal note (never shown to the client)")


class StatusForm(forms.Form):
    status = forms.ChoiceField(choices=RequestStatus.choices)


class SummaryForm(forms.Form):
    title = forms.CharField(max_length=200)
    status = forms.ChoiceField(choices=HealthStatus.choices, widget=forms.RadioSelect)
    body = forms.CharField(widget=forms.Textarea(attrs={"rows": 14}), required=False)


class InviteForm(forms.Form):
    email = forms.EmailField()
    client = forms.TypedChoiceField(coerce=int, label="Client")

    def __init__(self, *args: Any, clients: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["client"].choices = clients  # type: ignore[attr-defined]
