"""Two admins at once: one certificate per completion, and never the same number twice (PostgreSQL)."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.conf import settings
from django.db import connection

from accounts.errors import DomainError
from certificates import services
from certificates.models import Certificate
from tests.certificates.factories import completed_enrollment

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        not settings.IS_POSTGRES, reason="row locks need PostgreSQL (SQLite serializes writers)"
    ),
]


def _race(n: int, work: Any) -> list[Any]:
    barrier = threading.Barrier(n)
    results: list[Any] = [None] * n

    def run(i: int) -> None:
        try:
            barrier.wait()
            results[i] = work(i)
        except Exception as exc:
            results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def test_two_admins_issuing_one_completion_make_one_certificate(cast: Any) -> None:
    enrollment = completed_enrollment(cast.participant)
    results = _race(4, lambda i: services.certificate_issue(actor=cast.admin, enrollment=enrollment))
    assert sum(isinstance(r, Certificate) for r in results) == 1
    assert all(isinstance(r, (Certificate, DomainError)) for r in results), results
    assert Certificate.objects.count() == 1


def test_concurrent_issues_never_share_a_number(cast: Any) -> None:
    from tests.support import make_user

    people = [make_user(f"race{i}@example.org", ["participant"]) for i in range(6)]
    enrollments = [completed_enrollment(p) for p in people]
    results = _race(6, lambda i: services.certificate_issue(actor=cast.admin, enrollment=enrollments[i]))
    assert all(isinstance(r, Certificate) for r in results), results
    numbers = sorted(r.number for r in results)
    assert numbers == [f"NMT-{numbers[0][4:8]}-{i:06d}" for i in range(1, 7)]
