from django.urls import URLPattern, URLResolver, path

from .views import audit, evidence, participants, queues, reports

app_name = "staff_console"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", queues.home, name="home"),
    path("queues/<slug:key>/", queues.queue, name="queue"),
    path("queues/<slug:key>/export.csv", queues.queue_export, name="queue_export"),
    path("queues/<slug:key>/remind/", queues.queue_remind, name="queue_remind"),
    path("queues/<slug:key>/assign/", queues.queue_assign, name="queue_assign"),
    path("participants/", participants.search, name="search"),
    path("participants/<int:pk>/", participants.participant, name="participant"),
    path(
        "participants/<int:pk>/sections/<slug:section>/",
        participants.participant_section,
        name="participant_section",
    ),
    path("reports/", reports.reports, name="reports"),
    path("reports/<slug:key>.csv", reports.report_export, name="report_export"),
    path("participants/<int:pk>/evidence/", evidence.evidence_start, name="evidence_start"),
    path("evidence/<int:pk>/", evidence.evidence_job, name="evidence_job"),
    path("evidence/<int:pk>/<slug:kind>/", evidence.evidence_download, name="evidence_download"),
    path("audit/", audit.audit, name="audit"),
    path("audit/export.csv", audit.audit_export, name="audit_export"),
]
