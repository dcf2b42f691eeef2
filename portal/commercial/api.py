"""Discount and write-off requests in the API: list, create, detail."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from portal.api.base import ETagRetrieveMixin, MoneyField, api_user
from portal.api.idempotency import idempotent
from portal.api.models import Scope
from portal.api.pagination import cursor_by
from portal.approvals.models import ApprovalRequest
from portal.commercial import services
from portal.commercial.models import Adjustment, visible_adjustments
from portal.commercial.views import get_adjustment_for_user
from portal.core.models import BusinessUnit


class AdjustmentSerializer(serializers.ModelSerializer[Adjustment]):
    reference = serializers.CharField(read_only=True)
    amount = MoneyField("amount", "currency")
    business_unit: serializers.SlugRelatedField[BusinessUnit] = serializers.SlugRelatedField(
        slug_field="code", read_only=True
    )
    requested_by_id = serializers.IntegerField(read_only=True)
    approval_id = serializers.SerializerMethodField()

    class Meta:
        model = Adjustment
        fields = [
            "id",
            "reference",
            "type",
            "target",
            "sale_line_id",
            "invoice_line_id",
            "invoice_id",
            "order_id",
            "project_id",
            "discount_pct",
            "amount",
            "contract_type",
            "label",
            "client_name",
            "reason",
            "business_unit",
            "state",
            "requested_by_id",
            "created_at",
            "updated_at",
            "approval_id",
        ]
        read_only_fields = fields

    def get_approval_id(self, obj: Adjustment) -> int | None:
        approval = ApprovalRequest.objects.for_subject(obj).only("id").first()
        return approval.pk if approval else None


class AdjustmentCreateSerializer(serializers.Serializer[Any]):
    type = serializers.ChoiceField(choices=Adjustment.Type.choices)
    target = serializers.RegexField(
        r"^(sol|inl|inv):\d+$",
        max_length=30,
        help_text="sol:<sale order line id>, inl:<draft invoice line id> or inv:<invoice id>.",
    )
    discount_pct = serializers.DecimalField(
        max_digits=5, decimal_places=2, min_value=0, max_value=100, required=False, allow_null=True
    )
    amount = serializers.DecimalField(
        max_digits=14,
        decimal_places=2,
        min_value=0,
        required=False,
        allow_null=True,
        help_text="Write-off amount, as a string.",
    )
    reason = serializers.CharField(max_length=4000)


class AdjustmentList(generics.ListCreateAPIView[Adjustment]):
    """Discount and write-off requests I may see; POST raises one and submits it."""

    serializer_class = AdjustmentSerializer
    pagination_class = cursor_by("-id")
    write_scope = Scope.REQUESTS_WRITE

    def get_queryset(self) -> QuerySet[Adjustment]:
        rows = visible_adjustments(api_user(self.request)).select_related("business_unit")
        state = self.request.query_params.get("state")
        if state:
            rows = rows.filter(state=state)
        return rows.order_by()

    @extend_schema(request=AdjustmentCreateSerializer, responses={201: AdjustmentSerializer})
    @idempotent
    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        form = AdjustmentCreateSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        adj = services.raise_adjustment(
            actor=api_user(request),
            type=data["type"],
            target=data["target"],
            reason=data["reason"],
            discount_pct=data.get("discount_pct"),
            amount=data.get("amount"),
        )
        return Response(AdjustmentSerializer(adj).data, status=status.HTTP_201_CREATED)


class AdjustmentDetail(ETagRetrieveMixin, generics.RetrieveAPIView[Adjustment]):
    serializer_class = AdjustmentSerializer

    def get_object(self) -> Adjustment:
        return get_adjustment_for_user(api_user(self.request), int(self.kwargs["pk"]))
