from django.urls import URLPattern, URLResolver, path

from .views import queues

app_name = "staff_console"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", queues.home, name="home"),
    path("queues/<slug:key>/", queues.queue, name="queue"),
    path("queues/<slug:key>/export.csv", queues.queue_export, name="queue_export"),
    path("queues/<slug:key>/remind/", queues.queue_remind, name="queue_remind"),
]
