"""Plumbing resources: who am I, the changes feed for mobile sync, the schema page."""

from __future__ import annotations

from typing import Any, cast

from django.db.models import CharField, Q, QuerySet
from django.db.models.functions import Cast
from django.urls import reverse
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from portal.api.base import api_user
from portal.api.models import ApiToken
from portal.api.pagination import MAX_PAGE_SIZE
from portal.approvals.models import ApprovalRequest, Delegation
from portal.clients.access import visible_requests
from portal.core.models import AuditEvent, BusinessUnit, User

CHANGE_TYPES = {
    "approvals.approvalrequest": "approval",
    "clients.clientrequest": "client_request",
}


class RoleSerializer(serializers.Serializer[Any]):
    role = serializers.CharField()
    business_unit = serializers.CharField(allow_null=True, help_text="Unit code; null: firm-wide.")


class UnitSerializer(serializers.ModelSerializer[BusinessUnit]):
    class Meta:
        model = BusinessUnit
        fields = ["id", "code", "name", "currency_code"]
        read_only_fields = fields


class DelegationSerializer(serializers.ModelSerializer[Delegation]):
    class Meta:
        model = Delegation
        fields = ["id", "delegator_id", "delegate_id", "starts_on", "ends_on", "reason"]
        read_only_fields = fields


class MeSerializer(serializers.Serializer[User]):
    id = serializers.IntegerField()
    email = serializers.EmailField()
    name = serializers.CharField(source="display_name")
    is_client_contact = serializers.BooleanField()
    client_partner_id = serializers.IntegerField(allow_null=True)
    roles = RoleSerializer(many=True)
    business_units = UnitSerializer(many=True)
    delegations_given = DelegationSerializer(many=True)
    delegations_received = DelegationSerializer(many=True)
    token_scopes = serializers.ListField(
        child=serializers.CharField(), allow_null=True, help_text="null for a browser session."
    )


class Me(APIView):
    """The caller: roles per business unit (read now, never cached), delegations."""

    @extend_schema(responses={200: MeSerializer})
    def get(self, request: Request) -> Response:
        user = api_user(request)
        memberships = list(user.memberships.select_related("business_unit"))
        units = {m.business_unit for m in memberships if m.business_unit is not None}
        today = timezone.localdate()
        current = Delegation.objects.filter(cancelled=False, ends_on__gte=today)
        token = request.auth if isinstance(request.auth, ApiToken) else None
        data = {
            "id": user.pk,
            "email": user.email,
            "display_name": user.display_name,
            "is_client_contact": user.is_client_contact,
            "client_partner_id": user.client_partner_id,
            "roles": [
                {"role": m.role, "business_unit": m.business_unit.code if m.business_unit else None}
                for m in memberships
            ],
            "business_units": sorted(units, key=lambda u: u.name),
            "delegations_given": current.filter(delegator=user),
            "delegations_received": current.filter(delegate=user),
            "token_scopes": token.scopes if token else None,
        }
        return Response(MeSerializer(cast(Any, data)).data)


def _changes(user: User) -> QuerySet[AuditEvent]:
    """Audit entries about approval and client requests the user may see.

    Why audit ids make a good cursor: `audit.record` appends under a lock on the single
    head row held until commit, so ids become visible in increasing order and a client
    that remembers the last id it saw never misses an entry.
    """
    approvals = (
        ApprovalRequest.objects.visible_to(user)
        .annotate(key=Cast("pk", output_field=CharField()))
        .values("key")
    )
    client_requests = (
        visible_requests(user).annotate(key=Cast("pk", output_field=CharField())).values("key")
    )
    return AuditEvent.objects.filter(
        Q(object_type="approvals.approvalrequest", object_id__in=approvals)
        | Q(object_type="clients.clientrequest", object_id__in=client_requests)
    ).order_by("id")


def _url(object_type: str, object_id: str) -> str | None:
    if object_type == "approvals.approvalrequest":
        return reverse("api:approval-detail", args=[int(object_id)])
    if object_type == "clients.clientrequest":
        return reverse("api:client-request-detail", args=[int(object_id)])
    return None


class Changes(APIView):
    """Changes to my approvals and requests after `since` (an opaque increasing cursor)."""

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "since", int, description="The `next_since` of the last call; 0 first."
            ),
            OpenApiParameter("limit", int, description=f"At most {MAX_PAGE_SIZE}."),
        ],
        responses={
            200: inline_serializer(
                "ChangeFeed",
                {
                    "results": inline_serializer(
                        "Change",
                        {
                            "cursor": serializers.IntegerField(),
                            "at": serializers.DateTimeField(),
                            "action": serializers.CharField(),
                            "type": serializers.CharField(),
                            "id": serializers.IntegerField(),
                            "url": serializers.CharField(allow_null=True),
                        },
                        many=True,
                    ),
                    "next_since": serializers.IntegerField(),
                    "has_more": serializers.BooleanField(),
                },
            )
        },
    )
    def get(self, request: Request) -> Response:
        since_raw = request.query_params.get("since", "0")
        limit_raw = request.query_params.get("limit", str(MAX_PAGE_SIZE))
        if not since_raw.isdigit() or not limit_raw.isdigit() or int(limit_raw) < 1:
            raise serializers.ValidationError(
                {"since": ["Give the number from next_since (0 the first time)."]}
            )
        since, limit = int(since_raw), min(int(limit_raw), MAX_PAGE_SIZE)

        rows = list(_changes(api_user(request)).filter(id__gt=since)[: limit + 1])
        page = rows[:limit]
        results = [
            {
                "cursor": e.pk,
                "at": e.created_at,
                "action": e.action,
                "type": CHANGE_TYPES[e.object_type],
                "id": int(e.object_id),
                "url": _url(e.object_type, e.object_id),
            }
            for e in page
        ]
        next_since = page[-1].pk if page else since
        return Response(
            {
                "results": results,
                "next_since": next_since,
                "has_more": len(rows) > limit,
            }
        )
