"""Demo data for the staff console's work queues (runs last, after every other app's demo; idempotent).

The other demos leave five of the staff home's queues empty. This one adds a few obviously fake
clinicians (…@example.org) and takes them there through the apps' own services:

- **Phase I finished** (they started fourteen to fifteen months ago; the term ended, the automatic free
  extension runs): every session and reading ticked, a call of each series attended every month, the
  study group's meetings, ten metric reports, last year's Fidelity Exercise submitted and self-scored,
  the policy agreement signed, then the checklist signed.
  Casey Example: staff verified the checklist; Casey asks to move on to Phase II/TTT.
  Devon Placeholder: asks to move on to Maintenance; the signed checklist waits for verification.
  Harper Sample: staff returned the first version (a seminar dated before Phase I started); Harper
  corrected the date and signed version 2, which waits for verification.
  Signing re-authenticates the signer with their password, so these three have the demo password and
  can sign in; everyone else here cannot.
- **Behind and asking for more time**: Emerson Fictional (term ends in three weeks) and Finley Example,
  in the same study group with gaps in their attendance.
- **Last year's Fidelity Exercise** (deadline 24 days ago, results published): created through the
  service, so it is assigned to everyone enrolled now, which includes the other demos' participants.
  Whoever did not submit is in "Fidelity submissions missing".
- **New and not in a study group**: Gray Demo, Hayden Placeholder and Jules Example applied, staff
  approved them with a start date 19, 11 and 4 days ago; nobody has placed them in a group yet.

The services stamp what they record with the current time. Extension requests are moved back to the
day the story says they were made, so the home's "oldest waiting" column has something to show.
Signatures and the transition requests that must follow them stay as the services stamp them (a
signature also needs the policy agreement, which the migrations publish on the day the database is
made, so no signature can predate the database).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from allauth.account.models import EmailAddress
from django.core.files.base import ContentFile
from django.utils import timezone

from accounts.demo import DEMO_PASSWORD
from accounts.models import User
from accounts.roles import Role
from accounts.services import user_grant_role
from enrollment import services as enrollment_services
from enrollment.dates import add_months
from enrollment.demo import pay_phase_fee
from enrollment.models import (
    Degree,
    Enrollment,
    ExtensionRequest,
    Organization,
    PaymentMethod,
    Phase,
    RequestStatus,
)
from metrics_tokens.models import FidelityAssignment, FidelityExercise, ReportType
from metrics_tokens.services import (
    fidelity_exercise_create,
    fidelity_mark_self_scored,
    fidelity_publish_results,
    report_record,
)
from requirements_tracking.call_services import call_attendance_record
from requirements_tracking.models import (
    CallSeries,
    Checklist,
    ChecklistEntry,
    ChecklistRequirement,
    Kind,
    Mode,
)
from requirements_tracking.schedule import occurrences_between
from requirements_tracking.selectors import progress_for_enrollments
from requirements_tracking.services import (
    agreement_sign,
    checklist_get_or_create,
    checklist_review,
    checklist_sign,
    current_agreement,
    current_attestation,
    entry_record,
    entry_undo,
    expected_signer_name,
    progress_day,
    today_for,
)
from study_groups.models import GroupKind, Meeting, MeetingStatus, Membership, StudyGroup
from study_groups.services import (
    attendance_record,
    group_create,
    meetings_materialize,
    members_at,
    membership_add,
)

STAFF_EMAIL = "staff@example.org"
MENTOR_EMAIL = "mentor@example.org"
NORTHSIDE = "Northside Children's Clinic"
HARBOUR = "Harbour Youth Trust"
GROUP_NAME = "Monday Certification Study Group"
GROUP_RULE = "FREQ=MONTHLY;BYDAY=MO;BYSETPOS=2,4"  # 2nd and 4th Monday, clear of the program's calls
SIGNING_USER_AGENT = "nmt-cert demo seed"
# Last year's Fidelity Exercise closed this many days ago (this year's is metrics_tokens' demo).
PAST_DEADLINE_DAYS_AGO = 24

CASE_ABSTRACT = b"""NMT Fidelity Exercise - case abstract (demo)

