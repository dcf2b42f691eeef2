"""Browser pages of the API: personal access tokens (htmx) and the reference docs."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_POST
from drf_spectacular.generators import SchemaGenerator

from portal.api import tokens
from portal.api.models import ApiToken, Scope
from portal.core.errors import DomainError
from portal.core.htmx import is_fragment_request
from portal.core.models import User

LIFETIMES = [(30, "30 days"), (90, "90 days"), (365, "1 year")]


class TokenForm(forms.Form):
    name = forms.CharField(max_length=100, help_text="The app that uses it, e.g. “Phone”.")
    scopes = forms.MultipleChoiceField(
        choices=Scope.choices, widget=forms.CheckboxSelectMultiple, initial=[Scope.READ]
    )
    days = forms.TypedChoiceField(choices=LIFETIMES, coerce=int, initial=90, label="Expires in")


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


def _render(request: HttpRequest, status: int = 200, **extra: Any) -> HttpResponse:
    context = {
        "tokens": ApiToken.objects.filter(user=_user(request)),
        "form": extra.pop("form", None) or TokenForm(),
        **extra,
    }
    template = "api/_tokens.html" if is_fragment_request(request) else "api/tokens.html"
    return render(request, template, context, status=status)


@login_required
def token_list(request: HttpRequest) -> HttpResponse:
    """List my tokens; POST creates one and shows its secret this once."""
    if request.method != "POST":
        return _render(request)
    form = TokenForm(request.POST)
    if not form.is_valid():
        return _render(request, 400, form=form)
    try:
        issued = tokens.issue_token(
            _user(request),
            name=form.cleaned_data["name"],
            scopes=form.cleaned_data["scopes"],
            days=form.cleaned_data["days"],
        )
    except DomainError as exc:
        form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        return _render(request, 400, form=form)
    return _render(request, issued=issued)


@login_required
@require_POST
def token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        tokens.revoke_token(_user(request), pk)
    except DomainError:
        return _render(request, 404, error="No such token.")
    return _render(request)


# -- reference documentation, rendered here from the OpenAPI schema (no CDN) --------------


def _resolve(schema: dict[str, Any], components: dict[str, Any]) -> dict[str, Any]:
    ref = schema.get("$ref")
    if ref:
        return _resolve(components.get(ref.rsplit("/", 1)[-1], {}), components)
    if "allOf" in schema and len(schema["allOf"]) == 1:
        return _resolve(schema["allOf"][0], components)
    return schema


def _type_of(schema: dict[str, Any], components: dict[str, Any]) -> str:
    if "$ref" in schema:
        return schema["$ref"].rsplit("/", 1)[-1]
    schema = _resolve(schema, components)
    kind = str(schema.get("type", "object"))
    if kind == "array":
        return f"array of {_type_of(schema.get('items', {}), components)}"
    if "enum" in schema:
        return f"{kind}: " + " | ".join(str(v) for v in schema["enum"] if v not in ("", None))
    return kind + (f" ({schema['format']})" if "format" in schema else "")


def _fields(schema: dict[str, Any] | None, components: dict[str, Any]) -> list[dict[str, Any]]:
    if not schema:
        return []
    schema = _resolve(schema, components)
    if schema.get("type") == "array":
        schema = _resolve(schema.get("items", {}), components)
    required = set(schema.get("required", []))
    return [
        {
            "name": name,
            "type": _type_of(prop, components),
            "required": name in required,
            "read_only": bool(_resolve(prop, components).get("readOnly") or prop.get("readOnly")),
            "nullable": bool(prop.get("nullable")),
            "description": prop.get("description", ""),
        }
        for name, prop in schema.get("properties", {}).items()
    ]


def _operations(spec: dict[str, Any]) -> list[dict[str, Any]]:
    components = spec.get("components", {}).get("schemas", {})
    out = []
    for path, methods in spec.get("paths", {}).items():
        for method, op in methods.items():
            body: dict[str, Any] = op.get("requestBody", {}).get("content", {})
            request: tuple[str, dict[str, Any]] = next(iter(body.items()), ("", {}))
            media, request_schema = request
            responses = []
            for code, answer in op.get("responses", {}).items():
                content: dict[str, Any] = answer.get("content", {})
                first: dict[str, Any] = next(iter(content.values()), {})
                schema = first.get("schema")
                responses.append(
                    {
                        "code": code,
                        "description": answer.get("description", ""),
                        "fields": _fields(schema, components),
                    }
                )
            out.append(
                {
                    "path": path,
                    "method": method.upper(),
                    "id": op.get("operationId", ""),
                    "description": op.get("description", ""),
                    "parameters": [
                        {
                            "name": p["name"],
                            "in": p["in"],
                            "required": p.get("required", False),
                            "type": _type_of(p.get("schema", {}), components),
                            "description": p.get("description", ""),
                        }
                        for p in op.get("parameters", [])
                    ],
                    "media": media,
                    "request_fields": _fields(request_schema.get("schema"), components),
                    "responses": responses,
                }
            )
    return out


@login_required
def docs(request: HttpRequest) -> HttpResponse:
    spec: dict[str, Any] = SchemaGenerator().get_schema(request=None, public=True)
    context = {
        "operations": _operations(spec),
        "info": spec.get("info", {}),
        "scopes": Scope.choices,
    }
    return render(request, "api/docs.html", context)
