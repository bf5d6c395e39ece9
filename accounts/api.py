from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.shortcuts import get_object_or_404
from django.urls import path
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import api_view, permission_classes
from rest_framework.request import Request
from rest_framework.response import Response

from . import selectors, services
from .api_permissions import DefaultApiPermission
from .models import ApiToken
from .roles import is_staff_member, user_roles
from .schema import error


class MeSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    email = serializers.EmailField()
    first_name = serializers.CharField()
    last_name = serializers.CharField()
    time_zone = serializers.CharField()
    roles = serializers.ListField(child=serializers.CharField())


class ApiTokenSerializer(serializers.ModelSerializer):
    user_email = serializers.EmailField(source="user.email", read_only=True)

    class Meta:
        model = ApiToken
        fields = ["id", "name", "scope", "prefix", "user_email", "created_at", "last_used_at", "revoked_at"]


class ApiTokenCreateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    scope = serializers.ChoiceField(choices=ApiToken.Scope.choices, default=ApiToken.Scope.PERSONAL)
    user_email = serializers.EmailField(
        required=False, help_text="Staff only: the account the token acts for."
    )


class ApiTokenCreatedSerializer(ApiTokenSerializer):
    secret = serializers.CharField(read_only=True, help_text="Shown once; store it now.")

    class Meta(ApiTokenSerializer.Meta):
        fields = [*ApiTokenSerializer.Meta.fields, "secret"]


@extend_schema(responses=MeSerializer, tags=["accounts"])
@api_view(["GET"])
@permission_classes([DefaultApiPermission])
def me(request: Request) -> Response:
    user: Any = request.user
    data = {
        "id": user.pk,
        "email": user.email,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "time_zone": user.time_zone,
        "roles": sorted(user_roles(user)),
    }
    return Response(MeSerializer(data).data)


@extend_schema(methods=["GET"], responses=ApiTokenSerializer(many=True), tags=["accounts"])
@extend_schema(
    methods=["POST"],
    request=ApiTokenCreateSerializer,
    responses={201: ApiTokenCreatedSerializer, 404: error(404)},
    tags=["accounts"],
)
@api_view(["GET", "POST"])
@permission_classes([DefaultApiPermission])
def tokens(request: Request) -> Response:
    if request.method == "GET":
        qs = selectors.api_tokens_visible_to(request.user)
        return Response(ApiTokenSerializer(qs[:200], many=True).data)
    body = ApiTokenCreateSerializer(data=request.data)
    body.is_valid(raise_exception=True)
    owner: Any = request.user
    scope = body.validated_data["scope"]
    if body.validated_data.get("user_email") or scope != ApiToken.Scope.PERSONAL:
        # Integration tokens and tokens for someone else are made by staff only.
        if not is_staff_member(request.user):
            return Response(
                {
                    "error": {
                        "code": "not_allowed",
                        "message": "Only staff create integration tokens.",
                        "fields": {},
                    }
                },
                status=status.HTTP_403_FORBIDDEN,
            )
        if body.validated_data.get("user_email"):
            owner = get_object_or_404(get_user_model(), email__iexact=body.validated_data["user_email"])
    token, secret = services.api_token_create(
        actor=request.user, user=owner, name=body.validated_data["name"], scope=scope
    )
    data = ApiTokenSerializer(token).data | {"secret": secret}
    return Response(data, status=status.HTTP_201_CREATED)


@extend_schema(request=None, responses=ApiTokenSerializer, tags=["accounts"])
@api_view(["POST"])
@permission_classes([DefaultApiPermission])
def token_revoke(request: Request, pk: int) -> Response:
    token = selectors.get_api_token_for_user(request.user, pk)
    token = services.api_token_revoke(actor=request.user, token=token)
    return Response(ApiTokenSerializer(token).data)


urlpatterns = [
    path("me/", me, name="me"),
    path("tokens/", tokens, name="token-list"),
    path("tokens/<int:pk>/revoke/", token_revoke, name="token-revoke"),
]