"M." is a 12-year-old whose school reports sudden withdrawal after a family move. Score M.'s current
functioning with the NMT metric tools from the developmental history below and submit your Fidelity
report by the deadline. (Fictional case written for the demo.)
"""
SCORED_REPORT = b"""NMT Fidelity Exercise - scored report for the case of M. (demo)

The reference scoring, domain by domain, with the reasons for each score. (Fictional, for the demo.)
"""


@dataclass(frozen=True)
class Clinician:
    email: str
    first_name: str
    last_name: str
    months_ago: int  # Phase I starts this many months before today…
    days_later: int = 0  # …plus this many days
    organization: str = ""
    time_zone: str = "America/New_York"
    prior_series: bool = True  # without a prior Case-based Training Series: the Pre-Requisite Series
    attendance: tuple[str, ...] = ("present", "present", "recording")  # study-group pattern
    fee_paid: bool = True

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    def start(self, today: date) -> date:
        return add_months(today, -self.months_ago) + timedelta(days=self.days_later)


@dataclass(frozen=True)
class Finished(Clinician):
    move_to: str = ""  # asks to move on to this phase ("" = has not asked yet)
    verified: bool = False  # staff verified the signed checklist
    returned_once: bool = False  # staff returned version 1 for a wrong date; version 2 is signed
    reason: str = ""


@dataclass(frozen=True)
class Behind(Clinician):
    months: int = 3
    reason: str = ""
    asked_days_ago: int = 0
    share_done: float = 0.5  # of the sessions, readings and calls recorded so far


FINISHED = (
    Finished(
        "casey.example@example.org",
        "Casey",
        "Example",
        15,
        10,
        NORTHSIDE,
        move_to=Phase.PHASE_2,
        verified=True,
        reason="I would like to go on to the Train-the-Trainer program with our clinic's next cohort.",
    ),
    Finished(
        "devon.placeholder@example.org",
        "Devon",
        "Placeholder",
        14,
        2,
        HARBOUR,
        time_zone="Europe/London",
        move_to=Phase.MAINTENANCE,
        reason="Phase I is complete; I will keep my certification current through Maintenance.",
    ),
    Finished(
        "harper.sample@example.org",
        "Harper",
        "Sample",
        14,
        20,
        time_zone="America/Chicago",
        returned_once=True,
    ),
)
BEHIND = (
    Behind(
        "emerson.fictional@example.org",
        "Emerson",
        "Fictional",
        12,
        21,
        NORTHSIDE,
        attendance=("present", "absent", "recording", "excused", "present", "absent"),
        months=3,
        reason="Parental leave from January to March: I will miss six study-group meetings and the calls.",
        asked_days_ago=16,
        share_done=0.6,
    ),
    Behind(
        "finley.example@example.org",
        "Finley",
        "Example",
        10,
        3,
        HARBOUR,
        time_zone="Europe/London",
        attendance=("present", "recording", "absent", "present"),
        months=2,
        reason="Our clinic closed for two months for building work, so I could not see clients for the "
        "metric reports.",
        asked_days_ago=5,
        share_done=0.45,
    ),
)
NEWCOMERS = (
    Clinician("gray.demo@example.org", "Gray", "Demo", 0, -19, NORTHSIDE),
    Clinician(
        "hayden.placeholder@example.org",
        "Hayden",
        "Placeholder",
        0,
        -11,
        time_zone="America/Denver",
        prior_series=False,
        fee_paid=False,
    ),
    Clinician("jules.example@example.org", "Jules", "Example", 0, -4, HARBOUR),
)


@dataclass
class Story:
    """What this run made (a second run finds everyone and makes nothing)."""

    finished: list[tuple[Finished, User, Enrollment]] = field(default_factory=list)
    behind: list[tuple[Behind, User, Enrollment]] = field(default_factory=list)
    newcomers: list[Enrollment] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def _say(out: Any, text: str) -> None:
    if out is not None:
        out.write(text + "\n")


def _person(c: Clinician, *, can_sign_in: bool) -> tuple[User, bool]:
    """The clinician's account, and whether it is new (then their story is still to be made)."""
    user, created = User.objects.get_or_create(
        email=c.email,
        defaults={"first_name": c.first_name, "last_name": c.last_name, "time_zone": c.time_zone},
    )
    if created:
        if can_sign_in:
            user.set_password(DEMO_PASSWORD)
            EmailAddress.objects.get_or_create(
                user=user, email=c.email, defaults={"verified": True, "primary": True}
            )
        else:
            user.set_unusable_password()
        user.save(update_fields=["password"])
        user_grant_role(actor=None, user=user, role=Role.PARTICIPANT, reason="demo data")
    fresh = not Enrollment.objects.filter(participant=user).exists()
    return user, fresh


