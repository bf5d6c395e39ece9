"""Redis going away: the cache (rate limits, the staff home's counts) and the Celery broker. Sessions live
in PostgreSQL, so nobody is signed out; what needs Redis answers a clean 503 and nothing is left
half-done; once Redis is back everything serves again."""

from __future__ import annotations

import os
from typing import Any

import pytest
import redis
import requests

from staff_console.models import EvidencePackJob, EvidencePackStatus
from tests.staff_console.factories import participant
from tests.support import PASSWORD

from .conftest import DrilledApp, needs_postgres_and_redis
from .test_database_outage import assert_clean_503_api, assert_clean_503_page

pytestmark = [*needs_postgres_and_redis(), pytest.mark.django_db(transaction=True)]


def sign_in_attempt(app: DrilledApp, http: requests.Session, token: str) -> Any:
    return app.post_form(http, "/accounts/login/", token, login="pat@example.org", password=PASSWORD)


def test_redis_going_away_answers_503_where_it_is_needed_and_loses_nothing(
    app: DrilledApp, cast: Any
) -> None:
    person = participant(1)
    staff = app.session_for(cast.staff)
    record = f"/staff/participants/{person.pk}/"
    token = app.csrf_token(staff, record)
    visitor = requests.Session()
    login_token = app.csrf_token(visitor, "/accounts/login/")
    assert staff.get(app.url + "/staff/", timeout=30).status_code == 200

    app.redis.cut()
    assert_clean_503_page(staff.get(app.url + "/staff/", timeout=30))  # its queue counts are cached
    assert_clean_503_page(visitor.get(app.url + "/verify/ABCDEFGH/", timeout=30))  # a per-IP limit
    assert_clean_503_api(visitor.get(app.url + "/api/v1/verify/ABCDEFGH/", timeout=30))
    assert_clean_503_page(sign_in_attempt(app, visitor, login_token))  # sign-in limits fail closed
    assert "_auth_user_id" not in str(visitor.cookies)

    # The broker is gone too: a pack that could never be built is not left "queued" for ever.
    assert_clean_503_page(app.post_form(staff, record + "evidence/", token))
    job = EvidencePackJob.objects.get(participant=person)
    assert job.status == EvidencePackStatus.FAILED and "task queue" in job.error
    # Sessions live in PostgreSQL: pages that do not need Redis still serve, and show that failure.
    page = staff.get(app.url + record, timeout=30)
    assert page.status_code == 200 and "task queue" in page.text
    assert "503 for GET /staff/: ConnectionError" in app.log()

    app.redis.restore()
    assert staff.get(app.url + "/staff/", timeout=30).status_code == 200
    assert visitor.get(app.url + "/verify/ABCDEFGH/", timeout=30).status_code == 200
    assert sign_in_attempt(app, visitor, login_token).status_code == 302
    broker = redis.Redis.from_url(os.environ["REDIS_URL"])
    waiting = broker.llen("celery")
    start = app.post_form(staff, record + "evidence/", token)
    assert start.status_code == 302 and start.headers["Location"] == record
    assert EvidencePackJob.objects.filter(participant=person, status=EvidencePackStatus.QUEUED).count() == 1
    assert broker.llen("celery") == waiting + 1
    broker.lpop("celery")  # no worker runs in this drill: take the message back
