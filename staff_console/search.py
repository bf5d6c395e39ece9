"""Participant search for staff: name, e-mail, license number (exact), organization, phase, status,
mentor, overdue. On PostgreSQL the text filters use the GIN trigram indexes of migration 0002
(they index UPPER(column), which is what `icontains` compares); on SQLite they are plain LIKE."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from django.contrib.auth import get_user_model
from django.core.cache import caches
from django.core.paginator import Page
from django.db import connection
from django.db.models import (
    BooleanField,
    CharField,
    Count,
    Exists,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Window,
)
from django.db.models.expressions import RawSQL

from accounts.pagination import MAX_OFFSET, TOTAL, page_number, page_of, page_of_rows
from accounts.roles import Role
from accounts.sql import CompiledOnce, IdIn
from enrollment.models import OPEN_STATUSES, Enrollment, Invoice, License, ParticipantProfile
from metrics_tokens.models import FidelityAssignment
from study_groups.models import Membership

from .models import ParticipantWords
from .queues import current_end_expression
from .search_sql import PROFILE_WORDS, USER_WORDS, WORD_MATCH, WORDS_TABLE, prefix_query


@dataclass
class SearchCriteria:
    text: str = ""  # words matched against name, legal name and e-mail
    license_number: str = ""  # exact
    organization: str = ""
    phase: str = ""
    status: str = ""
    mentor_id: int | None = None
    overdue: bool = False

    @property
    def empty(self) -> bool:
        return not (
            self.text
            or self.license_number
            or self.organization
            or self.phase
            or self.status
            or self.mentor_id
            or self.overdue
        )


def _latest_enrollment(field: str) -> Subquery:
    rows = (
        Enrollment.objects.filter(participant=OuterRef("pk")).order_by("-start_date", "-id").values(field)[:1]
    )
    return Subquery(rows, output_field=CharField())


def participants_base(within: list[int] | None = None) -> QuerySet[Any]:
    """Everyone with the participant role or a participant profile, with their latest enrollment's
    phase and status and their organization's name annotated (no join fan-out: EXISTS and scalar
    subqueries, which PostgreSQL evaluates after the sort, for a page's rows only).

    `within`: the ids a text search already found. The two tests are then asked of those ids only:
    PostgreSQL answers an OR of EXISTS by hashing the whole subquery, all 50,000 profiles to count a
    thousand matches, unless the subquery itself is narrowed to them. The narrowing lists are hidden
    from the planner (estimated=False): the main query's own list gives it the row estimate, and
    estimating two more copies of a thousand ids element by element took 2 of its 3 ms of planning."""
    User = get_user_model()
    in_group = User.groups.through.objects.filter(user_id=OuterRef("pk"), group__name=Role.PARTICIPANT)
    has_profile = ParticipantProfile.objects.filter(user_id=OuterRef("pk"))
    if within is not None:
        in_group = in_group.filter(IdIn(F("user_id"), within, estimated=False))
        has_profile = has_profile.filter(IdIn(F("user_id"), within, estimated=False))
    return (
        User.objects.filter(Exists(has_profile) | Exists(in_group))
        .select_related("profile", "profile__organization")
        .annotate(**_result_annotations())
    )


RESULT_ORDER = ("last_name", "first_name", "email", "pk")  # the index table has these columns too


def _result_annotations() -> dict[str, Subquery]:
    """A result row's latest phase and status and organization name, as subqueries on the row's pk
    (the participant's id): shared by the ORM's search and the index table's page."""
    organization = (
        ParticipantProfile.objects.filter(user_id=OuterRef("pk")).order_by().values("organization__name")[:1]
    )
    return {
        "latest_phase": _latest_enrollment("phase"),
        "latest_status": _latest_enrollment("status"),
        "organization_name": Subquery(organization, output_field=CharField()),
    }


def overdue_condition(today: date) -> Q:
    """Past their time but still open, an invoice past its due date, or a Fidelity report missing."""
    ended = (
        Enrollment.objects.filter(participant=OuterRef("pk"), status__in=sorted(OPEN_STATUSES))
        .annotate(ends_on=current_end_expression())
        .filter(ends_on__lt=today)
    )
    unpaid = Invoice.objects.filter(participant=OuterRef("pk"), due_on__lt=today, settled_on__isnull=True)
    fidelity = FidelityAssignment.objects.filter(
        participant=OuterRef("pk"),
        submitted_at__isnull=True,
        exercise__deadline__lt=today,
        enrollment__status__in=sorted(OPEN_STATUSES),
    )
    return Q(Exists(ended)) | Q(Exists(unpaid)) | Q(Exists(fidelity))


TEXT_MATCH_CAP = 2000  # more matches than this: filter with subqueries instead of an id list


def _word_match_query(query: str) -> QuerySet[Any]:
    """The ids of users with a word in their name or e-mail, or in their legal name, matching the
    tsquery `query` (at most TEXT_MATCH_CAP + 1 of them)."""
    User = get_user_model()
    users = (
        # Constant SQL from search_sql.py; the typed word is a query parameter.
        User.objects.filter(RawSQL(f"{USER_WORDS} @@ to_tsquery('simple', %s)", [query], BooleanField()))  # noqa: S611
        .order_by()
        .values_list("pk", flat=True)
    )
    profiles = (
        ParticipantProfile.objects.filter(
            RawSQL(f"{PROFILE_WORDS} @@ to_tsquery('simple', %s)", [query], BooleanField())  # noqa: S611
        )
        .order_by()
        .values_list("user_id", flat=True)
    )
    return users.union(profiles)[: TEXT_MATCH_CAP + 1]


_WORD_MATCHES = CompiledOnce(_word_match_query)  # one query per searched word


def _word_matches(word: str) -> list[int] | None:
    """PostgreSQL: the users with a word in their name or e-mail (or legal name) that starts with
    `word`, from the full-text indexes of migration 0003 (a handful of index pages, whatever the
    number of participants). None elsewhere, or when nothing starts with it."""
    if connection.vendor != "postgresql":
        return None
    query = prefix_query(word)
    if query is None:
        return None
    ids = [row[0] for row in _WORD_MATCHES.rows(query)]
    return ids or None


def _text_condition(word: str) -> tuple[Q, list[int] | None]:
    """Users whose first name, last name, e-mail or legal name has a word starting with `word`
    (PostgreSQL's full-text indexes); failing that, or on SQLite, containing it anywhere: a UNION of
    one LIKE per column, so PostgreSQL answers each from its trigram index (migration 0002; an OR of
    the three user columns made it scan the table instead). With the condition, the matching ids
    when they are few enough to list (None when they are not)."""
    return _condition_from(word, _word_matches(word))


def _condition_from(word: str, ids: list[int] | None) -> tuple[Q, list[int] | None]:
    """_text_condition once the full-text matches of `word` are known (None: none)."""
    if ids is not None and len(ids) <= TEXT_MATCH_CAP:
        return Q(IdIn(F("pk"), ids)), ids
    User = get_user_model()
    parts = [
        User.objects.filter(**{f"{column}__icontains": word}).order_by().values_list("pk", flat=True)
        for column in ("first_name", "last_name", "email")
    ]
    on_profile = (
        ParticipantProfile.objects.filter(legal_name__icontains=word)
        .order_by()
        .values_list("user_id", flat=True)
    )
    if ids is None:
        ids = list(parts[0].union(parts[1], parts[2], on_profile)[: TEXT_MATCH_CAP + 1])
        if len(ids) <= TEXT_MATCH_CAP:
            # A short list: the main query starts from it (primary-key lookups).
            return Q(IdIn(F("pk"), ids)), ids
    return (
        Q(pk__in=parts[0]) | Q(pk__in=parts[1]) | Q(pk__in=parts[2]) | Q(pk__in=on_profile),
        None,
    )  # too broad for a list: the same conditions as subqueries


def search_participants(criteria: SearchCriteria, today: date) -> QuerySet[Any]:
    """The participants matching every criterion (each text word in some name or the e-mail; one
    query per word, at most five, finds its matches first)."""
    return _search_query(criteria, today, [_text_condition(word) for word in criteria.text.split()[:5]])


def _search_query(
    criteria: SearchCriteria, today: date, words: list[tuple[Q, list[int] | None]]
) -> QuerySet[Any]:
    """search_participants once each text word's condition is known (and its matches, when listed)."""
    within: set[int] | None = None
    for _condition, ids in words:
        if ids is not None:
            within = set(ids) if within is None else within & set(ids)
    qs = participants_base(sorted(within) if within is not None else None)
    for condition, _ids in words:
        qs = qs.filter(condition)
    if criteria.license_number:
        qs = qs.filter(
            Exists(
                License.objects.filter(
                    profile__user_id=OuterRef("pk"), number=criteria.license_number.strip()
                )
            )
        )
    if criteria.organization:
        qs = qs.filter(profile__organization__name__icontains=criteria.organization)
    if criteria.phase or criteria.status:
        enrollments = Enrollment.objects.filter(participant=OuterRef("pk"))
        if criteria.phase:
            enrollments = enrollments.filter(phase=criteria.phase)
        if criteria.status:
            enrollments = enrollments.filter(status=criteria.status)
        qs = qs.filter(Exists(enrollments))
    if criteria.mentor_id:
        qs = qs.filter(
            Exists(
                Membership.objects.filter(
                    participant=OuterRef("pk"), status="active", group__mentors__id=criteria.mentor_id
                )
            )
        )
    if criteria.overdue:
        qs = qs.filter(overdue_condition(today))
    return qs.order_by(*RESULT_ORDER)


def _one_word_page(ids: list[int], offset: int, limit: int, fields: tuple[str, ...]) -> QuerySet[Any]:
    """A page of the participants among `ids`, one searched word's matches and no other criterion:
    what search_page reads with SQL compiled once."""
    found = _search_query(SearchCriteria(), date.min, [(Q(IdIn(F("pk"), ids)), ids)])
    return found.values(*fields).annotate(**{TOTAL: Window(Count("*"))})[offset : offset + limit]


_ONE_WORD_PAGES = CompiledOnce(_one_word_page)


def _indexed_page(query: str, cap: int, offset: int, limit: int, fields: tuple[str, ...]) -> QuerySet[Any]:
    """A page of the participants whose words match the tsquery `query`, read from the search's index
    table alone (PostgreSQL, staff_console.models.ParticipantWords): the rows _one_word_page gives for
    the word's matches. No rows when the word matches more than `cap` users, participants or not (the
    ORM's search then looks for it with subqueries): the database counts them first, up to cap + 1,
    and reads nothing more when there are too many."""
    within_cap = (
        f"(SELECT COUNT(*) FROM (SELECT 1 FROM {WORDS_TABLE} WHERE {WORD_MATCH} LIMIT %s) nmt_capped) <= %s"  # noqa: S608
    )
    return (
        ParticipantWords.objects.filter(
            # Constant SQL from search_sql.py; the word and the cap are parameters.
            RawSQL(within_cap, [query, query, cap + 1, cap], BooleanField()),  # noqa: S611
            RawSQL(WORD_MATCH, [query, query], BooleanField()),  # noqa: S611
            is_participant=True,
        )
        .annotate(**_result_annotations())
        .order_by(*RESULT_ORDER)
        .values(*fields)
        .annotate(**{TOTAL: Window(Count("*"))})[offset : offset + limit]
    )


_INDEXED_PAGES = CompiledOnce(_indexed_page)


def search_page(
    criteria: SearchCriteria, today: date, number: Any, per_page: int, fields: tuple[str, ...]
) -> Page:
    """Page `number` of search_participants(criteria, today).values(*fields), as page_of reads it.

    The commonest search, one word and nothing else, is read in one statement compiled once per page
    offset from the search's index table (_indexed_page; building and compiling the queryset took
    6 ms against the database's 3 ms). The table holds each user's words and sort columns, so a broad
    word (a thousand matches) is one index scan of narrow rows: in process, 6 ms less a page than
    finding the matches in the two tables' word indexes and reading their user and profile rows.
    Nothing found that way (no participant among the matches, more matches than TEXT_MATCH_CAP, a
    page past the end, or no match at all, when the search looks for the word anywhere in the names)
    is asked again through the ORM, as is every other search."""
    words = criteria.text.split()[:5]
    known_empty = False
    if len(words) == 1 and replace(criteria, text="").empty and connection.vendor == "postgresql":
        word = words[0]
        wanted = page_number(number)
        offset = (wanted - 1) * per_page
        readable = offset <= MAX_OFFSET
        query = prefix_query(word)
        if query is not None and readable:
            rows = _INDEXED_PAGES.dicts(query, TEXT_MATCH_CAP, offset, per_page, fields)
            if rows:
                return page_of_rows(rows, wanted, per_page)
        matches = _word_matches(word)
        condition, ids = _condition_from(word, matches)
        if readable and ids:
            if matches is not None and len(matches) <= TEXT_MATCH_CAP:
                # The statement above read this page among these very matches and found nothing.
                known_empty = True
            else:  # the matches of the word anywhere in the names: their page, compiled too
                rows = _ONE_WORD_PAGES.dicts(ids, offset, per_page, fields)
                if rows:
                    return page_of_rows(rows, wanted, per_page)
                known_empty = True
        # The rest through the ORM: a page read above that came back empty (past the end, an old link,
        # or no participant among the matches) is counted and the last page shown (known_empty).
        found = _search_query(criteria, today, [(condition, ids)])
    else:
        found = search_participants(criteria, today)
    return page_of(found.values(*fields), number, per_page, known_empty=known_empty)


def mentors() -> QuerySet[Any]:
    return get_user_model().objects.filter(groups__name=Role.MENTOR).order_by("last_name", "first_name")


MENTOR_CHOICES_SECONDS = 60


def mentor_choices() -> list[tuple[str, str]]:
    """(id, name) of every mentor, for the search form's menu: kept a minute in each process's own
    memory (the "local" cache), since every search page shows it and the list changes rarely (a new
    mentor appears within the minute); asking the shared cache for it took a round trip a page."""

    def load() -> list[tuple[str, str]]:
        return [(str(m.pk), m.get_full_name() or m.email) for m in mentors()]

    choices = caches["local"].get_or_set("staff_console:mentor_choices", load, MENTOR_CHOICES_SECONDS)
    return list(choices or [])
