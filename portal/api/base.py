"""Shared pieces of the resources: the calling user, money, ETags, relation ids."""

from __future__ import annotations

import hashlib
import json
from decimal import Decimal
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from portal.core.models import User


def api_user(request: Request) -> User:
    assert isinstance(request.user, User)
    return request.user


class MoneySerializer(serializers.Serializer[Any]):
    amount = serializers.CharField(help_text='Decimal as a string, e.g. "1234.50".')
    currency = serializers.CharField(help_text="ISO 4217 code.")


def money(amount: Decimal | None, currency: str | None) -> dict[str, str] | None:
    """`{"amount": "1234.50", "currency": "EUR"}`; never a float, None when unknown."""
    if amount is None:
        return None
    return {"amount": f"{Decimal(amount):.2f}", "currency": currency or ""}


@extend_schema_field(MoneySerializer(allow_null=True))
class MoneyField(serializers.Field):
    """Read-only money from two attributes of the object (amount and currency)."""

    def __init__(self, amount: str, currency: str, **kwargs: Any) -> None:
        self.amount_attr = amount
        self.currency_attr = currency
        kwargs.setdefault("read_only", True)
        kwargs.setdefault("source", "*")
        super().__init__(**kwargs)

    def to_representation(self, value: Any) -> dict[str, str] | None:
        currency = getattr(value, self.currency_attr, "")
        return money(getattr(value, self.amount_attr), currency)


def etag_for(data: Any) -> str:
    body = json.dumps(data, sort_keys=True, cls=DjangoJSONEncoder).encode()
    return f'"{hashlib.sha256(body).hexdigest()[:32]}"'


def conditional(request: Request, data: Any) -> Response:
    """A detail answer with an ETag; `If-None-Match` with the same tag gets 304."""
    tag = etag_for(data)
    wanted = request.headers.get("If-None-Match", "")
    if tag in [t.strip().removeprefix("W/") for t in wanted.split(",")] or wanted == "*":
        response = Response(status=304)
    else:
        response = Response(data)
    response["ETag"] = tag
    response["Cache-Control"] = "private, no-cache"
    return response


class ETagRetrieveMixin:
    """For RetrieveAPIView: answer with an ETag and honour If-None-Match."""

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        instance = self.get_object()  # type: ignore[attr-defined]
        data = self.get_serializer(instance).data  # type: ignore[attr-defined]
        return conditional(request, data)


# Odoo ids and the portal's own ids fit in a signed 32-bit integer; anything larger names
# nothing and must be refused before it reaches the database (SQLite overflows).
MAX_ID = 2**31 - 1
