"""Projects in the API: list with filters, detail with hours, milestones, status summaries."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import generics, serializers
from rest_framework.request import Request
from rest_framework.response import Response

from portal.api.base import MAX_ID, ETagRetrieveMixin, api_user
from portal.api.pagination import cursor_by
from portal.clients.models import StatusSummary
from portal.core.models import BusinessUnit
from portal.milestones.api import MilestoneSerializer, milestones_for
from portal.odoo.models import Milestone, Project, Timesheet
from portal.projects import queries
from portal.projects.access import get_project_for_user, visible_to


class ProjectFilter(serializers.Serializer[Any]):
    q = serializers.CharField(required=False, max_length=100)
    unit = serializers.IntegerField(required=False, min_value=1, max_value=MAX_ID)
    client = serializers.IntegerField(required=False, help_text="Odoo partner id of the client.")
    manager = serializers.IntegerField(required=False, help_text="Odoo user id of the PM.")
    status = serializers.ChoiceField(
        choices=["active", "archived", "all"], required=False, default="active"
    )


class ProjectSerializer(serializers.ModelSerializer[Project]):
    client_id = serializers.IntegerField(source="partner_id", allow_null=True, read_only=True)
    client_name = serializers.SerializerMethodField()
    manager_id = serializers.IntegerField(allow_null=True, read_only=True)
    manager_name = serializers.SerializerMethodField()
    business_unit: serializers.SlugRelatedField[BusinessUnit] = serializers.SlugRelatedField(
        slug_field="code", read_only=True
    )

    class Meta:
        model = Project
        fields = [
            "id",
            "name",
            "active",
            "client_id",
            "client_name",
            "manager_id",
            "manager_name",
            "business_unit",
            "date_start",
            "date",
            "last_update_status",
            "write_date",
        ]
        read_only_fields = fields

    def get_client_name(self, obj: Project) -> str | None:
        return obj.partner.name if obj.partner_id and obj.partner else None

    def get_manager_name(self, obj: Project) -> str | None:
        return obj.manager.name if obj.manager_id and obj.manager else None


class HoursSerializer(serializers.Serializer[Any]):
    allocated = serializers.DecimalField(max_digits=12, decimal_places=2)
    logged = serializers.DecimalField(max_digits=12, decimal_places=2)
    this_week = serializers.DecimalField(max_digits=12, decimal_places=2)
    remaining = serializers.DecimalField(max_digits=12, decimal_places=2)
    over = serializers.BooleanField()


class ProjectDetailSerializer(ProjectSerializer):
    hours = serializers.SerializerMethodField()
    open_task_count = serializers.SerializerMethodField()

    class Meta(ProjectSerializer.Meta):
        fields = [*ProjectSerializer.Meta.fields, "hours", "open_task_count"]
        read_only_fields = fields

    def _detail(self, obj: Project) -> dict[str, Any]:
        # Hours and the task count come from one read of the project's rows.
        cache: dict[int, dict[str, Any]] = self.__dict__.setdefault("_detail_cache", {})
        if obj.pk not in cache:
            cache[obj.pk] = queries.project_detail(obj)
        return cache[obj.pk]

    @extend_schema_field(HoursSerializer)
    def get_hours(self, obj: Project) -> dict[str, Any]:
        return HoursSerializer(self._detail(obj)["hours"]).data

    def get_open_task_count(self, obj: Project) -> int:
        return int(self._detail(obj)["open_task_count"])


class StatusSummarySerializer(serializers.ModelSerializer[StatusSummary]):
    week = serializers.CharField(source="week_label", read_only=True)

    class Meta:
        model = StatusSummary
        fields = ["id", "project_id", "week", "state", "status", "title", "body", "published_at"]
        read_only_fields = fields


class ProjectList(generics.ListAPIView[Project]):
    """Projects I may see (a client contact: their client's published projects)."""

    serializer_class = ProjectSerializer
    pagination_class = cursor_by("id")

    def get_queryset(self) -> QuerySet[Project]:
        params = ProjectFilter(data=self.request.query_params)
        params.is_valid(raise_exception=True)
        filters = {k: v for k, v in params.validated_data.items() if v not in (None, "")}
        visible = visible_to(api_user(self.request))
        return (
            queries.filtered(visible, filters)
            .select_related("partner", "manager", "business_unit")
            .order_by()
        )

    @extend_schema(parameters=[ProjectFilter])
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)


class ProjectDetail(ETagRetrieveMixin, generics.RetrieveAPIView[Project]):
    serializer_class = ProjectDetailSerializer

    def get_object(self) -> Project:
        return get_project_for_user(api_user(self.request), int(self.kwargs["pk"]))


class ProjectMilestones(generics.ListAPIView[Milestone]):
    """The project's milestones I may see."""

    serializer_class = MilestoneSerializer
    pagination_class = cursor_by("id")

    def get_queryset(self) -> QuerySet[Milestone]:
        user = api_user(self.request)
        project = get_project_for_user(user, int(self.kwargs["pk"]))
        return milestones_for(user).filter(project_id=project.pk).order_by()


class ProjectSummaries(generics.ListAPIView[StatusSummary]):
    """Weekly status summaries (a client contact sees the published ones)."""

    serializer_class = StatusSummarySerializer
    pagination_class = cursor_by("-id")

    def get_queryset(self) -> QuerySet[StatusSummary]:
        user = api_user(self.request)
        project = get_project_for_user(user, int(self.kwargs["pk"]))
        return StatusSummary.objects.visible_to(user).filter(project_id=project.pk).order_by()


class TimesheetSerializer(serializers.ModelSerializer[Timesheet]):
    project_id = serializers.IntegerField(read_only=True, allow_null=True)
    task_id = serializers.IntegerField(read_only=True, allow_null=True)
    employee_id = serializers.IntegerField(read_only=True, allow_null=True)
    employee_name = serializers.SerializerMethodField()
    hours = serializers.DecimalField(
        source="unit_amount", max_digits=10, decimal_places=2, read_only=True
    )

    class Meta:
        model = Timesheet
        fields = ["id", "date", "project_id", "task_id", "employee_id", "employee_name", "hours"]
        read_only_fields = fields

    def get_employee_name(self, obj: Timesheet) -> str | None:
        return obj.employee.name if obj.employee_id and obj.employee else None


class TimesheetList(generics.ListAPIView[Timesheet]):
    """Timesheet lines on projects I may see (hours only; costs stay in Odoo)."""

    serializer_class = TimesheetSerializer
    pagination_class = cursor_by("-id")

    def get_queryset(self) -> QuerySet[Timesheet]:
        projects = visible_to(api_user(self.request)).values("pk")
        rows = Timesheet.objects.filter(deleted_in_odoo=False, project_id__in=projects)
        project = self.request.query_params.get("project")
        if project is not None:
            if not project.isdigit():
                raise serializers.ValidationError({"project": ["Give a numeric id."]})
            rows = rows.filter(project_id=int(project))
        return rows.select_related("employee").order_by()

    @extend_schema(parameters=[OpenApiParameter("project", int)])
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)
