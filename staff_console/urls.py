from django.urls import URLPattern, URLResolver

app_name = "staff_console"

urlpatterns: list[URLPattern | URLResolver] = []
