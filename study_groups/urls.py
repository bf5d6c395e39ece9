from django.urls import URLPattern, URLResolver, path

from . import views

app_name = "study_groups"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.index, name="index"),
    path("new/", views.create, name="create"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/edit/", views.edit, name="edit"),
    path("<int:pk>/members/add/", views.member_add, name="member_add"),
    path("<int:pk>/members/<int:membership_pk>/remove/", views.member_remove, name="member_remove"),
    path("<int:pk>/members/<int:membership_pk>/transfer/", views.member_transfer, name="member_transfer"),
    path("<int:pk>/facilitators/assign/", views.facilitator_assign, name="facilitator_assign"),
    path("<int:pk>/facilitators/<int:facilitation_pk>/end/", views.facilitator_end, name="facilitator_end"),
    path("<int:pk>/meetings/generate/", views.meetings_generate, name="meetings_generate"),
    path("<int:pk>/meetings/<int:meeting_pk>/", views.meeting, name="meeting"),
    path("<int:pk>/meetings/<int:meeting_pk>/move/", views.meeting_move, name="meeting_move"),
    path("<int:pk>/meetings/<int:meeting_pk>/cancel/", views.meeting_cancel, name="meeting_cancel"),
    path("<int:pk>/meetings/<int:meeting_pk>/feedback/", views.feedback, name="feedback"),
    path("<int:pk>/remind-behind/", views.remind_behind, name="remind_behind"),
]
