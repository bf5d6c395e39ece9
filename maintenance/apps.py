from django.apps import AppConfig


class MaintenanceConfig(AppConfig):
    name = "maintenance"
    verbose_name = "Deadlines, Maintenance and Re-Certification"

    def ready(self) -> None:
        from django.db.backends.signals import connection_created

        from enrollment.hooks import register_status_changed
        from requirements_tracking.providers import register_provider

        from .db import register_sqlite_functions
        from .hooks import resolve_requirements_when_recertified
        from .selectors import trainer_activity_progress

        connection_created.connect(register_sqlite_functions, dispatch_uid="maintenance_sqlite_functions")
        register_provider("trainer_activities", trainer_activity_progress)
        register_status_changed(resolve_requirements_when_recertified)
