"""Activities and the inbox over the API: input serializer → selector (visibility) → one service → output
serializer. A record, an activity or a notification the caller may not see answers 404 (``not_found``), never
telling whether it exists; refusals carry the services' codes (``due_in_past``, ``invalid_kind`` …)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from activities import selectors, services
from activities.models import Activity, Notification
from org.models import User


class ActivityOutput(serializers.ModelSerializer):
    assignee: serializers.Field = serializers.SlugRelatedField(slug_field="username", read_only=True)
    target_type = serializers.SerializerMethodField()
    target = serializers.SerializerMethodField()
    url = serializers.SerializerMethodField()
    is_done = serializers.BooleanField(read_only=True)

    class Meta:
        model = Activity
        fields = ["id", "kind", "subject", "due_at", "done_at", "is_done", "outcome", "assignee", "target_type",
                  "target_id", "target", "url", "created_at"]  # fmt: skip
        read_only_fields = fields

    def get_target_type(self, activity: Activity) -> str:
        return f"{activity.target_type.app_label}.{activity.target_type.model}"

    def get_target(self, activity: Activity) -> str:
        return str(activity.target) if activity.target is not None else ""

    def get_url(self, activity: Activity) -> str:
        return selectors.target_url(activity.target)


class ActivityInput(serializers.Serializer):
    target_type = serializers.CharField(max_length=64, help_text='The kind of record, e.g. "leads.lead".')
    target_id = serializers.IntegerField()
    kind = serializers.CharField(max_length=16, help_text="call, email, meeting, visit, demo, task or note")
    subject = serializers.CharField(max_length=200, allow_blank=True)
    done = serializers.BooleanField(default=False, help_text="true: record one done now (with its outcome)")
    due_at = serializers.DateTimeField(required=False, allow_null=True, help_text="For a planned one; not past.")
    assignee = serializers.SlugRelatedField(
        slug_field="username",
        queryset=User.objects.filter(is_active=True),
        required=False,
        allow_null=True,
        help_text="For a planned one; default: the caller.",
    )
    outcome = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class CompleteInput(serializers.Serializer):
    outcome = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


ACTIVITY_FILTERS = [
    OpenApiParameter("target_type", str, description='With target_id: that record\'s activities, e.g. "leads.lead"'),
    OpenApiParameter("target_id", int, description="With target_type: that record's activities"),
    OpenApiParameter("done", bool, description="true: done ones only; false: planned ones only"),
]


def _flag(value: Any) -> bool | None:
    if value in ("true", "1", "yes"):
        return True
    if value in ("false", "0", "no"):
        return False
    return None


class ActivityViewSet(viewsets.GenericViewSet):
    """The caller's own activities, or those of one record they see (``target_type`` and ``target_id``).
    Planned ones first by due time, then those done, latest first. ``complete`` marks a planned one done."""

    serializer_class = ActivityOutput
    lookup_value_regex = r"[0-9]+"

    def get_queryset(self) -> QuerySet[Activity]:
        params = self.request.query_params
        return selectors.activity_list_visible_to(
            user=self.request.user,
            target_type=params.get("target_type") or None,
            target_id=params.get("target_id") or None,
            done=_flag(params.get("done")),
        )

    @extend_schema(parameters=ACTIVITY_FILTERS)
    def list(self, request: Request) -> Response:
        page = self.paginate_queryset(self.get_queryset().prefetch_related("target"))
        return self.get_paginated_response(ActivityOutput(page, many=True).data)

    def retrieve(self, request: Request, pk: Any = None) -> Response:
        return Response(ActivityOutput(selectors.activity_get_for_user(user=request.user, pk=pk)).data)

    @extend_schema(request=ActivityInput, responses={201: ActivityOutput})
    def create(self, request: Request) -> Response:
        data = ActivityInput(data=request.data)
        data.is_valid(raise_exception=True)
        fields = data.validated_data
        target = selectors.target_get_for_user(user=request.user, target_type=fields["target_type"],
                                               pk=fields["target_id"])  # fmt: skip
        if fields["done"]:
            activity = services.activity_record(actor=request.user, target=target, kind=fields["kind"],
                                                subject=fields["subject"], outcome=fields["outcome"])  # fmt: skip
        else:
            activity = services.activity_plan(actor=request.user, target=target, kind=fields["kind"],
                                              subject=fields["subject"], due_at=fields.get("due_at"),
                                              assignee=fields.get("assignee"))  # fmt: skip
        return Response(ActivityOutput(activity).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=CompleteInput, responses={200: ActivityOutput})
    @action(detail=True, methods=["post"])
    def complete(self, request: Request, pk: Any = None) -> Response:
        activity = selectors.activity_get_for_user(user=request.user, pk=pk)
        data = CompleteInput(data=request.data)
        data.is_valid(raise_exception=True)
        done = services.activity_complete(actor=request.user, activity=activity,
                                          outcome=data.validated_data["outcome"].strip())  # fmt: skip
        return Response(ActivityOutput(done).data)


class NotificationOutput(serializers.ModelSerializer):
    is_read = serializers.SerializerMethodField()

    class Meta:
        model = Notification
        fields = ["id", "kind", "text", "url", "created_at", "read_at", "is_read"]
        read_only_fields = fields

    def get_is_read(self, notification: Notification) -> bool:
        return notification.read_at is not None


COUNT = inline_serializer("UnreadCount", fields={"unread": serializers.IntegerField()})
MARKED = inline_serializer("MarkedRead", fields={"marked": serializers.IntegerField()})


class NotificationViewSet(viewsets.GenericViewSet):
    """The caller's own inbox: unread first, then newest. Another person's notification answers 404."""

    serializer_class = NotificationOutput
    lookup_value_regex = r"[0-9]+"

    def get_queryset(self) -> QuerySet[Notification]:
        return selectors.notification_list_for(user=self.request.user,
                                               unread=_flag(self.request.query_params.get("unread")))  # fmt: skip

    @extend_schema(parameters=[OpenApiParameter("unread", bool, description="true: unread only; false: read only")])
    def list(self, request: Request) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(NotificationOutput(page, many=True).data)

    def retrieve(self, request: Request, pk: Any = None) -> Response:
        return Response(NotificationOutput(selectors.notification_get_for_user(user=request.user, pk=pk)).data)

    @extend_schema(request=None, responses={200: NotificationOutput})
    @action(detail=True, methods=["post"])
    def read(self, request: Request, pk: Any = None) -> Response:
        note = selectors.notification_get_for_user(user=request.user, pk=pk)
        return Response(NotificationOutput(services.notification_mark_read(actor=request.user, notification=note)).data)

    @extend_schema(request=None, responses={200: MARKED})
    @action(detail=False, methods=["post"], url_path="read-all")
    def read_all(self, request: Request) -> Response:
        return Response({"marked": services.notifications_mark_all_read(actor=request.user)})

    @extend_schema(responses={200: COUNT})
    @action(detail=False, methods=["get"], url_path="unread-count")
    def unread_count(self, request: Request) -> Response:
        return Response({"unread": selectors.notification_unread_count(user=request.user)})
