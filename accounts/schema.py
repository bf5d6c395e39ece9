"""Tells drf-spectacular how the bearer tokens and the error answers look in the OpenAPI schema."""

from typing import Any, Literal

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.plumbing import is_serializer
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import AllowAny


class BearerTokenScheme(OpenApiAuthenticationExtension):
    target_class = "accounts.api_auth.BearerTokenAuthentication"
    name = "bearerToken"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "A personal or integration token: `Authorization: Bearer nmt_…`.",
        }


# The one error shape (accounts.api_errors): {"error": {"code", "message", "fields"}}.
ERROR_SERIALIZER = inline_serializer(
    name="Error",
    fields={
        "error": inline_serializer(
            name="ErrorDetail",
            fields={
                "code": serializers.CharField(),
                "message": serializers.CharField(),
                "fields": serializers.DictField(help_text="Each field's messages, when fields are invalid."),
            },
        )
    },
)
ERROR_DESCRIPTIONS = {
    "400": "The request is not valid (`invalid`, with the fields' messages).",
    "401": "No valid credentials.",
    "403": "The account's role or the token's scope does not reach this.",
    "404": "Not found, or not yours to see.",
    "409": "The program's rules refuse it now (for example a transition the status does not allow).",
    "415": "The body's media type is not one this operation reads.",
    "429": "Too many requests; `Retry-After` says when to try again.",
}


def error(code: int | str) -> OpenApiResponse:
    """An error answer for `@extend_schema(responses={...})`, where a view answers one the generic
    rules below do not add (say, 404 for an object named in the request body)."""
    return OpenApiResponse(response=ERROR_SERIALIZER, description=ERROR_DESCRIPTIONS[str(code)])


def page_of(results: Any, name: str) -> Any:
    """A limit/offset page (`count`, `next`, `previous`, `results`), for function views that paginate
    by hand: drf-spectacular only sees pagination on generic views."""
    return inline_serializer(
        name=name,
        fields={
            "count": serializers.IntegerField(),
            "next": serializers.URLField(allow_null=True),
            "previous": serializers.URLField(allow_null=True),
            "results": results,
        },
    )


PAGE_PARAMETERS = [
    OpenApiParameter("limit", int, description="Rows per page"),
    OpenApiParameter("offset", int, description="Rows to skip"),
]

# DRF writes a time of day without an offset ("15:00:00"), which OpenAPI's `time` format (RFC 3339
# full-time) does not allow: such fields are described by a pattern instead.
TIME_OF_DAY = {"type": "string", "pattern": r"^([01]\d|2[0-3]):[0-5]\d(:[0-5]\d(\.\d{1,6})?)?$"}


class ApiAutoSchema(AutoSchema):
    """drf-spectacular's schema, plus the error answers every view can give besides the ones it
    declares itself (accounts.api_errors makes them all one shape)."""

    def _get_response_bodies(self, direction: Literal["request", "response"] = "response") -> dict[str, Any]:
        responses = super()._get_response_bodies(direction)
        if direction != "response":
            return responses
        for code in self._error_codes():
            if code not in responses:
                responses[code] = self._get_response_for_code(
                    error(code), code, media_types=["application/json"], direction=direction
                )
        return responses

    def _error_codes(self) -> list[str]:
        codes = []
        writes = self.method not in ("GET", "HEAD", "OPTIONS")
        if writes or self._has_query_parameters():
            codes.append("400")
        if not any(isinstance(p, AllowAny) for p in self.view.get_permissions()):
            codes += ["401", "403"]
        if "{" in self.path:
            codes.append("404")
        if writes:
            codes.append("409")
        if writes and self.get_request_serializer() is not None:
            codes.append("415")
        if self.view.get_throttles():
            codes.append("429")
        return codes

    def _has_query_parameters(self) -> bool:
        overrides = [
            p
            for p in self.get_override_parameters()
            if is_serializer(p) or (isinstance(p, OpenApiParameter) and p.location == OpenApiParameter.QUERY)
        ]
        return bool(overrides or self._get_filter_parameters())

    def _map_serializer_field(self, field: Any, direction: str, bypass_extensions: bool = False) -> Any:
        schema = super()._map_serializer_field(field, direction, bypass_extensions)
        if isinstance(field, serializers.TimeField) and schema and schema.get("format") == "time":
            schema = {k: v for k, v in schema.items() if k != "format"} | TIME_OF_DAY
        return schema
