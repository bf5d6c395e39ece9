"""Participant search and the participant record."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from importlib import import_module
from typing import Any

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.services import audit_record
from enrollment import services as fee_services
from enrollment.models import Enrollment, Invoice, Organization, Payment
from metrics_tokens.models import MetricReport, TokenAccount, TokenLedgerEntry
from staff_console.record import SECTIONS
from study_groups.models import Attendance, Meeting, Membership, StudyGroup

from .factories import TODAY, at, participant, seed

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _frozen() -> Any:
    with time_machine.travel(at(TODAY), tick=False):
        yield


def _found(response: Any) -> list[str]:
    return [row["email"] for row in response.context["rows"]]


def test_it_finds_by_name_email_and_organization(cast: Any) -> None:
    org = Organization.objects.create(name="Harbor Family Clinic")
    seed(3)
    participant(7, organization=org)
    client = cast.client_for("staff")
    url = reverse("staff_console:search")
    assert _found(client.get(url, {"q": "first2"})) == ["p2@example.org"]
    assert _found(client.get(url, {"q": "p3@example"})) == ["p3@example.org"]
    assert _found(client.get(url, {"q": "first7 last007"})) == ["p7@example.org"]
    assert _found(client.get(url, {"organization": "harbor"})) == ["p7@example.org"]
    assert _found(client.get(url, {"phase": "maintenance"})) == [f"p{n}@example.org" for n in (1, 2, 3)]
    assert _found(client.get(url, {"status": "lapsed"})) == []
    assert client.get(url).context["page"] is None


def test_license_number_is_exact_and_only_by_post(cast: Any) -> None:
    participant(1, license_number="LMSW-123")
    participant(2, license_number="LMSW-1234")
    client = cast.client_for("staff")
    url = reverse("staff_console:search")
    assert _found(client.post(url, {"license_number": "LMSW-123"})) == ["p1@example.org"]
    assert _found(client.post(url, {"license_number": "LMSW-12"})) == []
    # In a URL it is ignored: no search happens on it.
    assert client.get(url, {"license_number": "LMSW-123"}).context["page"] is None


def test_it_finds_overdue_participants_and_by_mentor(cast: Any) -> None:
    (late, on_time) = seed(2)
    from metrics_tokens.models import FidelityAssignment

    FidelityAssignment.objects.filter(participant=on_time).update(submitted_at=at(TODAY))
    Invoice.objects.filter(participant=late).update(due_on=TODAY - timedelta(days=1))
    client = cast.client_for("staff")
    url = reverse("staff_console:search")
    assert _found(client.get(url, {"overdue": "on"})) == ["p1@example.org"]
    group = StudyGroup.objects.create(
        kind="certification",
        name="Tuesday group",
        capacity=10,
        recurrence_rule="FREQ=MONTHLY;BYDAY=TU;BYSETPOS=1,3",
        starts_on=TODAY,
        start_time="18:00",
    )
    group.mentors.add(cast.mentor)
    Membership.objects.create(
        group=group,
        participant=on_time,
        enrollment=Enrollment.objects.get(participant=on_time, phase="phase1"),
        status="active",
        joined_at=at(TODAY),
    )
    assert _found(client.get(url, {"mentor": str(cast.mentor.pk)})) == ["p2@example.org"]


def _fill(user: Any, n: int, staff: Any) -> None:
    """n of everything for one participant."""
    phase1 = Enrollment.objects.get(participant=user, phase="phase1")
    group = StudyGroup.objects.create(
        kind="certification",
        name=f"G{user.pk}",
        capacity=100,
        recurrence_rule="FREQ=WEEKLY",
        starts_on=TODAY,
        start_time="18:00",
    )
    membership = Membership.objects.create(
        group=group, participant=user, enrollment=phase1, status="active", joined_at=at(TODAY)
    )
    account, _ = TokenAccount.objects.get_or_create(participant=user)
    invoice = Invoice.objects.get(participant=user)
    for i in range(n):
        meeting = Meeting.objects.create(
            group=group, occurrence=at(TODAY) + timedelta(days=i), starts_at=at(TODAY) + timedelta(days=i)
        )
        Attendance.objects.create(meeting=meeting, membership=membership, enrollment=phase1, status="present")
        MetricReport.objects.create(
            participant=user, enrollment=phase1, report_type="typical", report_date=TODAY, client_code=f"C{i}"
        )
        TokenLedgerEntry.objects.create(
            account=account, kind="grant", amount=1, actor_label="system", reason="grant"
        )
        Payment.objects.create(invoice=invoice, amount=Decimal("1.00"), paid_on=TODAY, method="check")
        audit_record(actor=staff, action="test.thing", target=phase1, reason=f"r{i}")


def _queries(client: Any, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_record_query_count_is_constant_at_1_and_50(cast: Any) -> None:
    one, many = seed(2)
    _fill(one, 1, cast.staff)
    _fill(many, 50, cast.staff)
    client = cast.client_for("staff")

    def urls(user: Any) -> list[str]:
        return [reverse("staff_console:participant", args=[user.pk])] + [
            reverse("staff_console:participant_section", args=[user.pk, s]) for s in SECTIONS
        ]

    [_queries(client, u) for u in urls(one)]  # warm up
    few = [_queries(client, u) for u in urls(one)]
    lots = [_queries(client, u) for u in urls(many)]
    assert few == lots
    assert max(lots) <= 15


def test_record_shows_every_part(cast: Any) -> None:
    (user,) = seed(1)
    _fill(user, 2, cast.staff)
    client = cast.client_for("staff")
    page = client.get(reverse("staff_console:participant", args=[user.pk])).content.decode()
    assert "Phase I started" in page and "LPC-000001" in page
    activity = client.get(
        reverse("staff_console:participant_section", args=[user.pk, "activity"])
    ).content.decode()
    assert "C1" in activity and "G" in activity
    fees = client.get(reverse("staff_console:participant_section", args=[user.pk, "fees"])).content.decode()
    assert "Phase I fee" in fees and "2998.00" in fees and 'data-testid="settled"' not in fees
    invoice = Invoice.objects.get(participant=user)
    fee_services.invoice_waive(actor=cast.staff, invoice=invoice, amount="2998", reason="scholarship")
    fees = client.get(reverse("staff_console:participant_section", args=[user.pk, "fees"])).content.decode()
    assert f"settled {TODAY:%Y-%m-%d}" in fees  # the day of the waiver that settled it
    history = client.get(
        reverse("staff_console:participant_section", args=[user.pk, "history"])
    ).content.decode()
    assert "test.thing" in history and "r1" in history
    progress = client.get(reverse("staff_console:participant_section", args=[user.pk, "progress"]))
    assert progress.status_code == 200


def test_non_participants_and_unknown_sections_are_404(cast: Any) -> None:
    client = cast.client_for("staff")
    assert client.get(reverse("staff_console:participant", args=[cast.mentor.pk])).status_code == 404
    assert (
        client.get(reverse("staff_console:participant_section", args=[cast.participant.pk, "x"])).status_code
        == 404
    )


def test_search_and_reports_queries_do_not_grow(cast: Any) -> None:
    from tests.staff_console import factories

    client = cast.client_for("staff")
    seed(1)
    urls = [
        reverse("staff_console:search") + "?q=first&overdue=on",
        reverse("staff_console:reports"),
        reverse("staff_console:audit"),
    ]
    [_queries(client, u) for u in urls]
    few = [_queries(client, u) for u in urls]
    original = factories.participant
    factories.participant = lambda n, **kw: original(n + 100, **kw)
    try:
        seed(49)
    finally:
        factories.participant = original
    many = [_queries(client, u) for u in urls]
    assert few == many
    assert max(many) <= 15


def test_words_match_from_their_start_and_fragments_anywhere(cast: Any) -> None:
    """On PostgreSQL a typed word is looked up by the start of words (full-text index) and, when
    nothing starts with it, anywhere (trigram index); SQLite matches anywhere. Same answers."""
    p12 = participant(12)
    participant(120)
    ito = participant(5)
    ito.profile.legal_name = "Maria Tanaka-Ito"
    ito.profile.save()
    client = cast.client_for("staff")
    url = reverse("staff_console:search")
    assert _found(client.get(url, {"q": "p12@exam"})) == ["p12@example.org"]
    assert sorted(_found(client.get(url, {"q": "last01"}))) == ["p12@example.org"]
    assert _found(client.get(url, {"q": "ast120"})) == ["p120@example.org"]  # inside a word
    assert _found(client.get(url, {"q": "ito"})) == ["p5@example.org"]  # a legal name's second part
    assert _found(client.get(url, {"q": "tanaka-i"})) == ["p5@example.org"]
    assert _found(client.get(url, {"q": "'&|!:*"})) == []  # query syntax is only ever text
    if connection.vendor == "postgresql":  # the start-of-word path answered, not the fallback
        from staff_console.search import _word_matches

        assert _word_matches("last01") == [p12.pk]
        assert _word_matches("ast120") is None


def test_several_words_must_all_match_and_role_only_participants_are_found(cast: Any) -> None:
    """Each word narrows the ids the next sees (no id in common: nobody), and a participant who has
    the role but no profile yet is still found by name."""
    from tests.support import make_user

    participant(2)
    participant(7)
    make_user("newcomer@example.org", ["participant"], first_name="Nova", last_name="Quill")
    make_user("mentor-q@example.org", ["mentor"], first_name="Nova", last_name="Quarry")
    client = cast.client_for("staff")
    url = reverse("staff_console:search")
    assert _found(client.get(url, {"q": "first2 first7"})) == []
    assert _found(client.get(url, {"q": "first7 last007"})) == ["p7@example.org"]
    assert _found(client.get(url, {"q": "nova"})) == ["newcomer@example.org"]  # not the mentor
    assert _found(client.get(url, {"q": "nova quill"})) == ["newcomer@example.org"]


def test_result_and_queue_rows_escape_what_people_typed(cast: Any) -> None:
    """Rows are rendered in the views, not the template: a name with markup shows as text."""
    from accounts.urlcache import reverse_id

    person = participant(9)
    person.first_name = '<b>Bold</b> "quote"'
    person.save()
    Invoice.objects.create(
        participant=person, kind="phase_fee", amount=Decimal("100.00"), issued_on=TODAY, due_on=TODAY
    )
    client = cast.client_for("staff")
    page = client.get(reverse("staff_console:search"), {"q": "p9@example"}).content.decode()
    queue = client.get(reverse("staff_console:queue", args=["unpaid"])).content.decode()
    for html in (page, queue):
        assert "&lt;b&gt;Bold&lt;/b&gt; &quot;quote&quot;" in html
        assert "<b>Bold</b>" not in html
    assert reverse_id("staff_console:participant", person.pk) == reverse(
        "staff_console:participant", args=[person.pk]
    )
    assert f'href="{reverse("staff_console:participant", args=[person.pk])}"' in queue


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the search indexes are PostgreSQL's")
def test_search_indexes_keep_no_pending_list(cast: Any) -> None:
    """A GIN index with a pending list makes every search read the whole list (8 ms instead of 1 after
    a batch of sign-ups): the search's indexes are updated at each insert instead."""
    names = import_module("staff_console.migrations.0004_search_indexes_without_pending_list").INDEXES
    with connection.cursor() as cursor:
        cursor.execute("SELECT relname, reloptions FROM pg_class WHERE relname = ANY(%s)", [names])
        options = dict(cursor.fetchall())
    assert sorted(options) == sorted(names)
    assert all(opts and "fastupdate=off" in opts for opts in options.values()), options


