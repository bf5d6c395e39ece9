"""/api/v1/: every app contributes its routes from its `api` module (`urlpatterns`)."""

from importlib import import_module

app_name = "api"

urlpatterns: list = []
for _app in (
    "accounts",
    "enrollment",
    "requirements_tracking",
    "study_groups",
    "metrics_tokens",
    "maintenance",
    "certificates",
    "staff_console",
):
    urlpatterns += import_module(f"{_app}.api").urlpatterns
