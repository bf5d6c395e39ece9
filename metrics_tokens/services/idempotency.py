"""Idempotency keys for API writes: a retried request gets the first answer instead of acting again."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import Any

from django.db import IntegrityError, transaction

from accounts.errors import DomainError

from ..models import IdempotencyRecord


class IdempotencyKeyReused(DomainError):
    status_code = 422
    code = "idempotency_key_reused"


def request_fingerprint(method: str, path: str, body: Any) -> str:
    canonical = json.dumps([method.upper(), path, body], sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _replay(record: IdempotencyRecord, fingerprint: str) -> tuple[int, Any, bool]:
    if record.request_hash != fingerprint:
        raise IdempotencyKeyReused(
            "This Idempotency-Key was used before with a different request. Use a new key for a new "
            "request; resend the same body to get the first answer again."
        )
    return record.response_status, record.response_body, True


def idempotent(
    *, owner: Any, key: str, fingerprint: str, action: Callable[[], tuple[int, Any]]
) -> tuple[int, Any, bool]:
    """Run `action` once per (owner, key). Answers (status, body, replayed).

    The record is inserted before the action, in the same transaction: a concurrent retry with the
    same key blocks on the unique index until the first commits, then replays its answer. When the
    action fails nothing is kept (the transaction rolls back), so a retry runs it again.
    """
    with transaction.atomic():
        existing = IdempotencyRecord.objects.filter(owner=owner, key=key).first()
        if existing is not None:
            return _replay(existing, fingerprint)
        try:
            with transaction.atomic():
                record = IdempotencyRecord.objects.create(
                    owner=owner, key=key, request_hash=fingerprint, response_status=0, response_body={}
                )
        except IntegrityError:
            return _replay(IdempotencyRecord.objects.get(owner=owner, key=key), fingerprint)
        status, body = action()
        record.response_status = status
        record.response_body = body
        record.save(update_fields=["response_status", "response_body"])
        return status, body, False