def test_a_one_word_search_page_read_with_compiled_sql_is_the_orms_page(cast: Any) -> None:
    """search_page reads one-word searches with SQL compiled once (PostgreSQL): every page, the count,
    a page past the end and a page that is not a number come out as the ORM's page_of gives them."""
    from accounts.pagination import page_of
    from staff_console import search
    from staff_console.views.participants import RESULT_FIELDS
    from tests.support import make_user

    for n in range(1, 13):
        participant(n)
    make_user("newcomer@example.org", ["participant"], first_name="Nova", last_name="Quill")
    make_user("mentor-q@example.org", ["mentor"], first_name="Nova", last_name="Quarry")
    from accounts.pagination import page_number

    search._INDEXED_PAGES._compiled.clear()
    for text in ("last0", "first1", "nova", "ast01", "zzz", "p1@example"):
        criteria = search.SearchCriteria(text=text)
        for number in (1, 2, 3, 4, "x", None, 99):
            with CaptureQueriesContext(connection) as compiled_queries:
                page = search.search_page(criteria, TODAY, number, 5, RESULT_FIELDS)
            with CaptureQueriesContext(connection) as orm_queries:
                expected = page_of(
                    search.search_participants(criteria, TODAY).values(*RESULT_FIELDS), number, 5
                )
            assert list(page.object_list) == list(expected.object_list), (text, number)
            assert (page.number, page.paginator.count) == (expected.number, expected.paginator.count)
            # One statement where the ORM takes two (the word's matches, then the page among them).
            # A word that starts no word of any name (ast01, zzz) costs that statement more: it is
            # then looked for anywhere in the names, as the ORM does.
            if connection.vendor != "postgresql":
                allowed = len(orm_queries)
            elif text in ("ast01", "zzz"):
                allowed = len(orm_queries) + 1
            elif page.number == page_number(number):
                allowed = len(orm_queries) - 1
            else:  # past the end: counted and the last page read, as the ORM does
                allowed = len(orm_queries)
            assert len(compiled_queries) == allowed, (text, number)
    if connection.vendor == "postgresql":
        assert search._INDEXED_PAGES._compiled  # the index table answered
    assert (
        search.search_page(search.SearchCriteria(text="last0"), TODAY, 3, 5, RESULT_FIELDS).paginator.count
        == 12
    )


