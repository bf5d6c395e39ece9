"""A CSV of existing records, kept as uploaded so the preview and the commit read the same text."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class ImportBatch(models.Model):
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    filename = models.CharField(max_length=200, blank=True)
    content = models.TextField()
    row_count = models.PositiveIntegerField(default=0)
    error_count = models.PositiveIntegerField(default=0)
    uploaded_at = models.DateTimeField(default=timezone.now)
    committed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-uploaded_at", "-id"]
        verbose_name_plural = "import batches"

    def __str__(self) -> str:
        return f"Import {self.filename or self.pk} ({self.row_count} rows)"
