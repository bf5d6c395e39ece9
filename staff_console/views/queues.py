"""The staff home and the work queues (one generic view over staff_console.queues.QUEUES)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_POST, require_safe

from accounts.access import staff_required
from accounts.errors import DomainError
from accounts.html import text
from accounts.pagination import page_of
from accounts.urlcache import id_url
from enrollment.models import Phase
from study_groups.models import StudyGroup

from .. import queues as q
from ..csvutil import csv_response
from ..selectors import cached_queue_summaries
from ..services import reminders_send, study_group_assign

PAGE_SIZE = 50


def _queue_or_404(key: str) -> q.QueueDef:
    queue = q.get_queue(key)
    if queue is None:
        raise Http404("No such queue.")
    return queue


class _RowMaker:
    """A page's queue rows, their cells rendered here once and escaped one by one (a page has fifty
    rows of up to ten cells, and the template engine, or format_html per cell, costs more than the
    queries do); the links' URLs are worked out once for the page."""

    def __init__(self, work: q.QueueDef) -> None:
        self.work = work
        self.tz = timezone.get_current_timezone()
        self.participant_url = id_url("staff_console:participant")
        self.link = work.links()
        self.choosable = work.remindable or work.assignable
        self.other_columns = work.columns[1:]

    def __call__(self, item: Any, number: int) -> dict[str, Any]:
        work = self.work
        values = q.row_values(work, item)
        participant_id = work.participant_of(item).pk
        pk = int(item.pk)
        cells = ['<tr data-testid="queue-row">']
        if self.choosable:
            cells.append(
                f'<td><input class="form-check-input" type="checkbox" name="ids" value="{pk}" id="pick-{pk}" '
                f'aria-label="Choose row {int(number)}"></td>'
            )
        cells.append(f'<td><a href="{text(self.participant_url(participant_id))}">{text(values[0])}</a></td>')
        cells.extend(
            f'<td class="text-nowrap">{text(value)}</td>' if column.nowrap else f"<td>{text(value)}</td>"
            for column, value in zip(self.other_columns, values[1:], strict=True)
        )
        # As the template's date filter shows it: a time in the viewer's time zone.
        waiting = item.waiting
        if isinstance(waiting, datetime):
            waiting = waiting.astimezone(self.tz)
        cells.append(f'<td class="text-nowrap">{waiting.strftime("%Y-%m-%d") if waiting else ""}</td>')
        cells.append(
            f'<td class="text-nowrap"><a class="btn btn-sm btn-outline-primary" href="{text(self.link(item))}">'
            f"{text(work.link_label)}</a></td></tr>"
        )
        html = mark_safe("".join(cells))  # every value above is escaped
        return {"item": item, "values": values, "participant_id": participant_id, "html": html}


@staff_required
@require_safe
def home(request: HttpRequest) -> HttpResponse:
    summaries, counted_at = cached_queue_summaries(fresh=request.GET.get("fresh") == "1")
    return render(request, "staff_console/home.html", {"summaries": summaries, "counted_at": counted_at})


@staff_required
@require_safe
def queue(request: HttpRequest, key: str) -> HttpResponse:
    work = _queue_or_404(key)
    today = timezone.localdate()
    if q.ordered_by_index(work, request.GET):
        page = q.index_page(work, today, request.GET.get("page"), PAGE_SIZE)
    else:
        page = page_of(q.filtered(work, today, request.GET), request.GET.get("page"), PAGE_SIZE)
    row = _RowMaker(work)
    rows = [row(item, n) for n, item in enumerate(page.object_list, start=1)]
    sort = request.GET.get("sort", "")
    context: dict[str, Any] = {
        "queue": work,
        "page": page,
        "rows": rows,
        "headers": [
            {
                "label": c.label,
                "sort": c.sort,
                "active": sort.lstrip("-") == c.sort and bool(c.sort),
                "desc": sort.startswith("-"),
            }
            for c in work.columns
        ],
        "phases": Phase.choices if work.phase_path else [],
        "filters": {"q": request.GET.get("q", ""), "phase": request.GET.get("phase", ""), "sort": sort},
        "export_query": request.GET.urlencode(),
        "groups": list(StudyGroup.objects.filter(is_active=True).order_by("name")) if work.assignable else [],
    }
    return render(request, "staff_console/queue.html", context)


@staff_required
@require_safe
def queue_export(request: HttpRequest, key: str) -> HttpResponse:
    work = _queue_or_404(key)
    items = q.filtered(work, timezone.localdate(), request.GET)
    header = [c.label for c in work.columns] + ["Waiting since" if not work.ending else "Ends", "Id"]
    rows = ([*q.row_values(work, i), q._d(i.waiting), i.pk] for i in items.iterator(chunk_size=500))
    response: Any = csv_response(f"queue-{work.key}.csv", header, rows)
    return response


@staff_required
@require_POST
def queue_remind(request: HttpRequest, key: str) -> HttpResponse:
    work = _queue_or_404(key)
    try:
        ids = [int(v) for v in request.POST.getlist("ids")]
    except ValueError:
        ids = []
    try:
        made = reminders_send(
            actor=request.user,
            queue=work,
            item_ids=ids,
            subject=request.POST.get("subject", ""),
            body=request.POST.get("body", ""),
            today=timezone.localdate(),
        )
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(
            request, f"Reminder queued for {len(made)} participant{'s' if len(made) != 1 else ''}."
        )
    back = request.POST.get("back", "")
    return redirect(
        f"{request.path.rsplit('remind/', 1)[0]}{'?' + back if back and '//' not in back else ''}"
    )


@staff_required
@require_POST
def queue_assign(request: HttpRequest, key: str) -> HttpResponse:
    work = _queue_or_404(key)
    try:
        ids = [int(v) for v in request.POST.getlist("ids")]
        group = StudyGroup.objects.filter(pk=int(request.POST.get("group", "")), is_active=True).first()
    except ValueError:
        ids, group = [], None
    if group is None:
        messages.error(request, "Choose an open study group.")
    else:
        try:
            added = study_group_assign(
                actor=request.user, queue=work, item_ids=ids, group=group, today=timezone.localdate()
            )
        except (ValidationError, DomainError) as error:
            for message in getattr(error, "messages", None) or [str(error)]:
                messages.error(request, message)
        else:
            messages.success(
                request, f"{added} participant{'s' if added != 1 else ''} added to {group.name}."
            )
    back = request.POST.get("back", "")
    return redirect(
        f"{request.path.rsplit('assign/', 1)[0]}{'?' + back if back and '//' not in back else ''}"
    )
