from django.urls import URLPattern, URLResolver

app_name = "requirements_tracking"

urlpatterns: list[URLPattern | URLResolver] = []
