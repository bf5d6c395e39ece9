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
}
