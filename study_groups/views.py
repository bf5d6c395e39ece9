"""Pages. Thin: load through a permission-checking selector, call one service, turn a refusal into a
message. Another person's group answers 404; mutations are POST only."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from accounts.access import login_required, staff_required
from accounts.errors import DomainError
from accounts.roles import is_staff_member

from . import selectors, services
from .forms import (
    ATTENDANCE_CHOICES,
    AddMemberForm,
    AssignTrainerForm,
    CancelMeetingForm,
    EndFacilitationForm,
    FeedbackForm,
    GroupForm,
    MoveMeetingForm,
    RemoveMemberForm,
    TransferForm,
    attendance_entries,
)
from .models import DEFAULT_RULES, Facilitation, FacilitationFeedback, GroupKind, MembershipStatus, StudyGroup
from .schedule import describe


def _refusal(request: HttpRequest, exc: Exception) -> None:
    if isinstance(exc, ValidationError):
        messages.error(request, " ".join(exc.messages))
    else:
        messages.error(request, getattr(exc, "message", str(exc)))


def _back(group: StudyGroup, anchor: str = "") -> HttpResponse:
    return redirect(reverse("study_groups:detail", args=[group.pk]) + (f"#{anchor}" if anchor else ""))


@login_required
@require_safe
def index(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    led = list(StudyGroup.objects.filter(mentors=user).prefetch_related("mentors"))
    all_groups = None
    if is_staff_member(user):
        all_groups = list(
            StudyGroup.objects.prefetch_related("mentors").order_by("-is_active", "kind", "name")
        )
    return render(
        request,
        "study_groups/index.html",
        {
            "led": led,
            "facilitations": selectors.facilitations_of(user),
            "memberships": selectors.memberships_of(user),
            "all_groups": all_groups,
            "is_staff": is_staff_member(user),
        },
    )


@staff_required
@require_http_methods(["GET", "HEAD", "POST"])
def create(request: HttpRequest) -> HttpResponse:
    kind = request.GET.get("kind", GroupKind.CERTIFICATION)
    initial = {"kind": kind, "recurrence_rule": DEFAULT_RULES.get(kind, ""), "duration_minutes": 60}
    form = GroupForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            group = services.group_create(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, f"{group.name} is created and its meetings are scheduled.")
            return _back(group)
    return render(request, "study_groups/group_form.html", {"form": form, "group": None})


def _add_errors(form: Any, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for name, errors in exc.message_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, exc)


@staff_required
@require_http_methods(["GET", "HEAD", "POST"])
def edit(request: HttpRequest, pk: int) -> HttpResponse:
    group, _ = selectors.get_managed_group(request.user, pk)
    form = GroupForm(request.POST or None, initial=GroupForm.initial_for(group), editing=True)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        data.pop("kind", None)
        mentors = data.pop("mentors")
        try:
            services.group_update(actor=request.user, group=group, mentors=mentors, **data)
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, "The group is saved.")
            return _back(group)
    return render(request, "study_groups/group_form.html", {"form": form, "group": group})


@login_required
@require_safe
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    group, access = selectors.get_group_for_user(request.user, pk)
    now = timezone.now()
    context: dict[str, Any] = {
        "group": group,
        "access": access,
        "pattern": describe(group.recurrence_rule),
        "mentors": list(group.mentors.all()),
        "facilitators": selectors.active_facilitators(group),
        "upcoming": selectors.upcoming_meetings(group, now=now),
        "recent": selectors.recent_meetings(group, now=now),
        "now": now,
    }
    if access.can_manage:
        console = selectors.console(group, now=now)
        targets = StudyGroup.objects.filter(kind=group.kind, is_active=True).exclude(pk=group.pk)
        if not access.is_staff:
            targets = targets.filter(mentors=request.user.pk)
        context |= {
            "console": console,
            "add_form": AddMemberForm(),
            "remove_form": RemoveMemberForm(),
            "transfer_targets": list(targets),
            "assign_form": AssignTrainerForm(),
            "history": Paginator(selectors.roster_history(group), 25).get_page(request.GET.get("page")),
        }
        return render(request, "study_groups/console.html", context)
    if access.facilitation is not None:
        f = access.facilitation
        given = set(FacilitationFeedback.objects.filter(facilitation=f).values_list("meeting_id", flat=True))
        context |= {
            "facilitation": f,
            "role": services.facilitation_role(f.enrollment, timezone.localdate()),
            "year": services.facilitation_year(f.enrollment, timezone.localdate()),
            "feedback_given": given,
            "members": selectors.current_members(group),
        }
        return render(request, "study_groups/facilitator.html", context)
    membership = access.membership
    assert membership is not None  # visible_to admits only mentors, facilitators, members and staff
    context |= {
        "membership": membership,
        "my_attendance": selectors.my_attendance(membership) if membership.joined_at else [],
        "my_progress": selectors.own_progress(membership)
        if membership.status == MembershipStatus.ACTIVE
        else None,
        "waitlist_position": services.waitlist_position(membership)
        if membership.status == MembershipStatus.WAITLISTED
        else None,
    }
    return render(request, "study_groups/participant.html", context)


@login_required
@require_POST
def member_add(request: HttpRequest, pk: int) -> HttpResponse:
    group, _ = selectors.get_managed_group(request.user, pk)
    form = AddMemberForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Give the participant's e-mail address.")
        return _back(group, "roster")
    person = get_user_model().objects.filter(email__iexact=form.cleaned_data["email"], is_active=True).first()
    if person is None:
        messages.error(request, "No participant has that e-mail address. Nothing was changed.")
        return _back(group, "roster")
    try:
        membership = services.membership_add(
            actor=request.user, group=group, participant=person, reason=form.cleaned_data["reason"]
        )
    except DomainError as exc:
        _refusal(request, exc)
    else:
        if membership.status == MembershipStatus.WAITLISTED:
            messages.warning(
                request,
                f"{group.name} is full: {person.display_name} is on the waitlist "
                f"(position {services.waitlist_position(membership)}).",
            )
        else:
            messages.success(request, f"{person.display_name} joined {group.name}.")
    return _back(group, "roster")


@login_required
@require_POST
def member_remove(request: HttpRequest, pk: int, membership_pk: int) -> HttpResponse:
    group, _ = selectors.get_managed_group(request.user, pk)
    membership = selectors.get_membership(group, membership_pk)
    form = RemoveMemberForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Say why the participant leaves the group. Nothing was changed.")
        return _back(group, "roster")
    try:
        promoted = services.membership_remove(
            actor=request.user, membership=membership, reason=form.cleaned_data["reason"]
        )
    except DomainError as exc:
        _refusal(request, exc)
    else:
        text = f"{membership.participant.display_name} left {group.name}."
        if promoted:
            text += " From the waitlist: " + ", ".join(m.participant.display_name for m in promoted) + "."
        messages.success(request, text)
    return _back(group, "roster")


@login_required
@require_POST
def member_transfer(request: HttpRequest, pk: int, membership_pk: int) -> HttpResponse:
    group, access = selectors.get_managed_group(request.user, pk)
    membership = selectors.get_membership(group, membership_pk)
    targets = StudyGroup.objects.filter(kind=group.kind, is_active=True).exclude(pk=group.pk)
    if not access.is_staff:
        targets = targets.filter(mentors=request.user.pk)  # mentors move people between groups they lead
    form = TransferForm(request.POST, targets=targets)
    if not form.is_valid():
        messages.error(request, "Choose a group you lead to transfer to. Nothing was changed.")
        return _back(group, "roster")
    try:
        new = services.membership_transfer(
            actor=request.user,
            membership=membership,
            to_group=form.cleaned_data["to_group"],
            reason=form.cleaned_data["reason"],
        )
    except DomainError as exc:
        _refusal(request, exc)
    else:
        messages.success(request, f"{membership.participant.display_name} moved to {new.group.name}.")
    return _back(group, "roster")


@staff_required
@require_POST
def facilitator_assign(request: HttpRequest, pk: int) -> HttpResponse:
    group, _ = selectors.get_managed_group(request.user, pk)
    form = AssignTrainerForm(request.POST)
    person = None
    if form.is_valid():
        person = (
            get_user_model().objects.filter(email__iexact=form.cleaned_data["email"], is_active=True).first()
        )
    if person is None:
        messages.error(request, "No one has that e-mail address. Nothing was changed.")
        return _back(group, "facilitators")
    try:
        services.facilitation_assign(
            actor=request.user, group=group, trainer=person, reason=form.cleaned_data["reason"]
        )
    except DomainError as exc:
        _refusal(request, exc)
    else:
        messages.success(request, f"{person.display_name} co-facilitates {group.name}.")
    return _back(group, "facilitators")


@staff_required
@require_POST
def facilitator_end(request: HttpRequest, pk: int, facilitation_pk: int) -> HttpResponse:
    group, _ = selectors.get_managed_group(request.user, pk)
    facilitation = Facilitation.objects.filter(group=group, pk=facilitation_pk).first()
    if facilitation is None:
        raise Http404("No such assignment in this group.")
    form = EndFacilitationForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Say why the assignment ends. Nothing was changed.")
        return _back(group, "facilitators")
    try:
        services.facilitation_end(
            actor=request.user, facilitation=facilitation, reason=form.cleaned_data["reason"]
        )
    except DomainError as exc:
        _refusal(request, exc)
    else:
        messages.success(
            request, f"{facilitation.trainer.display_name} no longer co-facilitates {group.name}."
        )
    return _back(group, "facilitators")


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def meeting(request: HttpRequest, pk: int, meeting_pk: int) -> HttpResponse:
    """A meeting's page: its time, and attendance for those who take it."""
    group, access = selectors.get_group_for_user(request.user, pk)
    mtg = selectors.get_meeting(group, meeting_pk)
    if not access.can_see_roster:
        raise PermissionDenied("Attendance is taken by the group's mentors and facilitating trainers.")
    can_record = access.can_record_attendance(mtg)
    members = services.members_at(mtg) if mtg.has_started() else []
    if request.method == "POST":
        if not can_record:
            raise PermissionDenied("Attendance is taken by the group's mentors and facilitating trainers.")
        try:
            services.attendance_record(
                actor=request.user,
                meeting=mtg,
                entries=attendance_entries(request.POST, [m.pk for m in members]),
            )
        except DomainError as exc:
            _refusal(request, exc)
            return redirect("study_groups:meeting", pk=group.pk, meeting_pk=mtg.pk)
        messages.success(request, "Attendance is saved.")
        return _back(group, "roster") if access.can_manage else redirect("study_groups:detail", pk=group.pk)
    marks = dict(mtg.attendance.values_list("membership_id", "status"))
    return render(
        request,
        "study_groups/meeting.html",
        {
            "group": group,
            "meeting": mtg,
            "access": access,
            "can_record": can_record and mtg.has_started() and not mtg.is_cancelled,
            "rows": [(m, marks.get(m.pk, "")) for m in members],
            "choices": ATTENDANCE_CHOICES,
            "move_form": MoveMeetingForm(),
            "cancel_form": CancelMeetingForm(),
            "started": mtg.has_started(),
        },
    )


