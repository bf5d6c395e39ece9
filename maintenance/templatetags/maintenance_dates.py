"""End dates are stored as the first day outside a period; people read the last day inside it."""

from __future__ import annotations

from datetime import date, timedelta

from django import template

register = template.Library()


@register.filter
def last_day(end: date | None) -> date | None:
    return end - timedelta(days=1) if end else end
