"""The staff work queues, as a small table of definitions that one generic view, the CSV export and
the API all read. Each queue is a queryset of things waiting for staff, the field that says how long
each has waited, where its participant is, the columns to show and where staff act on an item."""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.paginator import EmptyPage, Page, Paginator
from django.db.models import (
    DateField,
    Exists,
    F,
    Func,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
)
from django.db.models.functions import Coalesce, Greatest

from accounts.pagination import MAX_OFFSET, page_number
from accounts.sql import CompiledOnce
from accounts.urlcache import id_url, reverse_fixed
from enrollment.models import (
    ENROLLED_STATUSES,
    OPEN_STATUSES,
    TRAINING_PHASES,
    Application,
    ApplicationStatus,
    Enrollment,
    ExtensionRequest,
    Invoice,
    Phase,
    RequestStatus,
    TransitionRequest,
)
from enrollment.selectors import invoices_with_balance_only
from maintenance.models import Presentation, PresentationStatus
from metrics_tokens.models import FidelityAssignment
from requirements_tracking.models import Checklist, ChecklistStatus
from study_groups.models import Membership, MembershipStatus


@dataclass(frozen=True)
class Column:
    label: str
    value: Callable[[Any], Any]
    sort: str = ""  # an order_by field, or "" when the column cannot be sorted
    nowrap: bool = False  # dates and amounts: kept on one line


@dataclass(frozen=True)
class QueueDef:
    key: str
    title: str
    description: str
    queryset: Callable[[date], QuerySet[Any]]
    waiting_field: str  # how long an item has waited (or, for "ending", when it ends)
    participant_path: str  # the lookup from an item to its participant
    columns: tuple[Column, ...]
    link_view: str  # where an item's button leads: a URL name
    link_id: Callable[[Any], int] | None = None  # the id that URL takes from the item (None: it takes none)
    link_label: str = "Open"
    phase_path: str = ""  # the lookup to a phase, for the phase filter ("" = no filter)
    ending: bool = False  # True: waiting_field is a future date (soonest first), not an age
    remindable: bool = True
    related: tuple[str, ...] = ()  # prefetched for the rows shown (default: the participant)
    assignable: bool = False  # bulk action: add the chosen enrollments' participants to a study group
    default_sort: str = ""
    extra_sorts: dict[str, str] = field(default_factory=dict)
    index_ordered: bool = False  # an index holds exactly the queue's items in waiting order

    def link(self, item: Any) -> str:
        return self.links()(item)

    def links(self) -> Callable[[Any], str]:
        """Each item's link, its URL worked out once (a page links fifty rows)."""
        if self.link_id is None:
            url = reverse_fixed(self.link_view)
            return lambda item: url
        url_of, link_id = id_url(self.link_view), self.link_id
        return lambda item: url_of(link_id(item))

    def participant_of(self, item: Any) -> Any:
        obj = item
        for part in self.participant_path.split("__"):
            obj = getattr(obj, part)
        return obj


@functools.cache
def _labels(model: Any, name: str) -> dict[Any, Any]:
    return dict(model._meta.get_field(name).flatchoices)


def _label_of(obj: Any, name: str) -> str:
    """What obj.get_<name>_display() gives, from the field's choices read once: Django builds their
    dictionary again at every call (8 µs, a tenth of a queue row's time)."""
    value = getattr(obj, name)
    model: Any = type(obj)
    return str(_labels(model, name).get(value, value))


def _name(user: Any) -> str:
    return user.get_full_name() or user.email


def _participant_columns(path: str) -> tuple[Column, ...]:
    def who(item: Any) -> Any:
        obj = item
        for part in path.split("__"):
            obj = getattr(obj, part)
        return obj

    return (
        Column("Participant", lambda i: _name(who(i)), f"{path}__last_name"),
        Column("E-mail", lambda i: who(i).email, f"{path}__email"),
    )


def _d(value: Any) -> str:
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return "" if value is None else str(value)


