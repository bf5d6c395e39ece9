from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

from accounts import views as account_views
from accounts.admin_site import guard_admin_site

guard_admin_site(admin.site)

handler403 = "accounts.views.error_403"
handler404 = "accounts.views.error_404"
handler500 = "accounts.views.error_500"

# Each app owns its pages under a prefix; `root_urlpatterns` are the few public paths at the top.
APP_PREFIXES = {
    "enrollment": "certification/",
    "requirements_tracking": "requirements/",
    "study_groups": "groups/",
    "metrics_tokens": "metrics/",
    "maintenance": "maintenance/",
    "certificates": "certificates/",
    "staff_console": "staff/",
}

urlpatterns = [
    path("", account_views.home, name="home"),
    path("healthz", account_views.healthz, name="healthz"),
    path("accounts/", include("allauth.urls")),
    path("me/", include("accounts.urls")),
    path("admin/", admin.site.urls),
    path("api/v1/", include("nmt_cert.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("api/redoc/", SpectacularRedocView.as_view(url_name="api-schema"), name="api-redoc"),
]

for _app, _prefix in APP_PREFIXES.items():
    _module = __import__(f"{_app}.urls", fromlist=["urlpatterns"])
    urlpatterns.append(path(_prefix, include(f"{_app}.urls")))
    urlpatterns += getattr(_module, "root_urlpatterns", [])
