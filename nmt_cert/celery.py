"""The Celery app. Every periodic schedule of the product is defined here, in one place.

django-celery-beat's DatabaseScheduler copies these entries into its tables at start, so staff can
see them in the admin; the code here stays the source of truth.
"""

import os

from celery import Celery
from celery.schedules import crontab

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "nmt_cert.settings")

app = Celery("nmt_cert")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

app.conf.beat_schedule = {
    "heartbeat": {
        "task": "accounts.tasks.heartbeat",
        "schedule": crontab(minute="*/15"),
    },
    # Deadlines, extensions, renewals, lapse, Re-Certification markers and reminders (maintenance.rules).
    # Idempotent and safe if two schedulers fire it; 10:05 UTC is past midnight from Hawaii to Europe,
    # so "today" (UTC) is the same calendar day for nearly every participant.
    "maintenance-enforce-rules": {
        "task": "maintenance.tasks.enforce_rules_daily",
        "schedule": crontab(hour=10, minute=5),
    },
    # Study-group meetings are materialized from each group's recurrence rule a window ahead
    # (settings.STUDY_GROUP_MEETING_WINDOW_DAYS); idempotent.
    "study-groups-materialize": {
        "task": "study_groups.tasks.materialize_all_meetings",
        "schedule": crontab(hour=2, minute=30),
    },
}