def money(value: Any) -> str:
    return f"{Decimal(value or 0):.2f}"


def current_end_expression() -> Any:
    """The first day after an enrollment's time (term, free extension, paid continuation), in SQL."""
    return Greatest(
        F("term_end"),
        Coalesce(F("extension_end"), F("term_end")),
        Coalesce(F("paid_through"), F("term_end")),
        output_field=DateField(),
    )


def ending_window_days() -> int:
    return int(settings.STAFF_ENDING_WINDOW_DAYS)


# --- Querysets -------------------------------------------------------------------------------------


def _applications(today: date) -> QuerySet[Any]:
    return Application.objects.filter(
        status__in=[ApplicationStatus.SUBMITTED, ApplicationStatus.INFO_REQUESTED]
    )


def _transitions(today: date) -> QuerySet[Any]:
    return TransitionRequest.objects.filter(status=RequestStatus.PENDING)


def _checklists(today: date) -> QuerySet[Any]:
    return Checklist.objects.filter(status=ChecklistStatus.SIGNED)


def _extensions(today: date) -> QuerySet[Any]:
    return ExtensionRequest.objects.filter(status=RequestStatus.PENDING)


def _presentations(today: date) -> QuerySet[Any]:
    return Presentation.objects.filter(status=PresentationStatus.SUBMITTED)


def _flagged(today: date) -> QuerySet[Any]:
    return Enrollment.objects.filter(phase=Phase.MAINTENANCE, flagged_for_review=True)


def _fidelity_missing(today: date) -> QuerySet[Any]:
    """Fidelity reports not submitted although the exercise's deadline has passed, for open enrollments."""
    return FidelityAssignment.objects.filter(
        submitted_at__isnull=True,
        exercise__deadline__lt=today,
        enrollment__status__in=sorted(OPEN_STATUSES),
    )


def _unpaid(today: date) -> QuerySet[Any]:
    # Open invoices by their settled marker (a partial index); the balance is annotated alone, so that
    # PostgreSQL sums the payments and waivers after the sort, for the page's rows only.
    return invoices_with_balance_only(Invoice.objects.filter(settled_on__isnull=True))


def _ending(today: date) -> QuerySet[Any]:
    return (
        Enrollment.objects.filter(status__in=sorted(OPEN_STATUSES))
        .annotate(ends_on=current_end_expression())
        .filter(ends_on__gte=today, ends_on__lte=today + timedelta(days=ending_window_days()))
    )


def _without_group(today: date) -> QuerySet[Any]:
    """Enrolled Phase I and Phase II/TTT participants with no place (or waitlist place) in a study group
    for that enrollment."""
    placed = Membership.objects.filter(
        enrollment=OuterRef("pk"), status__in=[MembershipStatus.ACTIVE, MembershipStatus.WAITLISTED]
    )
    return Enrollment.objects.filter(
        status__in=sorted(ENROLLED_STATUSES), phase__in=sorted(TRAINING_PHASES)
    ).filter(~Exists(placed))


# --- The table -------------------------------------------------------------------------------------

