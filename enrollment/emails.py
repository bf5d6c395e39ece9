"""Mail to participants about decisions. Sent after the transaction commits, never inside it."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string


def notify_participant(*, user: Any, subject: str, template: str, context: dict[str, Any]) -> None:
    """Queue `enrollment/email/<template>.txt` (and `.html`) to `user` once the transaction commits."""
    ctx = {"user": user, "site_url": settings.SITE_URL, **context}
    text = render_to_string(f"enrollment/email/{template}.txt", ctx)
    html = render_to_string(f"enrollment/email/{template}.html", ctx)
    full_subject = f"[NMT certification] {subject}"

    def send() -> None:
        message = EmailMultiAlternatives(full_subject, text, to=[user.email])
        message.attach_alternative(html, "text/html")
        message.send()

    transaction.on_commit(send)