def _profile_values(c: Clinician, user: User, today: date) -> dict[str, Any]:
    return {
        "legal_name": c.full_name,
        "organization": Organization.objects.filter(name=c.organization).first() if c.organization else None,
        "currently_practicing": True,
        "populations_served": ["children", "youth", "families"],
        "practice_setting": "Community mental health clinic",
        "prior_case_based_series": c.prior_series,
        "degrees": [
            {
                "level": Degree.Level.MASTER,
                "field": "Social work",
                "institution": "Example University",
                "year": 2014,
            }
        ],
        "licenses": [
            {
                "license_type": "LCSW",
                "number": f"DEMO-{user.pk:05d}",
                "jurisdiction": "Oregon",
                "expires_on": date(today.year + 2, 6, 30),
            }
        ],
    }


def _paid_phase1(c: Clinician, user: User, today: date) -> Enrollment:
    """A Phase I enrollment from before (as imported records would be), its fee paid at the start."""
    enrollment_services.profile_update(actor=user, participant=user, **_profile_values(c, user, today))
    start = c.start(today)
    enrollment = enrollment_services.enrollment_open(
        actor=None,
        participant=user,
        phase=Phase.PHASE_1,
        start_date=start,
        prerequisite_required=not c.prior_series,
        reason="demo data",
    )
    pay_phase_fee(enrollment, start)
    return enrollment


def _free_extension_if_term_ended(enrollment: Enrollment, today: date) -> None:
    """What the daily job does when a Phase I term ends: the policy's free extension, at no cost."""
    months = enrollment_services.free_extension_left(enrollment)
    if enrollment.term_end <= today and months:
        enrollment_services.enrollment_grant_free_extension(
            actor=None,
            enrollment=enrollment,
            months=months,
            reason="The term ended; the policy's free extension starts (no cost).",
            as_of=enrollment.term_end,
        )


def _study_group(mentor: User, today: date) -> StudyGroup:
    group = StudyGroup.objects.filter(name=GROUP_NAME).first()
    if group is None:
        group = group_create(
            actor=None,
            kind=GroupKind.CERTIFICATION,
            name=GROUP_NAME,
            cohort="Demo cohort (started the year before)",
            mentors=[mentor],
            capacity=10,
            recurrence_rule=GROUP_RULE,
            starts_on=add_months(today, -16),
            start_time=time(12, 0),
            time_zone="America/Chicago",
            video_link="https://video.example.org/nmt-demo-monday",
        )
    else:
        meetings_materialize(group=group)
    return group


def _join(group: StudyGroup, user: User, start: date) -> None:
    at = datetime.combine(start, time(9, 0), tzinfo=ZoneInfo(group.time_zone))
    membership_add(actor=None, group=group, participant=user, reason="demo data", at=at)