QUEUES: dict[str, QueueDef] = {
    q.key: q
    for q in (
        QueueDef(
            key="applications",
            title="Applications to review",
            description="Submitted applications, and those waiting for information staff asked for.",
            queryset=_applications,
            waiting_field="submitted_at",
            participant_path="participant",
            columns=(
                *_participant_columns("participant"),
                Column("Status", lambda i: _label_of(i, "status"), "status"),
                Column("Pre-Requisite Series", lambda i: "yes" if i.prerequisite_required else "no"),
                Column("Submitted", lambda i: _d(i.submitted_at), "submitted_at", nowrap=True),
            ),
            link_view="enrollment:staff_application",
            link_id=lambda i: i.pk,
            link_label="Review",
        ),
        QueueDef(
            key="transitions",
            title="Phase transition requests",
            description="Participants asking to move on to the next phase.",
            queryset=_transitions,
            waiting_field="requested_at",
            participant_path="enrollment__participant",
            phase_path="enrollment__phase",
            columns=(
                *_participant_columns("enrollment__participant"),
                Column("From", lambda i: _label_of(i.enrollment, "phase"), "enrollment__phase"),
                Column("To", lambda i: _label_of(i, "to_phase"), "to_phase"),
                Column("Requested", lambda i: _d(i.requested_at), "requested_at", nowrap=True),
            ),
            link_view="enrollment:staff_transitions",
            link_label="Decide",
        ),
        QueueDef(
            key="checklists",
            title="Signed checklists to verify",
            description="Checklists participants signed, waiting for staff verification.",
            queryset=_checklists,
            waiting_field="signed_at",
            participant_path="enrollment__participant",
            phase_path="enrollment__phase",
            columns=(
                *_participant_columns("enrollment__participant"),
                Column("Phase", lambda i: _label_of(i.enrollment, "phase"), "enrollment__phase"),
                Column("Version", lambda i: i.version, "version"),
                Column("Signed", lambda i: _d(i.signed_at), "signed_at", nowrap=True),
            ),
            link_view="requirements_tracking:checklist_detail",
            link_id=lambda i: i.pk,
            link_label="Verify",
            remindable=False,
        ),
        QueueDef(
            key="extensions",
            title="Extension requests",
            description="Participants asking for more time.",
            queryset=_extensions,
            waiting_field="requested_at",
            participant_path="enrollment__participant",
            phase_path="enrollment__phase",
            columns=(
                *_participant_columns("enrollment__participant"),
                Column("Phase", lambda i: _label_of(i.enrollment, "phase"), "enrollment__phase"),
                Column("Months", lambda i: i.months, "months"),
                Column("Reason", lambda i: i.reason),
                Column("Requested", lambda i: _d(i.requested_at), "requested_at", nowrap=True),
            ),
            link_view="enrollment:staff_extensions",
            link_label="Decide",
        ),
        QueueDef(
            key="presentations",
            title="Presentations to review",
            description="Trainers' presentations waiting for NMN review.",
            queryset=_presentations,
            waiting_field="created_at",
            participant_path="trainer",
            columns=(
                *_participant_columns("trainer"),
                Column("Title", lambda i: i.title, "title"),
                Column("Planned", lambda i: _d(i.planned_on), "planned_on", nowrap=True),
                Column("Submitted", lambda i: _d(i.created_at), "created_at", nowrap=True),
            ),
            link_view="maintenance:presentation_detail",
            link_id=lambda i: i.pk,
            link_label="Review",
        ),
        QueueDef(
            key="flagged",
            title="Flagged Maintenance years",
            description="Maintenance years that did not meet their requirements: staff decide.",
            queryset=_flagged,
            waiting_field="term_end",
            participant_path="participant",
            columns=(
                *_participant_columns("participant"),
                Column("Year", lambda i: i.year_number, "year_number"),
                Column("Status", lambda i: _label_of(i, "status"), "status"),
                Column("Year ended", lambda i: _d(i.term_end), "term_end", nowrap=True),
                Column("Why", lambda i: i.flag_reason),
            ),
            link_view="maintenance:flagged",
            link_label="Decide",
        ),
        QueueDef(
            key="fidelity",
            title="Fidelity submissions missing",
            description="Fidelity reports not submitted by the exercise's deadline (open enrollments).",
            queryset=_fidelity_missing,
            waiting_field="exercise__deadline",
            participant_path="participant",
            related=("participant", "exercise", "enrollment"),
            phase_path="enrollment__phase",
            columns=(
                *_participant_columns("participant"),
                Column("Exercise", lambda i: i.exercise.year, "exercise__year"),
                Column("Phase", lambda i: _label_of(i.enrollment, "phase"), "enrollment__phase"),
                Column("Deadline", lambda i: _d(i.exercise.deadline), "exercise__deadline", nowrap=True),
            ),
            link_view="metrics_tokens:fidelity_staff_detail",
            link_id=lambda i: i.exercise_id,
        ),
        QueueDef(
            key="unpaid",
            title="Unpaid invoices",
            description="Invoices with a balance left to pay.",
            queryset=_unpaid,
            waiting_field="issued_on",
            index_ordered=True,  # invoice_open_by_issue
            participant_path="participant",
            columns=(
                *_participant_columns("participant"),
                Column("Invoice", lambda i: i.description),
                Column("Kind", lambda i: _label_of(i, "kind"), "kind"),
                Column("Amount", lambda i: money(i.amount), "amount", nowrap=True),
                Column("Balance", lambda i: money(i.balance), "balance", nowrap=True),
                Column("Issued", lambda i: _d(i.issued_on), "issued_on", nowrap=True),
                Column("Due", lambda i: _d(i.due_on), "due_on", nowrap=True),
            ),
            link_view="enrollment:staff_participant",
            link_id=lambda i: i.participant_id,
            link_label="Record payment",
        ),
        QueueDef(
            key="no_group",
            title="Without a study group",
            description="Enrolled in Phase I or Phase II/TTT, with no place in a study group.",
            queryset=_without_group,
            waiting_field="start_date",
            participant_path="participant",
            phase_path="phase",
            assignable=True,
            columns=(
                *_participant_columns("participant"),
                Column("Phase", lambda i: _label_of(i, "phase"), "phase"),
                Column("Status", lambda i: _label_of(i, "status"), "status"),
                Column("Started", lambda i: _d(i.start_date), "start_date", nowrap=True),
            ),
            link_view="study_groups:index",
            link_label="Groups",
        ),
        QueueDef(
            key="ending",
            title="Ending or lapsing soon",
            description="Open enrollments whose time ends within the next days.",
            queryset=_ending,
            waiting_field="ends_on",
            participant_path="participant",
            phase_path="phase",
            ending=True,
            columns=(
                *_participant_columns("participant"),
                Column("Phase", lambda i: _label_of(i, "phase"), "phase"),
                Column("Status", lambda i: _label_of(i, "status"), "status"),
                Column("Ends", lambda i: _d(i.ends_on), "ends_on", nowrap=True),
            ),
            link_view="staff_console:participant",
            link_id=lambda i: i.participant_id,
            link_label="Record",
        ),
    )
}


