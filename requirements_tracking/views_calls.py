"""The program's recurring calls (shown in the viewer's time zone), attendance, staff changes to one
occurrence, and each user's private calendar feed."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from accounts.access import login_required, staff_required
from accounts.errors import DomainError, NotAllowed
from accounts.models import CalendarFeedToken
from accounts.roles import is_staff_member
from accounts.services import calendar_feed_rotate

from . import call_services
from .calendar import ics_for
from .forms import AttendForm, CallManageForm
from .models import CallAttendance, CallSeries
from .schedule import occurrence_for, occurrences_between


def _zone(user: Any) -> ZoneInfo:
    try:
        return ZoneInfo(user.time_zone)
    except Exception:
        return ZoneInfo("UTC")


def _day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise Http404("No such date.") from None


def _series(code: str) -> CallSeries:
    return get_object_or_404(CallSeries, code=code, is_active=True)


@login_required
@require_safe
def calls(request: HttpRequest) -> HttpResponse:
    zone = _zone(request.user)
    now = timezone.now()
    start, end = now - timedelta(days=100), now + timedelta(days=120)
    occurrences = occurrences_between(start, end)
    attended = {
        (a.occurrence.series.code, a.occurrence.original_date): a
        for a in CallAttendance.objects.filter(participant_id=request.user.pk).select_related(
            "occurrence__series"
        )
        if start.date() - timedelta(days=3) <= a.occurrence.original_date <= end.date() + timedelta(days=3)
    }
    rows = [
        {
            "occ": o,
            "local_start": o.starts_at.astimezone(zone),
            "local_end": o.ends_at.astimezone(zone),
            "past": o.starts_at <= now,
            "attendance": attended.get(o.key),
        }
        for o in occurrences
    ]
    return render(
        request,
        "requirements_tracking/calls.html",
        {
            "upcoming": [r for r in rows if not r["past"]][:8],
            "past": list(reversed([r for r in rows if r["past"]])),
            "zone": zone,
            "is_staff": is_staff_member(request.user),
        },
    )


@login_required
@require_POST
def call_attend(request: HttpRequest, series: str, day: str) -> HttpResponse:
    form = AttendForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose live or recording.")
        return redirect("requirements_tracking:calls")
    try:
        call_services.call_attendance_record(
            actor=request.user,
            series=_series(series),
            original_date=_day(day),
            mode=form.cleaned_data["mode"],
        )
    except (DomainError, ValidationError) as exc:
        messages.error(request, getattr(exc, "message", None) or " ".join(exc.messages))  # type: ignore[union-attr]
    else:
        messages.success(request, "Attendance recorded.")
    return redirect("requirements_tracking:calls")


@login_required
@require_POST
def call_attendance_undo(request: HttpRequest, series: str, day: str) -> HttpResponse:
    try:
        call_services.call_attendance_undo(
            actor=request.user, series=_series(series), original_date=_day(day)
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "Attendance removed.")
    return redirect("requirements_tracking:calls")


@staff_required
@require_http_methods(["GET", "HEAD", "POST"])
def call_manage(request: HttpRequest, series: str, day: str) -> HttpResponse:
    call_series = _series(series)
    occ = occurrence_for(call_series, _day(day))
    if occ is None:
        raise Http404("The rule gives no call that day.")
    zone = _zone(request.user)
    form = CallManageForm(
        request.POST or None,
        time_zone=request.user.time_zone,  # type: ignore[union-attr]
        initial={
            "cancelled": occ.cancelled,
            "moved_to": occ.starts_at.astimezone(zone).replace(tzinfo=None) if occ.moved else None,
            "recording_url": occ.recording_url,
            "note": occ.note,
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            call_services.call_occurrence_update(
                actor=request.user, series=call_series, original_date=occ.original_date, **form.cleaned_data
            )
        except NotAllowed as exc:
            raise PermissionDenied(exc.message) from exc
        except ValidationError as exc:
            for field, errs in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errs)
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, "The call is updated.")
            return redirect("requirements_tracking:calls")
    return render(
        request,
        "requirements_tracking/call_manage.html",
        {"occ": occ, "form": form, "local_start": occ.starts_at.astimezone(zone), "zone": zone},
    )


@login_required
@require_safe
def calendar_feed(request: HttpRequest) -> HttpResponse:
    # Looking changes nothing: a person without an address yet makes one with the button (a POST).
    feed = CalendarFeedToken.objects.filter(user=request.user).first()  # type: ignore[misc]
    url = (
        request.build_absolute_uri(reverse("requirements_tracking:calendar_ics", args=[feed.token]))
        if feed is not None
        else ""
    )
    return render(request, "requirements_tracking/calendar_feed.html", {"feed_url": url, "feed": feed})


@login_required
@require_POST
def calendar_feed_rotate_view(request: HttpRequest) -> HttpResponse:
    had_one = CalendarFeedToken.objects.filter(user=request.user).exists()  # type: ignore[misc]
    calendar_feed_rotate(user=request.user)  # type: ignore[arg-type]
    if had_one:
        messages.success(request, "Your old feed address no longer works. Subscribe to the new one below.")
    else:
        messages.success(request, "Your feed address is ready. Subscribe to it below.")
    return redirect("requirements_tracking:calendar_feed")


@require_safe
def calendar_ics(request: HttpRequest, token: str) -> HttpResponse:
    """The private feed: the secret in the URL is the only credential (calendar apps send no cookies)."""
    feed = CalendarFeedToken.objects.select_related("user").filter(token=token).first()
    if feed is None or not feed.user.is_active:
        raise Http404("No such calendar.")
    response = HttpResponse(ics_for(feed.user), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="nmt-certification.ics"'
    response["Cache-Control"] = "private, max-age=900"
    return response
