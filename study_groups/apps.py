from django.apps import AppConfig


class StudyGroupsConfig(AppConfig):
    name = "study_groups"
    verbose_name = "Study groups"

    def ready(self) -> None:
        from . import hooks, progress
        from .calendar import register as register_calendar

        progress.register()
        register_calendar()
        hooks.register()
