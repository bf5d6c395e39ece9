from django.urls import URLPattern, URLResolver

app_name = "metrics_tokens"

urlpatterns: list[URLPattern | URLResolver] = []
