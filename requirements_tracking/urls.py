from django.urls import URLPattern, URLResolver, path

from . import views, views_calls

app_name = "requirements_tracking"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.my_checklist, name="my_checklist"),
    path("all/", views.my_checklists, name="my_checklists"),
    path("enrollments/<int:pk>/", views.enrollment_checklist, name="enrollment_checklist"),
    path("review/", views.review_queue, name="review_queue"),
    path("checklists/<int:pk>/", views.checklist_detail, name="checklist_detail"),
    path("checklists/<int:pk>/requirements/<int:rpk>/record/", views.entry_record, name="entry_record"),
    path("checklists/<int:pk>/sign/", views.checklist_sign, name="checklist_sign"),
    path("checklists/<int:pk>/integrity/", views.checklist_integrity, name="checklist_integrity"),
    path("checklists/<int:pk>/review/", views.checklist_review, name="checklist_review"),
    path("checklists/<int:pk>/pdf/", views.checklist_pdf, name="checklist_pdf"),
    path("entries/<int:pk>/undo/", views.entry_undo, name="entry_undo"),
    path("entries/<int:pk>/evidence/", views.entry_evidence, name="entry_evidence"),
    path("agreement/", views.agreement, name="agreement"),
    path("calls/", views_calls.calls, name="calls"),
    path("calls/<slug:series>/<str:day>/attend/", views_calls.call_attend, name="call_attend"),
    path(
        "calls/<slug:series>/<str:day>/undo/", views_calls.call_attendance_undo, name="call_attendance_undo"
    ),
    path("calls/<slug:series>/<str:day>/manage/", views_calls.call_manage, name="call_manage"),
    path("calendar/", views_calls.calendar_feed, name="calendar_feed"),
    path("calendar/rotate/", views_calls.calendar_feed_rotate_view, name="calendar_feed_rotate"),
    path("calendar/<str:token>.ics", views_calls.calendar_ics, name="calendar_ics"),
]
