"""`{% client_url "project" pk %}`: a client-page link, or its preview twin in preview mode."""

from __future__ import annotations

from typing import Any

from django import template
from django.urls import reverse

register = template.Library()

PREVIEWABLE = {"home", "project", "summary", "request", "requests"}


@register.simple_tag(takes_context=True)
def client_url(context: dict[str, Any], name: str, *args: Any) -> str:
    contact = context.get("preview_contact")
    if contact is not None and name in PREVIEWABLE:
        return reverse(f"clients:preview_{name}", args=[contact.pk, *args])
    return reverse(f"clients:{name}", args=list(args) or None)
