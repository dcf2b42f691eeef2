"""Milestones in the API: list, detail, evidence upload, readiness, client sign-off.

Staff see milestones through `access.visible_milestones`; client contacts through
`access.client_records` (their client's published projects). Anything else is 404.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db.models import QuerySet
from django.http import Http404, HttpRequest
from django.urls import reverse
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import generics, serializers, status
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from portal.api.base import MAX_ID, ETagRetrieveMixin, api_user
from portal.api.errors import problem
from portal.api.idempotency import idempotent
from portal.api.models import Scope
from portal.api.pagination import cursor_by
from portal.core.errors import NotAllowed
from portal.core.models import User
from portal.milestones import access, facts, services, uploads
from portal.milestones.models import Decision, Evidence, EvidenceSlot, MilestoneRecord, SignOff
from portal.odoo.models import Milestone


def milestones_for(user: User) -> QuerySet[Milestone]:
    """Milestones the user may see: staff by unit and project, clients once published."""
    if user.is_client_contact:
        return Milestone.objects.filter(
            deleted_in_odoo=False, pk__in=access.client_records(user).values("pk")
        )
    return access.visible_milestones(user)


def get_record_for_user(user: User, pk: int) -> MilestoneRecord:
    """The portal record of milestone `pk` if the user may see it; 404 otherwise."""
    if user.is_client_contact:
        return access.get_client_record(user, pk)
    milestone = access.get_milestone_for_user(user, pk)
    record = services.ensure_record(milestone)
    record.milestone = milestone
    return record


def _may_upload(user: User, record: MilestoneRecord) -> bool:
    return user.is_client_contact or access.can_manage(user, record.milestone)


class MilestoneSerializer(serializers.ModelSerializer[Milestone]):
    project_id = serializers.IntegerField(read_only=True, allow_null=True)
    state = serializers.SerializerMethodField()

    class Meta:
        model = Milestone
        fields = ["id", "name", "project_id", "deadline", "is_reached", "reached_date", "state"]
        read_only_fields = fields

    def get_state(self, obj: Milestone) -> str:
        record = getattr(obj, "record", None)  # no portal record yet: not ready
        return record.state if record is not None else "not_ready"


class EvidenceSerializer(serializers.ModelSerializer[Evidence]):
    slot = serializers.CharField(source="slot_id", read_only=True)
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = Evidence
        fields = [
            "id",
            "slot",
            "version",
            "original_name",
            "content_type",
            "size",
            "sha256",
            "note",
            "uploaded_by_client",
            "uploaded_at",
            "download_url",
        ]
        read_only_fields = fields

    def get_download_url(self, obj: Evidence) -> str:
        return reverse("milestones:download", args=[obj.pk])


class SignOffSerializer(serializers.ModelSerializer[SignOff]):
    class Meta:
        model = SignOff
        fields = ["id", "decision", "reason", "typed_name", "signed_at", "evidence_ids"]
        read_only_fields = fields


class MilestoneDetailSerializer(serializers.Serializer[MilestoneRecord]):
    id = serializers.IntegerField(source="pk")
    name = serializers.CharField(source="milestone.name")
    project_id = serializers.IntegerField(source="milestone.project_id", allow_null=True)
    deadline = serializers.DateField(source="milestone.deadline", allow_null=True)
    is_reached = serializers.BooleanField(source="milestone.is_reached")
    state = serializers.CharField()
    evidence = serializers.SerializerMethodField()
    signoff = serializers.SerializerMethodField()

    @extend_schema_field(EvidenceSerializer(many=True))
    def get_evidence(self, obj: MilestoneRecord) -> list[dict[str, Any]]:
        current = facts.current_evidence(list(obj.evidence.select_related("slot")))
        return EvidenceSerializer(current, many=True).data  # type: ignore[return-value]

    @extend_schema_field(SignOffSerializer(allow_null=True))
    def get_signoff(self, obj: MilestoneRecord) -> dict[str, Any] | None:
        current = services.current_signoff(obj)
        return SignOffSerializer(current).data if current else None


class EvidenceUploadSerializer(serializers.Serializer[Any]):
    slot = serializers.SlugRelatedField(slug_field="key", queryset=EvidenceSlot.objects.all())
    note = serializers.CharField(required=False, allow_blank=True, max_length=2000, default="")
    files = serializers.ListField(
        child=serializers.FileField(), min_length=1, max_length=settings.UPLOAD_MAX_FILES
    )


class EvidenceCreateSerializer(EvidenceUploadSerializer):
    milestone = serializers.IntegerField(min_value=1, max_value=MAX_ID)

    def validate_milestone(self, value: int) -> int:
        # A milestone the caller may not see is "not found" here, on the field (C14).
        user = self.context["user"]
        try:
            record = get_record_for_user(user, value)
        except Http404:
            raise serializers.ValidationError("No such milestone.") from None
        if not _may_upload(user, record):
            raise serializers.ValidationError("You cannot add evidence to this milestone.")
        return value


class SignOffInputSerializer(serializers.Serializer[Any]):
    decision = serializers.ChoiceField(choices=Decision.choices)
    typed_name = serializers.CharField(max_length=200, min_length=2)
    reason = serializers.CharField(required=False, allow_blank=True, max_length=4000, default="")


class MilestoneList(generics.ListAPIView[Milestone]):
    """Milestones I may see."""

    serializer_class = MilestoneSerializer
    pagination_class = cursor_by("id")

    def get_queryset(self) -> QuerySet[Milestone]:
        return milestones_for(api_user(self.request)).select_related("record").order_by()


class MilestoneDetail(ETagRetrieveMixin, generics.RetrieveAPIView[MilestoneRecord]):
    """A milestone with its current evidence and the client's current sign-off."""

    serializer_class = MilestoneDetailSerializer

    def get_object(self) -> MilestoneRecord:
        return get_record_for_user(api_user(self.request), int(self.kwargs["pk"]))


