"""Evidence files: only a few types, recognised by their first bytes (not their name), and a size limit."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError

# type -> (extensions, magic prefix)
ALLOWED_TYPES: dict[str, tuple[tuple[str, ...], bytes]] = {
    "application/pdf": ((".pdf",), b"%PDF-"),
    "image/png": ((".png",), b"\x89PNG\r\n\x1a\n"),
    "image/jpeg": ((".jpg", ".jpeg"), b"\xff\xd8\xff"),
}


def max_evidence_bytes() -> int:
    return int(getattr(settings, "REQUIREMENTS_EVIDENCE_MAX_BYTES", 5 * 1024 * 1024))


@dataclass(frozen=True)
class CheckedFile:
    content_type: str
    size: int
    sha256: str
    name: str


def check_evidence(upload: Any) -> CheckedFile:
    """Refuse a file that is too large or not a PDF, PNG or JPEG (by content and by name)."""
    limit = max_evidence_bytes()
    size = int(getattr(upload, "size", 0) or 0)
    if size > limit:
        raise ValidationError(
            f"The evidence file is too large ({size / 1048576:.1f} MB); the limit is {limit / 1048576:.0f} MB.",
            code="evidence_too_large",
        )
    if size == 0:
        raise ValidationError("The evidence file is empty.", code="evidence_empty")
    name = str(getattr(upload, "name", "") or "")
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    for content_type, (extensions, magic) in ALLOWED_TYPES.items():
        if head.startswith(magic):
            if not name.lower().endswith(extensions):
                break
            digest = hashlib.sha256()
            for chunk in upload.chunks():
                digest.update(chunk)
            upload.seek(0)
            return CheckedFile(content_type, size, digest.hexdigest(), name[-200:])
    raise ValidationError(
        "Evidence must be a PDF, PNG or JPEG file (its content and its name must agree).",
        code="evidence_type",
    )
