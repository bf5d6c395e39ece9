from django.urls import URLPattern, URLResolver, path

from . import views

app_name = "metrics_tokens"

urlpatterns: list[URLPattern | URLResolver] = [
    path("reports/", views.my_reports, name="my_reports"),
    path("balance/", views.my_balance, name="my_balance"),
    path("fidelity/", views.my_fidelity, name="my_fidelity"),
    path("fidelity/<int:pk>/self-scored/", views.fidelity_self_scored, name="fidelity_self_scored"),
    path("fidelity/exercises/<int:pk>/<slug:which>/", views.fidelity_file, name="fidelity_file"),
    path("staff/ledger/", views.staff_ledger, name="staff_ledger"),
    path("staff/ledger/<int:pk>/", views.staff_participant, name="staff_participant"),
    path("staff/ledger/entries/<int:pk>/refund/", views.staff_refund, name="staff_refund"),
    path("staff/fidelity/", views.fidelity_staff, name="fidelity_staff"),
    path("staff/fidelity/<int:pk>/", views.fidelity_staff_detail, name="fidelity_staff_detail"),
    path("staff/fidelity/<int:pk>/publish/", views.fidelity_publish, name="fidelity_publish"),
]
