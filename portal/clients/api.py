"""Client requests in the API: list, create (client contacts), detail, reply.

Internal notes and their files never reach a client contact: the detail filters them
out for clients exactly as the client pages do.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import generics, serializers, status
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from portal.api.base import MAX_ID, ETagRetrieveMixin, api_user
from portal.api.idempotency import idempotent
from portal.api.models import Scope
from portal.api.pagination import cursor_by
from portal.clients import services
from portal.clients.access import get_client_project, get_request_for_user, visible_requests
from portal.clients.models import ClientRequest, RequestMessage, Urgency
from portal.projects.access import get_project_for_user


class MessageSerializer(serializers.ModelSerializer[RequestMessage]):
    author_name = serializers.SerializerMethodField()

    class Meta:
        model = RequestMessage
        fields = ["id", "author_name", "body", "internal", "from_client", "created_at"]
        read_only_fields = fields

    def get_author_name(self, obj: RequestMessage) -> str | None:
        return obj.author.display_name if obj.author else None


class ClientRequestSerializer(serializers.ModelSerializer[ClientRequest]):
    reference = serializers.CharField(read_only=True)
    project_id = serializers.IntegerField(read_only=True)

    class Meta:
        model = ClientRequest
        fields = [
            "id",
            "reference",
            "project_id",
            "subject",
            "description",
            "urgency",
            "status",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class ClientRequestDetailSerializer(ClientRequestSerializer):
    messages = serializers.SerializerMethodField()

    class Meta(ClientRequestSerializer.Meta):
        fields = [*ClientRequestSerializer.Meta.fields, "messages"]
        read_only_fields = fields

    @extend_schema_field(MessageSerializer(many=True))
    def get_messages(self, obj: ClientRequest) -> list[dict[str, Any]]:
        rows = obj.messages.select_related("author").order_by("created_at", "id")
        if self.context["request"].user.is_client_contact:
            rows = rows.filter(internal=False)
        return MessageSerializer(rows, many=True).data  # type: ignore[return-value]


class ClientRequestCreateSerializer(serializers.Serializer[Any]):
    project = serializers.IntegerField(
        min_value=1, max_value=MAX_ID, help_text="A published project of your client."
    )
    subject = serializers.CharField(max_length=200)
    description = serializers.CharField(max_length=20000)
    urgency = serializers.ChoiceField(choices=Urgency.choices, default=Urgency.NORMAL)
    files = serializers.ListField(child=serializers.FileField(), required=False, default=list)


class ReplySerializer(serializers.Serializer[Any]):
    body = serializers.CharField(max_length=20000)
    internal = serializers.BooleanField(default=False, help_text="Staff only: an internal note.")
    files = serializers.ListField(child=serializers.FileField(), required=False, default=list)


class ClientRequestList(generics.ListCreateAPIView[ClientRequest]):
    """Client requests I may see; POST raises one (client contacts, on a published project)."""

    serializer_class = ClientRequestSerializer
    pagination_class = cursor_by("-id")
    write_scope = Scope.REQUESTS_WRITE
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    def get_queryset(self) -> QuerySet[ClientRequest]:
        rows = visible_requests(api_user(self.request))
        params = self.request.query_params
        if params.get("status"):
            rows = rows.filter(status=params["status"])
        if params.get("project"):
            if not params["project"].isdigit():
                raise serializers.ValidationError({"project": ["Give a numeric id."]})
            rows = rows.filter(project_id=int(params["project"]))
        return rows.order_by()

    @extend_schema(parameters=[OpenApiParameter("status", str), OpenApiParameter("project", int)])
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(request=ClientRequestCreateSerializer, responses={201: ClientRequestSerializer})
    @idempotent
    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        user = api_user(request)
        form = ClientRequestCreateSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        try:
            if user.is_client_contact:
                project = get_client_project(user, data["project"])
            else:
                project = get_project_for_user(user, data["project"])
        except Http404:
            raise serializers.ValidationError({"project": ["No such project."]}) from None
        created = services.submit_request(
            project,
            actor=user,
            subject=data["subject"],
            description=data["description"],
            urgency=data["urgency"],
            files=data["files"],
        )
        return Response(ClientRequestSerializer(created).data, status=status.HTTP_201_CREATED)


class ClientRequestDetail(ETagRetrieveMixin, generics.RetrieveAPIView[ClientRequest]):
    serializer_class = ClientRequestDetailSerializer

    def get_object(self) -> ClientRequest:
        return get_request_for_user(api_user(self.request), int(self.kwargs["pk"]))


class Reply(APIView):
    """Reply on a request (both sides see it); staff may add an internal note."""

    write_scope = Scope.REQUESTS_WRITE
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    @extend_schema(request=ReplySerializer, responses={201: MessageSerializer})
    @idempotent
    def post(self, request: Request, pk: int) -> Response:
        user = api_user(request)
        client_request = get_request_for_user(user, pk)
        form = ReplySerializer(data=request.data)
        form.is_valid(raise_exception=True)
        message = services.add_reply(
            client_request,
            actor=user,
            body=form.validated_data["body"],
            internal=form.validated_data["internal"],
            files=form.validated_data["files"],
        )
        return Response(MessageSerializer(message).data, status=status.HTTP_201_CREATED)
