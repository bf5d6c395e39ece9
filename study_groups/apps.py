from django.apps import AppConfig


class StudyGroupsConfig(AppConfig):
    name = "study_groups"
    verbose_name = "Study groups"
