from django.urls import URLPattern, URLResolver, path

from . import views

app_name = "maintenance"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.overview, name="overview"),
    path("renew/", views.renew, name="renew"),
    path("recertification/start/", views.recertification_start, name="recertification_start"),
    path("reminders/", views.reminders, name="reminders"),
    path("presentations/", views.presentations, name="presentations"),
    path("presentations/<int:pk>/", views.presentation_detail, name="presentation_detail"),
    path("presentations/<int:pk>/slides/", views.presentation_slides, name="presentation_slides"),
    path("presentations/<int:pk>/delivered/", views.presentation_deliver, name="presentation_deliver"),
    path("presentations/<int:pk>/withdraw/", views.presentation_withdraw, name="presentation_withdraw"),
    path("presentations/<int:pk>/review/", views.presentation_review, name="presentation_review"),
    path("staff/presentations/", views.presentation_queue, name="presentation_queue"),
    path("staff/next/", views.preview, name="preview"),
    path("staff/flagged/", views.flagged, name="flagged"),
    path("staff/flagged/<int:pk>/decide/", views.flagged_decide, name="flagged_decide"),
    path("staff/recertification/", views.recertifications, name="recertifications"),
    path(
        "staff/recertification/<int:pk>/approve/",
        views.recertification_approve,
        name="recertification_approve",
    ),
]
