from __future__ import annotations

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from org.selectors import user_roles, user_teams


class MeApi(APIView):
    """Who the caller is: name, roles and teams."""

    @extend_schema(
        responses=inline_serializer(
            "Me",
            {
                "id": serializers.IntegerField(),
                "username": serializers.CharField(),
                "display_name": serializers.CharField(),
                "roles": serializers.ListField(child=serializers.CharField()),
                "teams": serializers.ListField(child=serializers.CharField()),
                "rep_level": serializers.CharField(),
                "region": serializers.CharField(),
            },
        )
    )
    def get(self, request: Request) -> Response:
        user = request.user
        return Response(
            {
                "id": user.pk,
                "username": user.username,
                "display_name": str(user),
                "roles": user_roles(user=user),  # type: ignore[arg-type]
                "teams": [t.name for t in user_teams(user=user)],  # type: ignore[arg-type]
                "rep_level": user.rep_level,  # type: ignore[union-attr]
                "region": user.region,  # type: ignore[union-attr]
            }
        )
