"""Approvals in the API: the inbox, request detail, decisions, what I raised.

Every view goes through the same selectors and services as the inbox pages.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import generics, serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from portal.api.base import MAX_ID, ETagRetrieveMixin, MoneyField, api_user
from portal.api.idempotency import idempotent
from portal.api.models import Scope
from portal.api.pagination import cursor_by
from portal.approvals import selectors, services
from portal.approvals.forms import InboxFilterForm
from portal.approvals.models import ApprovalRequest, Assignment, Decision, StepStatus
from portal.core.errors import DomainError

DECISIONS = ["approve", "reject", "request_changes"]
BULK_LIMIT = 100


class InboxItemSerializer(serializers.Serializer[Assignment]):
    request_id = serializers.IntegerField(source="request.id", read_only=True)
    reference = serializers.CharField(source="request.reference", read_only=True)
    kind = serializers.CharField(source="request.kind", read_only=True)
    title = serializers.CharField(source="request.title", read_only=True)
    amount = MoneyField("amount", "currency", source="request")
    client_id = serializers.IntegerField(source="request.client_id", allow_null=True)
    client_name = serializers.CharField(source="request.client_name")
    project_id = serializers.IntegerField(source="request.project_id", allow_null=True)
    requester_name = serializers.CharField(source="request.requester_name")
    submitted_at = serializers.DateTimeField(source="request.submitted_at")
    status = serializers.CharField(source="request.status")
    version = serializers.IntegerField(source="request.version")
    step = serializers.CharField(source="step.name")
    due_at = serializers.DateTimeField(source="step.due_at", allow_null=True)
    on_behalf_of = serializers.SerializerMethodField()

    def get_on_behalf_of(self, obj: Assignment) -> str | None:
        return obj.on_behalf_of.display_name if obj.on_behalf_of_id else None  # type: ignore[union-attr]


class DecisionSerializer(serializers.ModelSerializer[Decision]):
    step = serializers.CharField(source="step.name", read_only=True)
    actor_id = serializers.IntegerField(read_only=True)
    on_behalf_of_id = serializers.IntegerField(read_only=True, allow_null=True)

    class Meta:
        model = Decision
        fields = ["id", "step", "actor_id", "on_behalf_of_id", "outcome", "comment", "created_at"]
        read_only_fields = fields


class StepSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    order = serializers.IntegerField()
    name = serializers.CharField()
    status = serializers.CharField()
    due_at = serializers.DateTimeField(allow_null=True)
    decided_at = serializers.DateTimeField(allow_null=True)


class ApprovalRequestSerializer(serializers.ModelSerializer[ApprovalRequest]):
    reference = serializers.CharField(read_only=True)
    amount = MoneyField("amount", "currency")
    summary = serializers.SerializerMethodField()
    steps = serializers.SerializerMethodField()
    decisions = serializers.SerializerMethodField()
    can_decide = serializers.SerializerMethodField()

    class Meta:
        model = ApprovalRequest
        fields = [
            "id",
            "reference",
            "kind",
            "title",
            "status",
            "version",
            "amount",
            "client_id",
            "client_name",
            "project_id",
            "requester_name",
            "submitted_at",
            "decided_at",
            "summary",
            "steps",
            "decisions",
            "can_decide",
        ]
        read_only_fields = fields

    def get_summary(self, obj: ApprovalRequest) -> list[dict[str, str]]:
        return [{"label": str(label), "value": str(value)} for label, value in obj.summary_lines]

    def get_steps(self, obj: ApprovalRequest) -> list[dict[str, Any]]:
        steps = obj.steps.filter(round=obj.round)
        return StepSerializer(steps, many=True).data  # type: ignore[return-value]

    def get_decisions(self, obj: ApprovalRequest) -> list[dict[str, Any]]:
        rows = obj.decisions.filter(superseded=False).select_related("step")
        return DecisionSerializer(rows, many=True).data  # type: ignore[return-value]

    def get_can_decide(self, obj: ApprovalRequest) -> bool:
        user = self.context["request"].user
        return Assignment.objects.filter(
            request=obj, user=user, active=True, step__status=StepStatus.PENDING
        ).exists()


class RaisedSerializer(serializers.ModelSerializer[ApprovalRequest]):
    reference = serializers.CharField(read_only=True)
    amount = MoneyField("amount", "currency")

    class Meta:
        model = ApprovalRequest
        fields = ["id", "reference", "kind", "title", "status", "amount", "submitted_at"]
        read_only_fields = fields


class DecideSerializer(serializers.Serializer[Any]):
    decision = serializers.ChoiceField(choices=DECISIONS)
    comment = serializers.CharField(required=False, allow_blank=True, max_length=4000, default="")
    version = serializers.IntegerField(
        required=False, allow_null=True, help_text="The version you saw; 409 when it changed."
    )


class BulkDecideSerializer(serializers.Serializer[Any]):
    ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=MAX_ID),
        min_length=1,
        max_length=BULK_LIMIT,
    )
    decision = serializers.ChoiceField(choices=DECISIONS, default="approve")
    comment = serializers.CharField(required=False, allow_blank=True, max_length=4000, default="")


class BulkResultSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    status = serializers.IntegerField(help_text="HTTP-like status of this item.")
    detail = serializers.CharField()


INBOX_FILTERS = [
    OpenApiParameter("kind", str),
    OpenApiParameter("client", int, description="Odoo partner id of the client company."),
    OpenApiParameter("project", int),
    OpenApiParameter("unit", int, description="Business unit id."),
    OpenApiParameter("min_amount", str),
    OpenApiParameter("max_amount", str),
    OpenApiParameter("older_than_days", int),
]


class InboxList(generics.ListAPIView[Assignment]):
    """Pending approval steps where I may act (mine and delegated to me), oldest first."""

    serializer_class = InboxItemSerializer
    pagination_class = cursor_by("submitted_at", "id")

    def get_queryset(self) -> QuerySet[Assignment]:
        form = InboxFilterForm(self.request.query_params or None)
        if form.is_bound and not form.is_valid():
            raise serializers.ValidationError(form.errors.get_json_data())
        filters = form.cleaned_data if form.is_bound else {}
        return selectors.awaiting_decision_by(api_user(self.request), filters).order_by()

    @extend_schema(parameters=INBOX_FILTERS)
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)


class RaisedList(generics.ListAPIView[ApprovalRequest]):
    """Approval requests I raised."""

    serializer_class = RaisedSerializer
    pagination_class = cursor_by("-submitted_at", "-id")

    def get_queryset(self) -> QuerySet[ApprovalRequest]:
        return selectors.raised_by(api_user(self.request)).order_by()


class ApprovalDetail(ETagRetrieveMixin, generics.RetrieveAPIView[ApprovalRequest]):
    """One approval request I may see: its steps, decisions and whether I can decide."""

    serializer_class = ApprovalRequestSerializer

    def get_object(self) -> ApprovalRequest:
        return selectors.get_request_for_user(api_user(self.request), int(self.kwargs["pk"]))


class Decide(APIView):
    """Approve, reject or request changes (a comment is required to reject or send back)."""

    write_scope = Scope.APPROVALS_DECIDE

    @extend_schema(request=DecideSerializer, responses={200: ApprovalRequestSerializer})
    @idempotent
    def post(self, request: Request, pk: int) -> Response:
        user = api_user(request)
        selectors.get_request_for_user(user, pk)  # 404 for what the user may not see
        form = DecideSerializer(data=request.data)
        form.is_valid(raise_exception=True)

        approval = services.decide(
            pk,
            actor=user,
            decision=form.validated_data["decision"],
            comment=form.validated_data["comment"],
            expected_version=form.validated_data.get("version"),
        )
        approval.refresh_from_db()
        return Response(ApprovalRequestSerializer(approval, context={"request": request}).data)


class BulkDecide(APIView):
    """Decide many items at once; each item answers on its own (one refusal stops none)."""

    write_scope = Scope.APPROVALS_DECIDE

    @extend_schema(
        request=BulkDecideSerializer,
        responses={
            200: inline_serializer("BulkDecision", {"results": BulkResultSerializer(many=True)})
        },
    )
    @idempotent
    def post(self, request: Request) -> Response:
        user = api_user(request)
        form = BulkDecideSerializer(data=request.data)
        form.is_valid(raise_exception=True)

        results = []
        for pk in dict.fromkeys(form.validated_data["ids"]):
            try:
                selectors.get_request_for_user(user, pk)
                services.decide(
                    pk,
                    actor=user,
                    decision=form.validated_data["decision"],
                    comment=form.validated_data["comment"],
                )
                results.append({"id": pk, "status": 200, "detail": "Decided."})
            except DomainError as exc:
                status = 409 if exc.status_code == 409 else exc.status_code
                results.append({"id": pk, "status": status, "detail": exc.message})
            except Http404:
                results.append({"id": pk, "status": 404, "detail": "No such approval request."})
        return Response({"results": results})
