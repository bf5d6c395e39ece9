"""API routes of the staff console, mounted under /api/v1/ (names in the "api" namespace)."""

from django.urls import URLPattern, URLResolver

urlpatterns: list[URLPattern | URLResolver] = []
