from django.urls import URLPattern, URLResolver

app_name = "study_groups"

urlpatterns: list[URLPattern | URLResolver] = []
