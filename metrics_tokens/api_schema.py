"""Shared OpenAPI pieces of the metrics_tokens API: its tag and the one error shape."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse, inline_serializer
from rest_framework import serializers

TAG = "metric reports and tokens"

ERROR_SERIALIZER = inline_serializer(
    name="MetricsError",
    fields={
        "error": inline_serializer(
            name="MetricsErrorDetail",
            fields={
                "code": serializers.CharField(
                    help_text="no_access, no_balance, idempotency_key_reused, idempotency_key_required, "
                    "invalid, not_found, …"
                ),
                "message": serializers.CharField(),
                "fields": serializers.DictField(child=serializers.ListField(child=serializers.CharField())),
            },
        )
    },
)
ERROR = OpenApiResponse(response=ERROR_SERIALIZER, description='`{"error": {"code", "message", "fields"}}`')