@login_required
@require_POST
def meeting_move(request: HttpRequest, pk: int, meeting_pk: int) -> HttpResponse:
    group, _ = selectors.get_managed_group(request.user, pk)
    mtg = selectors.get_meeting(group, meeting_pk)
    form = MoveMeetingForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Give the new date and time. Nothing was changed.")
    else:
        try:
            services.meeting_move(
                actor=request.user,
                meeting=mtg,
                starts_at=form.aware_start(group.time_zone),
                reason=form.cleaned_data["reason"],
            )
        except DomainError as exc:
            _refusal(request, exc)
        else:
            messages.success(request, "The meeting is moved.")
    return redirect("study_groups:meeting", pk=group.pk, meeting_pk=mtg.pk)


@login_required
@require_POST
def meeting_cancel(request: HttpRequest, pk: int, meeting_pk: int) -> HttpResponse:
    group, _ = selectors.get_managed_group(request.user, pk)
    mtg = selectors.get_meeting(group, meeting_pk)
    form = CancelMeetingForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Say why the meeting is cancelled. Nothing was changed.")
    else:
        try:
            services.meeting_cancel(actor=request.user, meeting=mtg, reason=form.cleaned_data["reason"])
        except DomainError as exc:
            _refusal(request, exc)
        else:
            messages.success(request, "The meeting is cancelled.")
    return redirect("study_groups:meeting", pk=group.pk, meeting_pk=mtg.pk)


