"""The staff home and its work queues on a seeded program."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
import time_machine
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from staff_console.models import StaffReminder
from staff_console.queues import QUEUES

from .factories import TODAY, at, seed

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _frozen() -> Any:
    with time_machine.travel(at(TODAY), tick=False):
        yield


def _csv(response: Any) -> list[dict[str, str]]:
    body = b"".join(response.streaming_content).decode()
    return list(csv.DictReader(io.StringIO(body)))


def test_it_counts_every_queue_with_the_oldest_waiting_age(cast: Any) -> None:
    seed(3)
    response = cast.client_for("staff").get(reverse("staff_console:home"))
    assert response.status_code == 200
    summaries = {s.queue.key: s for s in response.context["summaries"]}
    assert set(summaries) == set(QUEUES)
    assert {k: s.count for k, s in summaries.items()} == dict.fromkeys(QUEUES, 3)
    assert summaries["applications"].days == 6  # the third participant applied 3 + 3 days ago
    assert summaries["checklists"].days == 5
    assert summaries["unpaid"].days == 30
    assert summaries["ending"].days == 10  # soonest end, ahead
    assert summaries["fidelity"].days == 15  # deadline 31 May


def test_it_leaves_out_what_is_not_waiting(cast: Any) -> None:
    (user,) = seed(1)
    user.applications.update(status="approved")
    from enrollment.models import Invoice, Payment

    invoice = Invoice.objects.get(participant=user)
    Payment.objects.create(invoice=invoice, amount=invoice.amount - 1000, paid_on=TODAY, method="check")
    response = cast.client_for("staff").get(reverse("staff_console:home"))
    counts = {s.queue.key: s.count for s in response.context["summaries"]}
    assert counts["applications"] == 0
    assert counts["unpaid"] == 0
    assert counts["transitions"] == 1


@pytest.mark.parametrize("key", list(QUEUES))
def test_each_queue_lists_its_items(cast: Any, key: str) -> None:
    people = seed(2)
    response = cast.client_for("staff").get(reverse("staff_console:queue", args=[key]))
    assert response.status_code == 200
    listed = {row["participant_id"] for row in response.context["rows"]}
    assert listed == {p.pk for p in people}


def test_it_filters_and_sorts_a_queue(cast: Any) -> None:
    seed(3)
    client = cast.client_for("staff")
    response = client.get(reverse("staff_console:queue", args=["applications"]), {"q": "last002"})
    assert [r["values"][1] for r in response.context["rows"]] == ["p2@example.org"]
    response = client.get(
        reverse("staff_console:queue", args=["applications"]), {"sort": "-participant__last_name"}
    )
    assert [r["values"][1] for r in response.context["rows"]] == [f"p{n}@example.org" for n in (3, 2, 1)]
    # Oldest first by default.
    response = client.get(reverse("staff_console:queue", args=["applications"]))
    assert [r["values"][1] for r in response.context["rows"]] == [f"p{n}@example.org" for n in (3, 2, 1)]
    response = client.get(reverse("staff_console:queue", args=["ending"]), {"phase": "phase2"})
    assert response.context["rows"] == []


def test_unknown_queue_is_404(cast: Any) -> None:
    assert cast.client_for("staff").get(reverse("staff_console:queue", args=["nope"])).status_code == 404


@pytest.mark.parametrize("key", list(QUEUES))
def test_queue_csv_parses_back(cast: Any, key: str) -> None:
    seed(2)
    response = cast.client_for("staff").get(reverse("staff_console:queue_export", args=[key]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = _csv(response)
    assert sorted(r["E-mail"] for r in rows) == ["p1@example.org", "p2@example.org"]
    if key == "unpaid":
        assert {r["Balance"] for r in rows} == {"3000.00"}


def _queries(client: Any, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_query_counts_do_not_grow_with_rows(cast: Any) -> None:
    client = cast.client_for("staff")
    seed(1)
    urls = [reverse("staff_console:home") + "?fresh=1"] + [
        reverse("staff_console:queue", args=[k]) for k in QUEUES
    ]
    [_queries(client, u) for u in urls]  # warm up (one-time lookups of the first request)
    few = [_queries(client, u) for u in urls]
    # 49 more participants, each in every queue.
    from tests.staff_console import factories

    original = factories.participant
    factories.participant = lambda n, **kw: original(n + 100, **kw)
    try:
        seed(49)
    finally:
        factories.participant = original
    many = [_queries(client, u) for u in urls]
    assert few == many
    assert max(many) <= 15


def test_bulk_reminder_is_sent_after_commit(
    cast: Any, django_capture_on_commit_callbacks: Any, celery_eager: Any
) -> None:
    people = seed(3)
    client = cast.client_for("staff")
    from metrics_tokens.models import FidelityAssignment

    ids = list(FidelityAssignment.objects.filter(participant__in=people[:2]).values_list("pk", flat=True))
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client.post(
            reverse("staff_console:queue_remind", args=["fidelity"]),
            {"ids": ids, "subject": "Your Fidelity report", "body": "Please submit it this week."},
        )
    assert response.status_code == 302
    assert len(callbacks) == 1
    assert sorted(m.to[0] for m in mail.outbox) == ["p1@example.org", "p2@example.org"]
    assert StaffReminder.objects.filter(sent_at__isnull=False).count() == 2
    from accounts.models import AuditEntry

    assert AuditEntry.objects.filter(action="staff_console.reminder_sent", subject_user=people[0]).exists()


def test_bulk_reminder_without_a_message_changes_nothing(cast: Any) -> None:
    people = seed(1)
    from enrollment.models import Application

    ids = list(Application.objects.filter(participant__in=people).values_list("pk", flat=True))
    response = cast.client_for("staff").post(
        reverse("staff_console:queue_remind", args=["applications"]),
        {"ids": ids, "subject": "Hi", "body": " "},
    )
    assert response.status_code == 302
    assert StaffReminder.objects.count() == 0
    assert not mail.outbox


def _group(cast: Any, kind: str = "certification") -> Any:
    from study_groups.models import StudyGroup

    group = StudyGroup.objects.create(
        kind=kind,
        name=f"Tuesday {kind}",
        capacity=10,
        recurrence_rule="FREQ=MONTHLY;BYDAY=TU;BYSETPOS=1,3",
        starts_on=TODAY,
        start_time="18:00",
    )
    group.mentors.add(cast.mentor)
    return group


def test_staff_assign_a_queue_to_a_study_group(cast: Any) -> None:
    from enrollment.models import Enrollment
    from study_groups.models import Membership

    people = seed(3)
    group = _group(cast)
    ids = list(
        Enrollment.objects.filter(participant__in=people[:2], phase="phase1").values_list("pk", flat=True)
    )
    client = cast.client_for("staff")
    response = client.post(
        reverse("staff_console:queue_assign", args=["no_group"]), {"ids": ids, "group": group.pk}
    )
    assert response.status_code == 302
    assert set(Membership.objects.filter(group=group).values_list("participant", flat=True)) == {
        p.pk for p in people[:2]
    }
    remaining = client.get(reverse("staff_console:queue", args=["no_group"])).context["rows"]
    assert [r["participant_id"] for r in remaining] == [people[2].pk]


def test_assignment_is_all_or_nothing(cast: Any) -> None:
    from enrollment.models import Enrollment
    from study_groups.models import Membership

    people = seed(2)
    trainer_group = _group(cast, kind="trainer")  # for Phase II/TTT: Phase I participants cannot join
    ids = list(Enrollment.objects.filter(participant__in=people, phase="phase1").values_list("pk", flat=True))
    response = cast.client_for("staff").post(
        reverse("staff_console:queue_assign", args=["no_group"]),
        {"ids": ids, "group": trainer_group.pk},
        follow=True,
    )
    assert Membership.objects.count() == 0
    assert "Nothing was changed" in response.content.decode()


def test_api_assigns_to_a_study_group(cast: Any) -> None:
    from enrollment.models import Enrollment

    people = seed(1)
    group = _group(cast)
    ids = list(Enrollment.objects.filter(participant__in=people, phase="phase1").values_list("pk", flat=True))
    response = cast.client_for("staff").post(
        reverse("api:staff-queue-assign", args=["no_group"]),
        {"ids": ids, "group": group.pk},
        content_type="application/json",
    )
    assert response.status_code == 201 and response.json()["added"] == 1
    again = cast.client_for("staff").post(
        reverse("api:staff-queue-assign", args=["no_group"]),
        {"ids": ids, "group": group.pk},
        content_type="application/json",
    )
    assert again.status_code == 400  # no longer in the queue


def test_home_counts_are_cached_briefly_and_recounted_on_demand(cast: Any, settings: Any) -> None:
    settings.STAFF_HOME_CACHE_SECONDS = 30
    client = cast.client_for("staff")
    url = reverse("staff_console:home")
    seed(1)
    first = {s.queue.key: s.count for s in client.get(url).context["summaries"]}
    from enrollment.models import Application

    Application.objects.update(status="approved")
    with CaptureQueriesContext(connection) as cached:
        again = {s.queue.key: s.count for s in client.get(url).context["summaries"]}
    assert again == first  # from the cache: no queue query
    assert len(cached.captured_queries) < len(QUEUES)
    fresh = {s.queue.key: s.count for s in client.get(url, {"fresh": "1"}).context["summaries"]}
    assert fresh["applications"] == 0 and first["applications"] == 1


def test_the_unpaid_queue_reads_open_invoices_in_index_order_and_agrees_with_a_sorted_read(
    cast: Any,
) -> None:
    """In its default order the unpaid queue is read from the open-invoice index (counted apart, people
    joined for the page); asked for the same order explicitly it takes the general path. Both list the
    same invoices, oldest first, and a settled one in neither."""
    from enrollment import services
    from enrollment.models import Invoice

    people = seed(3)
    settled = Invoice.objects.get(participant=people[1])
    services.invoice_waive(actor=cast.staff, invoice=settled, amount=settled.amount - 1000, reason="r")
    client = cast.client_for("staff")
    url = reverse("staff_console:queue", args=["unpaid"])
    with CaptureQueriesContext(connection) as ctx:
        default = client.get(url).context
    assert not any("OVER ()" in q["sql"] for q in ctx.captured_queries)  # no window count
    explicit = client.get(url, {"sort": "issued_on"}).context
    ids = [[row["item"].pk for row in c["rows"]] for c in (default, explicit)]
    assert ids[0] == ids[1] and settled.pk not in ids[0] and len(ids[0]) == 2
    assert default["page"].paginator.count == explicit["page"].paginator.count == 2
    assert [row["participant_id"] for row in default["rows"]] == [
        row["participant_id"] for row in explicit["rows"]
    ]


def _invoices_shown(page: Any) -> list[tuple[Any, ...]]:
    return [
        (i.pk, i.participant.email, i.participant.get_full_name(), i.balance, i.waiting, i.get_kind_display())
        for i in page.object_list
    ]


def test_the_unpaid_queue_read_with_compiled_sql_is_the_orms_page(cast: Any) -> None:
    """index_page (SQL compiled once a day for each page) gives what page_of gives from the ORM: the
    same invoices in the same order, with their people, balances and waiting days, on every page, past
    the end and for a page that is not a number; and an empty queue is one empty page."""
    from django.http import QueryDict

    from accounts.pagination import page_of
    from staff_console import queues

    work = QUEUES["unpaid"]
    empty = queues.index_page(work, TODAY, 1, 2)
    assert (list(empty.object_list), empty.number, empty.paginator.count) == ([], 1, 0)
    seed(5)
    queues._INDEX_PAGES._compiled.clear()
    for number in (1, 2, 3, 4, "x", None, 0):
        page = queues.index_page(work, TODAY, number, 2)
        expected = page_of(queues.filtered(work, TODAY, QueryDict("")), number, 2, ordered_by_index=True)
        assert (page.number, page.paginator.count, page.paginator.num_pages) == (
            expected.number,
            expected.paginator.count,
            expected.paginator.num_pages,
        )
        assert _invoices_shown(page) == _invoices_shown(expected), number
    assert queues._INDEX_PAGES._compiled  # the compiled path answered
    assert queues.ordered_by_index(work, QueryDict("page=2"))
    assert not queues.ordered_by_index(work, QueryDict("q=pat"))  # filters and sorts go through the ORM
    assert not queues.ordered_by_index(QUEUES["applications"], QueryDict(""))
    with CaptureQueriesContext(connection) as ctx:
        page = queues.index_page(work, TODAY, 1, 2)
        [i.participant.email for i in page.object_list]
    assert len(ctx.captured_queries) == 1  # the page with the queue's length, people joined
    with CaptureQueriesContext(connection) as ctx:
        page = queues.index_page(work, TODAY, 9, 2)
    assert page.number == 3 and len(ctx.captured_queries) == 3  # nothing there: counted, last page read