def _spread(start: date, end: date, count: int) -> list[date]:
    """`count` days spread evenly from a week after `start` to `end`."""
    first = start + timedelta(days=7)
    span = max((end - first).days, 0)
    return [first + timedelta(days=span * (n + 1) // (count + 1)) for n in range(count)]


def _record_sessions(
    user: User, enrollment: Enrollment, until: date, share: float = 1.0, wrong: dict[str, date] | None = None
) -> None:
    """Tick the sessions and named items of the checklist (the first `share` of each). `wrong` gives
    session 3 of a requirement a mistaken date (staff will return the checklist for it)."""
    checklist = checklist_get_or_create(enrollment)
    rows = ChecklistRequirement.objects.filter(checklist=checklist, kind__in=[Kind.SESSIONS, Kind.ITEMS])
    for r in rows.order_by("order", "id"):
        limit = len(r.item_labels) if r.kind == Kind.ITEMS else r.target
        ticked = round(limit * share)
        for number, day in enumerate(_spread(enrollment.start_date, until, ticked), start=1):
            if wrong and r.code in wrong and number == min(3, ticked):
                day = wrong[r.code]
            entry_record(
                actor=user,
                requirement=r,
                number=number,
                completed_on=day,
                mode=Mode.LIVE if number % 3 == 0 else Mode.RECORDING,
                note="",
            )


def _attend_calls(user: User, since: date, share: float = 1.0) -> None:
    """Every metric and community call since `since` (or the first `share` of the months)."""
    now = timezone.now()
    calls = [
        occ
        for occ in occurrences_between(
            datetime.combine(since, time.min, tzinfo=UTC), now, CallSeries.objects.filter(is_active=True)
        )
        if not occ.cancelled and occ.ends_at <= now
    ]
    keep = {occ.call_month for occ in calls}
    if share < 1.0:
        keep = set(sorted(keep)[: round(len(keep) * share)])
    for n, occ in enumerate(calls):
        if occ.call_month in keep:
            mode = Mode.LIVE if n % 3 else Mode.RECORDING
            call_attendance_record(actor=user, series=occ.series, original_date=occ.original_date, mode=mode)


def _record_reports(user: User, enrollment: Enrollment, until: date, *, typical: int, client: int) -> None:
    days = _spread(enrollment.start_date, until, typical + client)
    for n, day in enumerate(days):
        if n < typical:
            report_record(actor=user, participant=user, report_type=ReportType.TYPICAL, report_date=day)
            continue
        k = n - typical
        code = f"C-{user.pk % 100:02d}{k // 2 + 1:02d}"  # a client's initial report, then a follow-up
        kind = ReportType.CLIENT_INITIAL if k % 2 == 0 else ReportType.CLIENT_FOLLOW_UP
        report_record(actor=user, participant=user, report_type=kind, report_date=day, client_code=code)


def _sign_agreement(user: User) -> None:
    agreement = current_agreement()
    if agreement is not None:
        agreement_sign(actor=user, agreement=agreement, full_name=expected_signer_name(user))


def _past_fidelity_exercise(staff: User, today: date) -> FidelityExercise:
    """Last year's exercise, closed PAST_DEADLINE_DAYS_AGO days ago. Made through the service, which
    assigns it to everyone enrolled at this moment."""
    year = today.year - 1
    exercise = FidelityExercise.objects.filter(year=year).first()
    if exercise is None:
        deadline = today - timedelta(days=PAST_DEADLINE_DAYS_AGO)
        exercise = fidelity_exercise_create(
            actor=staff,
            year=year,
            title=f"Fidelity Exercise {year}: the case of M.",
            case_abstract=ContentFile(CASE_ABSTRACT, name="case-abstract.txt"),
            qa_session_at=datetime.combine(
                deadline - timedelta(days=14), time(15, 0), tzinfo=ZoneInfo("America/New_York")
            ),
            qa_session_link="https://meet.example.org/nmt-fidelity-qa-previous",
            deadline=deadline,
        )
    return exercise


def _published(staff: User, exercise: FidelityExercise, today: date) -> FidelityExercise:
    """The exercise with its results out (staff publish them once the deadline has passed)."""
    if exercise.is_published or exercise.deadline >= today:
        return exercise
    return fidelity_publish_results(
        actor=staff,
        exercise=exercise,
        scored_report=ContentFile(SCORED_REPORT, name="scored-report.txt"),
        self_scoring_instructions=(
            "Compare your report with the scored one domain by domain, note where you differ by more than "
            "one point, and watch the feedback discussion before marking self-scoring done."
        ),
        feedback_recording_link="https://video.example.org/nmt-fidelity-feedback-previous",
    )


def _mentor_attendance(group: StudyGroup, mentor: User, patterns: dict[int, tuple[str, ...]]) -> None:
    """The mentor's attendance for the group's past meetings (the latest one is left to take)."""
    now = timezone.now()
    past = list(
        Meeting.objects.filter(group=group, status=MeetingStatus.SCHEDULED, starts_at__lt=now).order_by(
            "starts_at"
        )
    )
    for index, meeting in enumerate(past[:-1]):
        taken = set(meeting.attendance.values_list("membership_id", flat=True))
        entries = {}
        for m in members_at(meeting):
            pattern = patterns.get(m.participant_id)
            if pattern and m.pk not in taken:
                entries[m.pk] = pattern[index % len(pattern)]
        if entries:
            attendance_record(actor=mentor, meeting=meeting, entries=entries)


def _sign(user: User, checklist: Checklist) -> Checklist:
    return checklist_sign(
        actor=user,
        checklist=checklist,
        full_name=expected_signer_name(user),
        password=DEMO_PASSWORD,
        attestation_version=current_attestation().version,
        user_agent=SIGNING_USER_AGENT,
    )


def _finish(c: Finished, user: User, enrollment: Enrollment, staff: User, story: Story) -> None:
    """Sign the checklist (when everything is met: on a young database the program's calls may not yet
    have run for enough months), then what staff and the clinician did next."""
    progress = progress_for_enrollments([enrollment], progress_day(user))[enrollment.pk]
    if not progress.complete:
        story.notes.append(f"{c.email}: Phase I not complete yet ({'; '.join(progress.unmet)}), not signed")
        return
    signed = _sign(user, checklist_get_or_create(enrollment))
    if c.returned_once:
        wrong = (
            ChecklistEntry.objects.filter(
                requirement__checklist=signed, completed_on__lt=enrollment.start_date
            )
            .select_related("requirement")
            .first()
        )
        if wrong is not None:
            label = wrong.requirement.label_for(wrong.number)
            checklist_review(
                actor=staff,
                checklist=signed,
                decision="return",
                comment=f"{wrong.requirement.name}, {label}, is dated {wrong.completed_on:%d %B %Y}, before "
                f"your Phase I started ({enrollment.start_date:%d %B %Y}). Please correct the date and sign again.",
            )
            version2 = checklist_get_or_create(enrollment)
            again = ChecklistEntry.objects.get(
                requirement__checklist=version2, requirement__code=wrong.requirement.code, number=wrong.number
            )
            requirement = again.requirement
            entry_undo(actor=user, entry=again)
            entry_record(
                actor=user,
                requirement=requirement,
                number=wrong.number,
                # A month in, but never after the participant's own today (the server's date may be a
                # day ahead of theirs: UTC after midnight is still yesterday evening in New York).
                completed_on=min(enrollment.start_date + timedelta(days=30), today_for(user)),
                mode=wrong.mode,
                note="Date corrected (staff review).",
            )
            signed = _sign(user, version2)
    if c.verified:
        checklist_review(actor=staff, checklist=signed, decision="verify")
    if c.move_to:
        enrollment_services.transition_request_create(
            actor=user, enrollment=enrollment, to_phase=c.move_to, reason=c.reason
        )


def _newcomer(c: Clinician, user: User, staff: User, today: date) -> Enrollment:
    """Applied, and approved by staff with a start date a few days ago."""
    application = enrollment_services.application_submit(
        actor=user, participant=user, agreed_to_policy=True, **_profile_values(c, user, today)
    )
    enrollment = enrollment_services.application_approve(
        actor=staff, application=application, start_date=c.start(today)
    )
    invoice = enrollment.invoices.first()
    if invoice is not None and c.fee_paid:
        enrollment_services.payment_record(
            actor=staff,
            invoice=invoice,
            amount=invoice.amount,
            paid_on=enrollment.start_date,
            method=PaymentMethod.CHECK,
            reference=f"DEMO-{user.pk:04d}",
        )
    return enrollment


def seed(out: Any = None) -> None:
    staff = User.objects.filter(email=STAFF_EMAIL).first()
    mentor = User.objects.filter(email=MENTOR_EMAIL).first()
    if staff is None or mentor is None:
        return
    today = timezone.localdate()
    group = _study_group(mentor, today)
    story = Story()
    recent = today - timedelta(days=40)  # the last sessions were ticked about six weeks ago

    # Clinicians who started a year or more ago (before last year's Fidelity Exercise closed).
    for c in FINISHED:
        user, fresh = _person(c, can_sign_in=True)
        if not fresh:
            continue
        enrollment = _paid_phase1(c, user, today)
        _free_extension_if_term_ended(enrollment, today)
        _join(group, user, enrollment.start_date)
        wrong = {"case_seminars": enrollment.start_date - timedelta(days=12)} if c.returned_once else None
        _record_sessions(user, enrollment, recent, wrong=wrong)
        _attend_calls(user, enrollment.start_date)
        _sign_agreement(user)
        _record_reports(user, enrollment, recent, typical=2, client=7)
        story.finished.append((c, user, enrollment))
    for b in BEHIND:
        user, fresh = _person(b, can_sign_in=False)
        if not fresh:
            continue
        enrollment = _paid_phase1(b, user, today)
        _join(group, user, enrollment.start_date)
        _record_sessions(user, enrollment, recent, share=b.share_done)
        _attend_calls(user, enrollment.start_date, share=b.share_done)
        _record_reports(user, enrollment, recent, typical=1, client=2)
        request = enrollment_services.extension_request_create(
            actor=user, enrollment=enrollment, months=b.months, reason=b.reason
        )
        # The story has the request made days ago; the service stamps it with the current time.
        ExtensionRequest.objects.filter(pk=request.pk, status=RequestStatus.PENDING).update(
            requested_at=timezone.now() - timedelta(days=b.asked_days_ago)
        )
        story.behind.append((b, user, enrollment))

    # Last year's Fidelity Exercise: those who finished Phase I submitted and self-scored it.
    exercise = _past_fidelity_exercise(staff, today)
    for _c, user, enrollment in story.finished:
        deadline_day = max(enrollment.start_date, exercise.deadline - timedelta(days=4))
        report_record(actor=user, participant=user, report_type=ReportType.FIDELITY, report_date=deadline_day)
    exercise = _published(staff, exercise, today)
    for _c, user, _enrollment in story.finished:
        assignment = FidelityAssignment.objects.filter(
            exercise=exercise, participant=user, submitted_at__isnull=False, self_scored_at__isnull=True
        ).first()
        if assignment is not None and exercise.is_published:
            fidelity_mark_self_scored(actor=user, assignment=assignment)

    # Every run looks after the group's attendance, as its mentor would (meetings pass between runs).
    patterns = {
        user.pk: c.attendance for c in (*FINISHED, *BEHIND) for user in User.objects.filter(email=c.email)
    }
    _mentor_attendance(group, mentor, patterns)
    for c, user, enrollment in story.finished:
        _finish(c, user, enrollment, staff, story)

    # New this month, after the exercise closed (this year's exercise is assigned when they start).
    for n in NEWCOMERS:
        user, fresh = _person(n, can_sign_in=False)
        if fresh:
            story.newcomers.append(_newcomer(n, user, staff, today))

    made = len(story.finished) + len(story.behind) + len(story.newcomers)
    members = Membership.objects.filter(group=group).count()
    _say(out, f"  staff console: {made} demo clinician(s) made; {members} place(s) in {group.name}")
    for note in story.notes:
        _say(out, f"  {note}")