class _UploadView(APIView):
    write_scope = Scope.EVIDENCE_WRITE
    parser_classes = [MultiPartParser, FormParser]

    def initialize_request(self, request: HttpRequest, *args: Any, **kwargs: Any) -> Request:
        # The size guard must be first in the chain before anything reads the body.
        request.upload_handlers.insert(0, uploads.SizeLimitUploadHandler(request))
        return super().initialize_request(request, *args, **kwargs)

    def store(self, request: Request, record: MilestoneRecord, data: dict[str, Any]) -> Response:
        user = api_user(request)
        too_large = getattr(request._request, "uploads_too_large", [])
        if too_large:
            limit = uploads._mb(uploads.settings.UPLOAD_MAX_BYTES)
            return problem(
                400,
                f"Nothing was stored. {', '.join(too_large)}: larger than the limit of {limit}.",
                [{"field": "files", "message": "File too large."}],
            )
        if not _may_upload(user, record):
            raise NotAllowed("Only the project's managers upload evidence here.")
        files: list[UploadedFile] = data["files"]
        try:
            created = services.add_evidence(
                record.pk,
                actor=user,
                slot_key=data["slot"].pk,
                files=files,
                note=data["note"],
                by_client=user.is_client_contact,
            )
        except uploads.UploadRefused as exc:
            return problem(
                400, f"Nothing was stored. {exc}", [{"field": "files", "message": str(exc)}]
            )
        return Response(EvidenceSerializer(created, many=True).data, status=status.HTTP_201_CREATED)


class MilestoneEvidenceUpload(_UploadView):
    """Upload evidence to a milestone (multipart: slot, note, files)."""

    @extend_schema(
        request={"multipart/form-data": EvidenceUploadSerializer},
        responses={201: EvidenceSerializer(many=True)},
    )
    @idempotent
    def post(self, request: Request, pk: int) -> Response:
        record = get_record_for_user(api_user(request), pk)
        form = EvidenceUploadSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        return self.store(request, record, form.validated_data)


class EvidenceCreate(_UploadView):
    """Upload evidence, naming the milestone in the body (multipart)."""

    @extend_schema(
        request={"multipart/form-data": EvidenceCreateSerializer},
        responses={201: EvidenceSerializer(many=True)},
    )
    @idempotent
    def post(self, request: Request) -> Response:
        user = api_user(request)
        form = EvidenceCreateSerializer(data=request.data, context={"user": user})
        form.is_valid(raise_exception=True)
        record = get_record_for_user(user, form.validated_data["milestone"])
        return self.store(request, record, form.validated_data)


class MilestoneReady(APIView):
    """The PM marks the milestone ready for the client (the checklist must be complete)."""

    write_scope = Scope.EVIDENCE_WRITE

    @extend_schema(request=None, responses={200: MilestoneDetailSerializer})
    @idempotent
    def post(self, request: Request, pk: int) -> Response:
        user = api_user(request)
        record = get_record_for_user(user, pk)
        if user.is_client_contact or not access.can_manage(user, record.milestone):
            raise NotAllowed("Only the project's managers mark milestones ready.")
        record = services.mark_ready(record.pk, actor=user)
        return Response(MilestoneDetailSerializer(record).data)


class MilestoneSignOff(APIView):
    """A client contact accepts or rejects the milestone's current evidence."""

    write_scope = Scope.EVIDENCE_WRITE
    parser_classes = [JSONParser, FormParser, MultiPartParser]

    @extend_schema(request=SignOffInputSerializer, responses={201: SignOffSerializer})
    @idempotent
    def post(self, request: Request, pk: int) -> Response:
        user = api_user(request)
        record = get_record_for_user(user, pk)
        form = SignOffInputSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        signoff = services.sign_off(
            record.pk,
            actor=user,
            decision=form.validated_data["decision"],
            typed_name=form.validated_data["typed_name"],
            reason=form.validated_data["reason"],
            ip_address=request.META.get("REMOTE_ADDR"),
        )
        return Response(SignOffSerializer(signoff).data, status=status.HTTP_201_CREATED)
