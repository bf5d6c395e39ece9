from django.apps import AppConfig


class RequirementsTrackingConfig(AppConfig):
    name = "requirements_tracking"
    verbose_name = "Requirement checklists"

    def ready(self) -> None:
        from enrollment.hooks import register_completion_check, register_enrollment_started

        from .services import completion_check, on_enrollment_started

        register_enrollment_started(on_enrollment_started)
        register_completion_check(completion_check)