def get_queue(key: str) -> QueueDef | None:
    return QUEUES.get(key)


def sort_options(queue: QueueDef) -> list[str]:
    return [c.sort for c in queue.columns if c.sort]


def ordered_by_index(queue: QueueDef, params: Any) -> bool:
    """Whether the queue's page in these filters is read in an index's order, by index_page: no
    filter or sort, and nothing to prefetch (index_page joins the participant alone)."""
    return (
        queue.index_ordered and not queue.related and not any(params.get(k) for k in ("q", "phase", "sort"))
    )


def filtered(queue: QueueDef, today: date, params: Any) -> QuerySet[Any]:
    """The queue's items after the page's filters (q: name or e-mail; phase) and sort."""
    qs = queue.queryset(today)
    text = (params.get("q") or "").strip()
    if text:
        p = queue.participant_path
        qs = qs.filter(
            Q(**{f"{p}__email__icontains": text})
            | Q(**{f"{p}__first_name__icontains": text})
            | Q(**{f"{p}__last_name__icontains": text})
        )
    phase = params.get("phase") or ""
    if queue.phase_path and phase in Phase.values:
        qs = qs.filter(**{queue.phase_path: phase})
    sort = params.get("sort") or ""
    order = [sort, "pk"] if sort.lstrip("-") in sort_options(queue) else [queue.waiting_field, "pk"]
    qs = qs.annotate(waiting=F(queue.waiting_field)).order_by(*order)
    if ordered_by_index(queue, params):
        # Read in index order up to the page: the people are joined for the page's rows alone.
        own = [f.attname for f in qs.model._meta.concrete_fields]
        person = [f"{queue.participant_path}__{name}" for name in PERSON_FIELDS]
        return qs.select_related(queue.participant_path).only(*own, *person)
    # Related rows are prefetched for the page only: joining them for every waiting item before the
    # sort and LIMIT cost more than the two or three small queries (at 50,000 participants).
    return qs.prefetch_related(
        *(_prefetch(qs.model, path) for path in queue.related or (queue.participant_path,))
    )


