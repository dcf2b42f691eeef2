"""Staffing in the API: requests (list, create, detail), ranked candidates, booking."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import generics, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from portal.api.base import ETagRetrieveMixin, MoneyField, api_user
from portal.api.idempotency import idempotent
from portal.api.models import Scope
from portal.api.pagination import cursor_by
from portal.core.errors import NotAllowed
from portal.core.models import BusinessUnit
from portal.projects.access import get_project_for_user
from portal.projects.queries import client_is
from portal.staffing import services
from portal.staffing.access import can_book, get_request_for_user, visible_requests
from portal.staffing.matching import rank_candidates
from portal.staffing.models import Booking, BookingType, JobRole, StaffingRequest
from portal.staffing.rules import RequestInput, SkillNeed


class SkillNeedSerializer(serializers.Serializer[Any]):
    name = serializers.CharField(max_length=120)
    min_level = serializers.IntegerField(min_value=1, max_value=5, default=3)
    required = serializers.BooleanField(default=True)  # type: ignore[assignment]


class BookingSerializer(serializers.ModelSerializer[Booking]):
    reference = serializers.CharField(read_only=True)
    consultant_name = serializers.SerializerMethodField()
    bill_rate = MoneyField("bill_rate", "currency")

    class Meta:
        model = Booking
        fields = [
            "id",
            "reference",
            "consultant_id",
            "consultant_name",
            "start_date",
            "end_date",
            "hours_per_week",
            "total_hours",
            "bill_rate",
            "booking_type",
            "status",
            "violations",
            "created_at",
        ]
        read_only_fields = fields

    def get_consultant_name(self, obj: Booking) -> str | None:
        return obj.consultant.name if obj.consultant else None


class StaffingRequestSerializer(serializers.ModelSerializer[StaffingRequest]):
    reference = serializers.CharField(read_only=True)
    job_role = serializers.CharField(source="job_role.name", read_only=True)
    bill_rate = MoneyField("bill_rate", "currency")
    business_unit: serializers.SlugRelatedField[BusinessUnit] = serializers.SlugRelatedField(
        slug_field="code", read_only=True
    )
    requested_by_id = serializers.IntegerField(read_only=True)
    skills = serializers.SerializerMethodField()

    class Meta:
        model = StaffingRequest
        fields = [
            "id",
            "reference",
            "project_id",
            "business_unit",
            "job_role",
            "start_date",
            "end_date",
            "hours_per_week",
            "total_hours",
            "bill_rate",
            "booking_type",
            "notes",
            "task_ids",
            "status",
            "requested_by_id",
            "created_at",
            "skills",
        ]
        read_only_fields = fields

    def get_skills(self, obj: StaffingRequest) -> list[dict[str, Any]]:
        return [
            {"name": need.skill.name, "min_level": need.min_level, "required": need.required}
            for need in obj.skill_needs.select_related("skill")
        ]


class StaffingRequestDetailSerializer(StaffingRequestSerializer):
    bookings = BookingSerializer(many=True, read_only=True)

    class Meta(StaffingRequestSerializer.Meta):
        fields = [*StaffingRequestSerializer.Meta.fields, "bookings"]
        read_only_fields = fields


class StaffingRequestCreateSerializer(serializers.Serializer[Any]):
    project = serializers.IntegerField(help_text="Odoo project id.")
    job_role = serializers.PrimaryKeyRelatedField(queryset=JobRole.objects.all())
    start_date = serializers.DateField()
    end_date = serializers.DateField()
    hours_per_week = serializers.DecimalField(
        max_digits=6, decimal_places=2, required=False, allow_null=True
    )
    total_hours = serializers.DecimalField(
        max_digits=8, decimal_places=2, required=False, allow_null=True
    )
    bill_rate = serializers.DecimalField(max_digits=10, decimal_places=2)
    currency = serializers.RegexField(r"^[A-Za-z]{3}$")
    booking_type = serializers.ChoiceField(choices=BookingType.choices, default=BookingType.SOFT)
    skills = SkillNeedSerializer(many=True, required=False, default=list)
    task_ids = serializers.ListField(child=serializers.IntegerField(), required=False, default=list)
    notes = serializers.CharField(required=False, allow_blank=True, default="", max_length=4000)

    def validate_project(self, value: int) -> int:
        try:
            get_project_for_user(self.context["user"], value)
        except Http404:
            raise serializers.ValidationError("No such project.") from None
        return value


class CandidateSerializer(serializers.Serializer[Any]):
    profile_id = serializers.IntegerField()
    name = serializers.CharField()
    job_role = serializers.CharField()
    score = serializers.DecimalField(max_digits=8, decimal_places=2)
    free_hours = serializers.DecimalField(max_digits=10, decimal_places=2)
    needed_hours = serializers.DecimalField(max_digits=10, decimal_places=2)
    utilisation_after_pct = serializers.DecimalField(max_digits=8, decimal_places=2)
    ceiling_pct = serializers.DecimalField(max_digits=8, decimal_places=2)
    missing_required = serializers.ListField(child=serializers.CharField())
    breaks_rules = serializers.BooleanField()
    reasons = serializers.SerializerMethodField()

    def get_reasons(self, obj: Any) -> list[dict[str, str]]:
        return [{"label": r.label, "text": r.text, "tone": r.tone} for r in obj.reasons]


class BookSerializer(serializers.Serializer[Any]):
    profile_id = serializers.IntegerField()
    seen_free_hours = serializers.DecimalField(
        max_digits=10, decimal_places=2, min_value=0, required=False, allow_null=True
    )


class StaffingRequestList(generics.ListCreateAPIView[StaffingRequest]):
    """Staffing requests I may see (client contacts: none); POST raises one (PMs)."""

    serializer_class = StaffingRequestSerializer
    pagination_class = cursor_by("-id")
    write_scope = Scope.STAFFING_WRITE

    def get_queryset(self) -> QuerySet[StaffingRequest]:
        rows = visible_requests(api_user(self.request)).select_related("job_role", "business_unit")
        params = self.request.query_params
        if params.get("status"):
            rows = rows.filter(status=params["status"])
        for name in ("project", "client"):
            raw = params.get(name)
            if raw is None:
                continue
            if not raw.isdigit():
                raise serializers.ValidationError({name: ["Give a numeric id."]})
            if name == "project":
                rows = rows.filter(project_id=int(raw))
            else:  # filtered within what the user sees: another client's rows never appear
                rows = rows.filter(project__in=_client_projects(int(raw)))
        return rows.order_by()

    @extend_schema(
        parameters=[
            OpenApiParameter("status", str),
            OpenApiParameter("project", int),
            OpenApiParameter("client", int, description="Odoo partner id of the client."),
        ]
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(
        request=StaffingRequestCreateSerializer, responses={201: StaffingRequestSerializer}
    )
    @idempotent
    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        user = api_user(request)
        form = StaffingRequestCreateSerializer(data=request.data, context={"user": user})
        form.is_valid(raise_exception=True)
        data = form.validated_data
        project = get_project_for_user(user, data["project"])
        created = services.raise_request(
            user,
            project=project,
            data=RequestInput(
                job_role=data["job_role"],
                start_date=data["start_date"],
                end_date=data["end_date"],
                hours_per_week=data.get("hours_per_week"),
                total_hours=data.get("total_hours"),
                bill_rate=data["bill_rate"],
                currency=data["currency"].upper(),
                booking_type=data["booking_type"],
                notes=data["notes"],
                skills=[
                    SkillNeed(s["name"], s["min_level"], s["required"]) for s in data["skills"]
                ],
                task_ids=data["task_ids"],
            ),
        )
        return Response(StaffingRequestSerializer(created).data, status=status.HTTP_201_CREATED)


def _client_projects(client_id: int) -> Any:
    from portal.odoo.models import Project

    return Project.objects.filter(client_is(client_id)).values("pk")


class StaffingRequestDetail(ETagRetrieveMixin, generics.RetrieveAPIView[StaffingRequest]):
    serializer_class = StaffingRequestDetailSerializer

    def get_object(self) -> StaffingRequest:
        return get_request_for_user(api_user(self.request), int(self.kwargs["pk"]))


class Candidates(APIView):
    """Consultants ranked for the request, with the reasons (resource managers)."""

    @extend_schema(
        responses={
            200: inline_serializer("CandidateList", {"results": CandidateSerializer(many=True)})
        }
    )
    def get(self, request: Request, pk: int) -> Response:
        user = api_user(request)
        staffing_request = get_request_for_user(user, pk)
        if not can_book(user, staffing_request):
            raise NotAllowed("Only a resource manager of this unit sees candidates.")
        ranked = rank_candidates(staffing_request, today=timezone.localdate())
        return Response({"results": CandidateSerializer(ranked, many=True).data})


class Book(APIView):
    """Book a consultant: confirmed at once, or sent for approval when a rule is broken."""

    write_scope = Scope.STAFFING_WRITE

    @extend_schema(request=BookSerializer, responses={201: BookingSerializer})
    @idempotent
    def post(self, request: Request, pk: int) -> Response:
        user = api_user(request)
        get_request_for_user(user, pk)  # 404 for what the user may not see
        form = BookSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        outcome = services.book_candidate(
            user,
            request_id=pk,
            profile_id=form.validated_data["profile_id"],
            seen_free_hours=form.validated_data.get("seen_free_hours"),
        )
        return Response(BookingSerializer(outcome.booking).data, status=status.HTTP_201_CREATED)
