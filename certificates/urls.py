"""Pages of the Certificates app under /certificates/, and public verification at the site root."""

from django.urls import URLPattern, URLResolver, path, register_converter

from . import views, views_public


class VerificationCodeConverter:
    regex = r"[A-Za-z0-9_-]{1,64}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(VerificationCodeConverter, "vcode")

app_name = "certificates"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.my_certificates, name="mine"),
    path("all/", views.manage, name="manage"),
    path("issue/", views.issue, name="issue"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/pdf/", views.download, name="download"),
    path("<int:pk>/revoke/", views.revoke, name="revoke"),
    path("<int:pk>/reissue/", views.reissue, name="reissue"),
    path("print/", views.bulk_print, name="bulk"),
    path("print/<int:pk>/", views.bulk_job, name="bulk_job"),
    path("print/<int:pk>/progress/", views.bulk_job_progress, name="bulk_job_progress"),
    path("print/<int:pk>/<str:kind>/", views.bulk_job_download, name="bulk_job_download"),
]

# Public, no sign-in: what a QR code on a certificate opens.
root_urlpatterns: list[URLPattern | URLResolver] = [
    path("verify/", views_public.verify_lookup, name="verify_lookup"),
    path("verify/<vcode:code>/", views_public.verify, name="verify"),
    path("verify/<vcode:code>.json", views_public.verify_json, name="verify_json"),
]