@pytest.fixture
def small_match_cap(monkeypatch: Any) -> Any:
    """TEXT_MATCH_CAP at 5, with the statements compiled for it forgotten before and after."""
    from staff_console import search

    def forget() -> None:
        search._WORD_MATCHES._compiled.clear()
        search._ONE_WORD_PAGES._compiled.clear()
        search._INDEXED_PAGES._compiled.clear()

    forget()
    monkeypatch.setattr(search, "TEXT_MATCH_CAP", 5)
    yield
    monkeypatch.undo()
    forget()


def test_a_word_matching_more_than_the_cap_pages_through_its_subqueries(
    cast: Any, small_match_cap: Any
) -> None:
    """More matches than TEXT_MATCH_CAP are not listed: the one-statement page finds nothing and the
    search goes through the ORM's subqueries, with the same rows as page_of."""
    from accounts.pagination import page_of
    from staff_console import search
    from staff_console.views.participants import RESULT_FIELDS

    for n in range(1, 13):
        participant(n)
    criteria = search.SearchCriteria(text="last0")
    assert search._text_condition("last0")[1] is None  # twelve matches: too many to list
    if connection.vendor == "postgresql":  # the index table's page declines them
        assert search._INDEXED_PAGES.dicts(search.prefix_query("last0"), 5, 0, 5, RESULT_FIELDS) == []
        assert search._INDEXED_PAGES.dicts(search.prefix_query("last0"), 12, 0, 5, RESULT_FIELDS)
    for number in (1, 2, 3, 9):
        page = search.search_page(criteria, TODAY, number, 5, RESULT_FIELDS)
        expected = page_of(search.search_participants(criteria, TODAY).values(*RESULT_FIELDS), number, 5)
        assert list(page.object_list) == list(expected.object_list), number
        assert (page.number, page.paginator.count) == (expected.number, 12)


def test_searches_with_other_criteria_page_through_the_orm(cast: Any) -> None:
    from staff_console import search
    from staff_console.views.participants import RESULT_FIELDS

    seed(3)
    criteria = search.SearchCriteria(text="last00", phase="phase1")
    search._ONE_WORD_PAGES._compiled.clear()
    search._INDEXED_PAGES._compiled.clear()
    page = search.search_page(criteria, TODAY, 1, 50, RESULT_FIELDS)
    assert [row["email"] for row in page.object_list] == [
        "p1@example.org",
        "p2@example.org",
        "p3@example.org",
    ]
    assert not search._ONE_WORD_PAGES._compiled and not search._INDEXED_PAGES._compiled
