from django.urls import URLPattern, URLResolver

app_name = "enrollment"

urlpatterns: list[URLPattern | URLResolver] = []
