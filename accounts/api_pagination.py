"""The API's limit/offset pagination (DEFAULT_PAGINATION_CLASS, and function views that paginate by
hand): DRF's own, with bounds, because PostgreSQL refuses a LIMIT or OFFSET past a bigint."""

from __future__ import annotations

from typing import Any

from rest_framework.pagination import LimitOffsetPagination

MAX_OFFSET = 10**9  # far past any list here; past the last row the page is simply empty


class ApiPagination(LimitOffsetPagination):
    max_limit = 500

    def get_offset(self, request: Any) -> int:
        return min(super().get_offset(request), MAX_OFFSET)