PERSON_FIELDS = ("id", "email", "first_name", "last_name")  # what a row shows of a person


def _in_index_order(_value: None, key: str, today: date) -> QuerySet[Any]:
    return filtered(QUEUES[key], today, {})


QUEUE_TOTAL = "queue_total"  # the attribute of an index page's items that holds the queue's length


def _index_page(_value: None, key: str, today: date, offset: int, limit: int) -> QuerySet[Any]:
    """A page of the queue in index order, each item with the queue's length (QUEUE_TOTAL): a count
    the database works out once for the statement, so the page and its count are one round trip."""
    in_order = _in_index_order(None, key, today)
    # COUNT as a plain function: the ORM would group by the row for an aggregate annotation.
    length = in_order.order_by().annotate(n=Func(F("pk"), function="COUNT")).values("n")
    # The page's ids first, from the index alone; the people and the rest of each row are then read
    # for those ids only. Sliced as a whole, the statement joined the person (and worked out the
    # balance) of every item it skipped: page 5 read 250 people to show 50.
    page_ids = in_order.values("pk")[offset : offset + limit]
    return in_order.filter(pk__in=page_ids).annotate(
        **{QUEUE_TOTAL: Subquery(length, output_field=IntegerField())}
    )


_INDEX_COUNTS = CompiledOnce(_in_index_order)
_INDEX_PAGES = CompiledOnce(_index_page)


def index_page(queue: QueueDef, today: date, number: Any, per_page: int) -> Page:
    """Page `number` of a queue read in its index's order, with no filter or sort: what
    page_of(filtered(...), ordered_by_index=True) gives (the last page for a number past the end),
    read with its count in one statement compiled once a day for each page
    (accounts.sql.CompiledOnce): building and compiling the page's queryset and its count took 6 ms
    against the database's 3 ms, and the count's own round trip another 0.4 ms. A page that comes
    back empty (past the end, or nothing waiting) is counted on its own and the last page read."""
    paginator: Paginator = Paginator([], per_page)
    wanted = page_number(number)
    if (wanted - 1) * per_page <= MAX_OFFSET:
        items = _INDEX_PAGES.instances(None, queue.key, today, (wanted - 1) * per_page, per_page)
        if items:
            paginator.count = getattr(items[0], QUEUE_TOTAL)  # type: ignore[misc] # a cached_property
            return Page(items, wanted, paginator)
    paginator.count = _INDEX_COUNTS.count(None, queue.key, today)  # type: ignore[misc] # a cached_property
    try:
        wanted = paginator.validate_number(wanted)
    except EmptyPage:
        wanted = paginator.num_pages
    items = (
        _INDEX_PAGES.instances(None, queue.key, today, (wanted - 1) * per_page, per_page)
        if paginator.count
        else []
    )
    return Page(items, wanted, paginator)


def _prefetch(model: Any, path: str) -> str | Prefetch:
    """People are read with the fields a row shows only (no password hash, no timestamps to parse):
    a path that ends at the user model, whatever its name, is prefetched with PERSON_FIELDS."""
    for part in path.split("__"):
        model = model._meta.get_field(part).related_model
    if model is get_user_model():
        return Prefetch(path, queryset=model.objects.only(*PERSON_FIELDS))
    return path


def row_values(queue: QueueDef, item: Any) -> list[Any]:
    return [c.value(item) for c in queue.columns]