@login_required
@require_POST
def meetings_generate(request: HttpRequest, pk: int) -> HttpResponse:
    group, _ = selectors.get_managed_group(request.user, pk)
    made = services.meetings_materialize(group=group)
    messages.success(request, f"{made} new meeting{'s' if made != 1 else ''} scheduled from the pattern.")
    return _back(group, "meetings")


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def feedback(request: HttpRequest, pk: int, meeting_pk: int) -> HttpResponse:
    group, access = selectors.get_group_for_user(request.user, pk)
    if access.facilitation is None:
        raise PermissionDenied("Feedback is given by the group's co-facilitating trainer.")
    mtg = selectors.get_meeting(group, meeting_pk)
    form = FeedbackForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.feedback_submit(
                actor=request.user, meeting=mtg, facilitation=access.facilitation, **form.cleaned_data
            )
        except DomainError as exc:
            _refusal(request, exc)
        else:
            messages.success(request, "Thank you: your feedback is recorded.")
            return _back(group)
    return render(request, "study_groups/feedback.html", {"group": group, "meeting": mtg, "form": form})


@login_required
@require_POST
def remind_behind(request: HttpRequest, pk: int) -> HttpResponse:
    group, _ = selectors.get_managed_group(request.user, pk)
    behind = selectors.console(group).behind_ids
    if not behind:
        messages.info(request, "No member is behind: no reminder was sent.")
        return _back(group, "roster")
    try:
        count = services.reminders_send_to_behind(actor=request.user, group=group, membership_ids=behind)
    except DomainError as exc:
        _refusal(request, exc)
    else:
        messages.success(
            request, f"A reminder is on its way to {count} member{'s' if count != 1 else ''} who are behind."
        )
    return _back(group, "roster")


def home_panel_context(request: HttpRequest) -> dict[str, Any]:
    user: Any = request.user
    led = list(StudyGroup.objects.filter(mentors=user, is_active=True))
    now = timezone.now()
    return {
        "led": [(g, selectors.upcoming_meetings(g, now=now, limit=1)) for g in led],
        "facilitations": selectors.facilitations_of(user),
        "memberships": selectors.memberships_of(user),
    }
